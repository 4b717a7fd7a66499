package dev.signals.console;

import dev.signals.model.EventsCounted;
import java.util.List;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
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
 *       that holds devices, so they are first gathered on one worker ({@link GatherPerTickFn})
 *       and printed together, sorted by device.
 *   <li>{@link OutputFormat#jsonl}: one JSON object per report, printed where it is produced.
 * </ul>
 *
 * <p>The final table of a bounded run is {@link FinalReports}'.
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
  public PDone expand(PCollection<EventsCounted> reports) {
    switch (format) {
      case jsonl:
        reports.apply("PrintJsonLines", ParDo.of(new PrintJsonLinesFn()));
        break;
      case table:
        reports
            .apply("TickReports", Filter.by((EventsCounted report) -> !report.isFinal()))
            .apply("GatherOnOneKey", WithKeys.<Integer, EventsCounted>of(0)
                .withKeyType(TypeDescriptors.integers()))
            .apply("PrintTablePerTick", ParDo.of(new PrintTablePerTickFn(gatherDelay)));
        break;
      default:
        throw new IllegalArgumentException("Unknown output format " + format);
    }
    return PDone.in(reports.getPipeline());
  }

  /**
   * {@code {"tick":"2026-11-25T15:00:10Z","deviceId":3,"count":42,"added":5}}, one line each
   * ({@code added}: the signals since the device's previous report, so that a reader can tell a
   * report repeated after a restore, whose count less added is not the previous count); a final
   * count of a bounded run is {@code {"tick":...,"deviceId":3,"count":42,"final":true}}; an
   * expired device is {@code {"tick":...,"deviceId":3,"count":42,"expired":true}} (the tick at
   * which it expired, so a repeated expiry can be told from a second one). Also the value of
   * each record {@code --sink=kafka} writes.
   */
  public static String jsonLine(EventsCounted counted) {
    return switch (counted.kind()) {
      case TICK -> tickJson(counted) + ",\"added\":" + counted.added() + "}";
      case FINAL -> tickJson(counted) + ",\"final\":true}";
      case EXPIRED -> tickJson(counted) + ",\"expired\":true}";
    };
  }

  private static String tickJson(EventsCounted counted) {
    return "{\"tick\":\"" + Ticks.iso(counted.tick()) + "\",\"deviceId\":" + counted.deviceId()
        + ",\"count\":" + counted.count();
  }

  static class PrintJsonLinesFn extends DoFn<EventsCounted, Void> {
    @ProcessElement
    public void processElement(@Element EventsCounted counted) {
      System.out.println(jsonLine(counted));
    }
  }

  /**
   * Prints each tick's reports as one table, numbering the tables from 0 like Spark's batches
   * (carries the number of tables printed); reports that arrive after their tick's table are
   * printed in a further table marked as late.
   */
  static class PrintTablePerTickFn extends GatherPerTickFn<EventsCounted, Long> {
    PrintTablePerTickFn(Duration gatherDelay) {
      super(EventsCounted.EventsCountedCoder.of(), VarLongCoder.of(), gatherDelay);
    }

    @Override
    Instant tickOf(EventsCounted report) {
      return report.tick();
    }

    @Override
    Long initial() {
      return 0L;
    }

    @Override
    Long onTick(Instant tick, List<EventsCounted> reports, boolean late, Long tablesPrinted) {
      System.out.print(ConsoleTable.render(ConsoleTable.batchTitle(tablesPrinted, tick, late), reports));
      System.out.flush();
      return tablesPrinted + 1;
    }
  }
}
