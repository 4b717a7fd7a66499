package dev.signals;

import dev.signals.CounterOptions.TickAlignment;
import dev.signals.cli.CommandLine;
import dev.signals.cli.Launcher;
import dev.signals.console.ConsoleSink;
import dev.signals.console.FinalReports;
import dev.signals.console.LogProgress;
import dev.signals.console.TickWatch;
import dev.signals.counting.CountSignalsPerDevice;
import dev.signals.counting.CountSignalsWithGroupState;
import dev.signals.faults.FaultTestSwitches;
import dev.signals.model.EventsCounted;
import dev.signals.model.Signal;
import dev.signals.model.ToSignal;
import java.lang.management.ManagementFactory;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Spark Structured Streaming's {@code flatMapGroupsWithState} demo, on Beam:
 *
 * <pre>
 *   rate source           -> GenerateSequence.withRate
 *   map to Signal         -> ParDo(ToSignal)
 *   (or Kafka source      -> ReadSignalsFromKafka: JSON signals, --source=kafka)
 *   groupByKey(deviceId)  -> keyed by deviceId inside CountSignalsPerDevice
 *   flatMapGroupsWithState + GroupState, Trigger.ProcessingTime(10 s)
 *                         -> stateful DoFn with ValueState and a processing-time timer on the tick grid
 *                            (--aggregation=counter), or the seed's own function through
 *                            GroupsWithState (--aggregation=groupstate)
 *   console sink          -> ConsoleSink (table or jsonl on stdout)
 *   (and Kafka sink       -> WriteReportsToKafka, --sink=kafka)
 *   query progress        -> LogProgress (one line per tick on stderr)
 *   (bounded run's end    -> FinalReports: the final table and the Done line, --numEvents)
 * </pre>
 *
 * <p>The same code runs on the Direct, Flink and Spark runners; what differs per runner lives in
 * the pom's profiles, {@code runners/} and {@code scripts/}.
 */
public class DeviceSignalCounter {

  public static void main(String[] args) {
    CounterOptions options = CommandLine.parseOrExit(args);
    KafkaFromOptions.checkOrExit(options);
    Pipeline pipeline = Pipeline.create(options);
    buildPipeline(pipeline, options);
    // The rate source never idles (a fault test's --testCountSeqsBelow cuts it off: not watched).
    if (options.getSource() == CounterOptions.SignalSource.rate && options.getTestCountSeqsBelow() == 0) {
      TickWatch.signalsAlwaysWaitingFrom(System.currentTimeMillis());
    }
    Launcher.runUntilStopped(pipeline, Duration.standardSeconds(options.getRunSeconds()),
        options.getDetached(), Duration.standardSeconds(options.getTriggerIntervalSeconds()));
  }

  /** Assembles the graph; tests call this without going through {@code main}. */
  public static void buildPipeline(Pipeline pipeline, CounterOptions options) {
    Duration triggerInterval = Duration.standardSeconds(options.getTriggerIntervalSeconds());
    Duration gatherDelay = gatherDelay(triggerInterval);
    if (options.getNumEvents() == 0) {
      options.setStreaming(true); // the rate source never ends
    } // A bounded run is left to the runner's batch mode, unless --streaming=true is given.

    PCollection<Signal> signals = switch (options.getSource()) {
      case rate -> {
        PCollection<Long> seqs = pipeline
            .apply("EmitSequenceNumbers", rateSource(options.getRowsPerSecond(), options.getNumEvents()));
        seqs = FaultTestSwitches.apply(seqs, options); // nothing unless a fault test asks for it
        yield seqs.apply("MapToSignal", ParDo.of(new ToSignal(options.getNumDevices())));
      }
      case kafka -> pipeline.apply("ReadSignalsFromKafka", KafkaFromOptions.signalSource(options));
    };
    PCollection<EventsCounted> counts = signals
        .apply("CountSignalsPerDevice", counting(options, triggerInterval));
    if (options.getSink() == CounterOptions.ReportSink.kafka) {
      counts.apply("WriteReportsToKafka", KafkaFromOptions.reportSink(options));
    }
    counts.apply("PrintToConsole", ConsoleSink.of(options.getOutput(), gatherDelay));
    counts.apply("LogProgress", LogProgress.of(triggerInterval, gatherDelay));
    if (counts.isBounded() == PCollection.IsBounded.BOUNDED) {
      counts.apply("ReportFinalCounts", FinalReports.of(options.getOutput()));
    }
  }

  /**
   * The tuned counter, or the seed's own function through the generic GroupState transform
   * ({@code --aggregation}); the same reports either way.
   */
  static PTransform<PCollection<Signal>, PCollection<EventsCounted>> counting(
      CounterOptions options, Duration triggerInterval) {
    Instant tickOrigin = tickOrigin(options.getTickAlignment());
    Duration deviceTimeout = Duration.standardSeconds(options.getDeviceTimeoutSeconds());
    return switch (options.getAggregation()) {
      case counter -> CountSignalsPerDevice.every(triggerInterval)
          .withTicksFrom(tickOrigin)
          .expiringAfter(deviceTimeout);
      case groupstate -> CountSignalsWithGroupState.every(triggerInterval)
          .withTicksFrom(tickOrigin)
          .expiringAfter(deviceTimeout)
          .showingSignals(options.getShowSignals())
          .inKeyShards(options.getGroupStateShards());
    };
  }

  /**
   * Spark's rate source: 0, 1, 2, ... at {@code rowsPerSecond}, or unthrottled when 0; endless, or
   * exactly {@code 0..numEvents-1} (a bounded input) when {@code numEvents} is positive.
   */
  static GenerateSequence rateSource(long rowsPerSecond, long numEvents) {
    GenerateSequence sequence = numEvents > 0 ? GenerateSequence.from(0).to(numEvents) : GenerateSequence.from(0);
    return rowsPerSecond == 0 ? sequence : sequence.withRate(rowsPerSecond, Duration.standardSeconds(1));
  }

  /**
   * Where the tick grid starts. {@code launch}: the JVM's start, rounded up to the whole second,
   * so the first tick comes one interval (and less than a second) after launch, wherever the
   * clock's second hand stands (with ticks on the clock's multiples the first report comes 0 to
   * 1 interval after start-up: up to 22 s after launch on Flink in the benchmark). {@code clock}:
   * the epoch, so ticks fall on ...:00, ...:10.
   */
  static Instant tickOrigin(TickAlignment alignment) {
    if (alignment == TickAlignment.clock) {
      return new Instant(0);
    }
    // The JVM's own record of its start, to the millisecond (the process start time Linux gives
    // is only good to about a second).
    long launched = ManagementFactory.getRuntimeMXBean().getStartTime();
    return new Instant(Math.floorDiv(launched + 999, 1000) * 1000);
  }

  /**
   * How long the table and the progress line wait for the rest of a tick's reports after the
   * first one arrives: reports of one tick leave every worker within milliseconds (or in one
   * micro-batch on Spark).
   */
  static Duration gatherDelay(Duration triggerInterval) {
    return Duration.millis(Math.min(1000, triggerInterval.getMillis() / 2));
  }
}
