package dev.signals.console;

import dev.signals.model.EventsCounted;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one progress line per tick, like Spark's query progress: signals counted so far, signals
 * per second over the interval, devices updated. For example:
 *
 * <pre>Progress at 2026-11-25T15:00:10Z: 1,234 signals counted, 20.0/s over the last 10 s, 10 devices updated</pre>
 *
 * <p>It is derived from the reports themselves rather than from Beam metrics: metrics are not
 * readable on every runner while the job runs (Flink's attached run blocks), they cost Flink a
 * lot per element, and on Spark the step before a stateful one runs twice per element, which
 * would double them. A device's report says how many signals it added since its previous report;
 * every signal triggers a report at the next tick, so a tick's sum is what arrived in its
 * interval.
 */
public class LogProgress extends PTransform<PCollection<EventsCounted>, PDone> {
  private static final Logger LOG = LoggerFactory.getLogger(LogProgress.class);

  private final Duration triggerInterval;
  private final Duration gatherDelay;

  private LogProgress(Duration triggerInterval, Duration gatherDelay) {
    this.triggerInterval = triggerInterval;
    this.gatherDelay = gatherDelay;
  }

  public static LogProgress of(Duration triggerInterval, Duration gatherDelay) {
    return new LogProgress(triggerInterval, gatherDelay);
  }

  @Override
  public PDone expand(PCollection<EventsCounted> reports) {
    reports
        .apply("TickReports", Filter.by((EventsCounted report) -> !report.isFinal()))
        .apply("SumPerTickInBundle", ParDo.of(new SumPerTickInBundleFn()))
        .apply("LogProgressPerTick", ParDo.of(new LogProgressPerTickFn(triggerInterval, gatherDelay)));
    return PDone.in(reports.getPipeline());
  }

  /** The last line of a bounded run: every signal counted, over how many devices. */
  /**
   * Sums the reports of each tick within a bundle, so the single key downstream receives a few
   * partial sums per tick instead of one element per device.
   */
  static class SumPerTickInBundleFn extends DoFn<EventsCounted, KV<Integer, TickTotals>> {
    private transient Map<Instant, TickTotals> perTick;

    @StartBundle
    public void startBundle() {
      perTick = new HashMap<>();
    }

    @ProcessElement
    public void processElement(@Element EventsCounted report) {
      // An expiry can carry signals not yet reported at a tick; it is no device update, though.
      long updated = report.isExpired() ? 0 : 1;
      perTick.merge(report.tick(), new TickTotals(report.tick(), report.added(), updated), TickTotals::plus);
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      for (TickTotals totals : perTick.values()) {
        TickWatch.tickReported(totals.tick());
        context.output(KV.of(0, totals), totals.tick(), GlobalWindow.INSTANCE);
      }
      perTick.clear();
    }
  }

  /**
   * Adds up a tick's partial sums and logs the line. Carries (signals counted so far, the totals
   * of the last tick logged): when late reports of that tick arrive, its line is logged again with
   * them included, so the last line for a tick is always whole.
   */
  static class LogProgressPerTickFn extends GatherPerTickFn<TickTotals, KV<Long, TickTotals>> {
    private final Duration triggerInterval;

    LogProgressPerTickFn(Duration triggerInterval, Duration gatherDelay) {
      super(TickTotals.TickTotalsCoder.of(), KvCoder.of(VarLongCoder.of(), TickTotals.TickTotalsCoder.of()),
          gatherDelay);
      this.triggerInterval = triggerInterval;
    }

    @Override
    Instant tickOf(TickTotals totals) {
      return totals.tick();
    }

    @Override
    KV<Long, TickTotals> initial() {
      return KV.of(0L, new TickTotals(BoundedWindow.TIMESTAMP_MIN_VALUE, 0, 0));
    }

    @Override
    KV<Long, TickTotals> onTick(Instant tick, List<TickTotals> partials, boolean late,
        KV<Long, TickTotals> sofar) {
      TickTotals arrived = partials.stream().reduce(TickTotals::plus).orElseThrow();
      long counted = sofar.getKey() + arrived.added();
      TickTotals lastLogged = sofar.getValue();
      TickTotals ofTick = tick.equals(lastLogged.tick()) ? lastLogged.plus(arrived) : arrived;
      LOG.info(line(ofTick, counted, triggerInterval) + (late ? " (late reports included)" : ""));
      return KV.of(counted, late && !tick.equals(lastLogged.tick()) ? lastLogged : ofTick);
    }
  }

  static String line(TickTotals tick, long counted, Duration interval) {
    return String.format("Progress at %s: %,d signals counted, %,.1f/s over the last %d s, %,d devices updated",
        Ticks.iso(tick.tick()), counted, tick.added() * 1000.0 / interval.getMillis(),
        interval.getStandardSeconds(), tick.devices());
  }
}
