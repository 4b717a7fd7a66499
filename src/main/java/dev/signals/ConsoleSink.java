package dev.signals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Prints counts on stdout, Spark's console sink. Logs go to stderr, so stdout carries nothing else.
 *
 * <ul>
 *   <li>{@link OutputFormat#table}: one table per tick. Reports of one tick come from every worker
 *       that holds devices, so they are first gathered on one key, waited for a short moment, and
 *       printed together, sorted by device.
 *   <li>{@link OutputFormat#jsonl}: one JSON object per report, printed where it is produced.
 * </ul>
 */
public class ConsoleSink extends PTransform<PCollection<EventsCounted>, PDone> {
  /** The console formats; lower case because users type them as {@code --output=jsonl}. */
  public enum OutputFormat {
    table,
    jsonl
  }

  private final OutputFormat format;
  private final Duration gatherDelay;

  private ConsoleSink(OutputFormat format, Duration gatherDelay) {
    this.format = format;
    this.gatherDelay = gatherDelay;
  }

  /**
   * A sink in the given format. A table waits {@code gatherDelay} after the first report of a
   * tick for the others; keep it well below the trigger interval.
   */
  public static ConsoleSink of(OutputFormat format, Duration gatherDelay) {
    return new ConsoleSink(format, gatherDelay);
  }

  @Override
  public PDone expand(PCollection<EventsCounted> counts) {
    switch (format) {
      case jsonl:
        counts.apply("PrintJsonLines", ParDo.of(new PrintJsonLinesFn()));
        break;
      case table:
        counts
            .apply("GatherOnOneKey", WithKeys.<Integer, EventsCounted>of(0)
                .withKeyType(TypeDescriptors.integers()))
            .apply("PrintTablePerTick", ParDo.of(new PrintTablePerTickFn(gatherDelay)));
        break;
      default:
        throw new IllegalArgumentException("Unknown output format " + format);
    }
    return PDone.in(counts.getPipeline());
  }

  /** {@code {"tick":"2026-11-25T15:00:10Z","deviceId":3,"count":42}}, one line each. */
  static String jsonLine(EventsCounted counted) {
    return "{\"tick\":\"" + Ticks.iso(counted.tick()) + "\",\"deviceId\":" + counted.deviceId()
        + ",\"count\":" + counted.count() + "}";
  }

  static class PrintJsonLinesFn extends DoFn<EventsCounted, Void> {
    @ProcessElement
    public void processElement(@Element EventsCounted counted) {
      System.out.println(jsonLine(counted));
    }
  }

  /**
   * Collects the reports of a tick and prints them as one table. A single key puts every report
   * on one worker; the first report of a batch arms a short timer, and when it fires, everything
   * gathered so far is printed, one table per tick in tick order.
   */
  static class PrintTablePerTickFn extends DoFn<KV<Integer, EventsCounted>, Void> {
    private static final String PENDING = "pending";
    private static final String FLUSH_ARMED = "flushArmed";
    private static final String BATCHES_PRINTED = "batchesPrinted";
    private static final String FLUSH = "flush";

    /** Reports received since the last table was printed. */
    @StateId(PENDING)
    private final StateSpec<BagState<EventsCounted>> pendingSpec = StateSpecs.bag();

    /** Set by the first pending report, so later ones do not push the flush further away. */
    @StateId(FLUSH_ARMED)
    private final StateSpec<ValueState<Boolean>> flushArmedSpec = StateSpecs.value();

    /** Numbers the tables like Spark numbers its batches, from 0. */
    @StateId(BATCHES_PRINTED)
    private final StateSpec<ValueState<Long>> batchesPrintedSpec =
        StateSpecs.value(VarLongCoder.of());

    @TimerId(FLUSH)
    private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    private final Duration gatherDelay;

    PrintTablePerTickFn(Duration gatherDelay) {
      this.gatherDelay = gatherDelay;
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, EventsCounted> report,
        @StateId(PENDING) BagState<EventsCounted> pending,
        @StateId(FLUSH_ARMED) ValueState<Boolean> flushArmed,
        @TimerId(FLUSH) Timer flush) {
      pending.add(report.getValue());
      if (flushArmed.read() == null) {
        flush.offset(gatherDelay).setRelative();
        flushArmed.write(true);
      }
    }

    @OnTimer(FLUSH)
    public void onFlush(
        @StateId(PENDING) BagState<EventsCounted> pending,
        @StateId(FLUSH_ARMED) ValueState<Boolean> flushArmed,
        @StateId(BATCHES_PRINTED) ValueState<Long> batchesPrinted) {
      Map<Instant, List<EventsCounted>> byTick = new TreeMap<>();
      for (EventsCounted report : pending.read()) {
        byTick.computeIfAbsent(report.tick(), tick -> new ArrayList<>()).add(report);
      }
      Long printed = batchesPrinted.read();
      long batch = printed == null ? 0 : printed;
      StringBuilder tables = new StringBuilder();
      for (Map.Entry<Instant, List<EventsCounted>> tick : byTick.entrySet()) {
        tables.append(ConsoleTable.render(batch++, tick.getKey(), tick.getValue()));
      }
      System.out.print(tables);
      System.out.flush();
      batchesPrinted.write(batch);
      pending.clear();
      flushArmed.clear();
    }
  }
}
