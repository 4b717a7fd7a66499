package dev.signals.console;

import dev.signals.console.ConsoleSink.OutputFormat;
import dev.signals.model.EventsCounted;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a bounded run: every device's final count, gathered once, printed as one final
 * table (with {@link OutputFormat#table}; jsonl prints each final report where it is produced)
 * and summed into the last log line, {@code Done: 1,000 signals counted, 10 devices}.
 *
 * <p>The gathering is a {@code GroupByKey} on a single key in the global window, which a bounded
 * input closes at its end, so it holds every device's final report. (The per-tick gathering cannot
 * do this: it waits on processing-time timers, which runners drop when a bounded input ends.)
 */
public class FinalReports extends PTransform<PCollection<EventsCounted>, PDone> {
  private static final Logger LOG = LoggerFactory.getLogger(FinalReports.class);

  private final OutputFormat format;

  private FinalReports(OutputFormat format) {
    this.format = format;
  }

  public static FinalReports of(OutputFormat format) {
    return new FinalReports(format);
  }

  @Override
  public PDone expand(PCollection<EventsCounted> reports) {
    reports
        .apply("FinalReports", Filter.by(EventsCounted::isFinal))
        .apply("KeyFinalReportsAlike", WithKeys.<Integer, EventsCounted>of(0)
            .withKeyType(TypeDescriptors.integers()))
        .apply("GatherFinalReports", GroupByKey.create())
        .apply("DropTheKey", Values.create())
        .apply("PrintAndLogFinalCounts", ParDo.of(new PrintAndLogFinalCountsFn(format)));
    return PDone.in(reports.getPipeline());
  }

  static class PrintAndLogFinalCountsFn extends DoFn<Iterable<EventsCounted>, Void> {
    private final OutputFormat format;

    PrintAndLogFinalCountsFn(OutputFormat format) {
      this.format = format;
    }

    @ProcessElement
    public void processElement(@Element Iterable<EventsCounted> finalReports) {
      List<EventsCounted> reports = new ArrayList<>();
      finalReports.forEach(reports::add);
      if (format == OutputFormat.table) {
        System.out.print(ConsoleTable.render(ConsoleTable.finalTitle(reports), reports));
        System.out.flush();
      }
      long signals = reports.stream().mapToLong(EventsCounted::count).sum();
      LOG.info(String.format("Done: %,d signals counted, %,d devices", signals, reports.size()));
    }
  }
}
