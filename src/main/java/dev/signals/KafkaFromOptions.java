package dev.signals;

import dev.signals.CounterOptions.ReportSink;
import dev.signals.CounterOptions.SignalSource;
import dev.signals.cli.CommandLine;
import dev.signals.cli.RunnerOptionsByName;
import dev.signals.kafka.KafkaCheck;
import dev.signals.kafka.ReadSignalsFromKafka;
import dev.signals.kafka.WriteReportsToKafka;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.options.PipelineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Kafka source and sink as the options ask for them, and the broker check before a run. */
public final class KafkaFromOptions {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaFromOptions.class);

  private KafkaFromOptions() {}

  /** With Kafka in or out: a broker must answer and the topics must exist; else one line, exit 2. */
  public static void checkOrExit(CounterOptions options) {
    List<String> topics = new ArrayList<>();
    if (options.getSource() == SignalSource.kafka) {
      topics.add(options.getInputTopic());
      if (!options.getDeadLetterTopic().isEmpty()) {
        topics.add(options.getDeadLetterTopic());
      }
    }
    if (options.getSink() == ReportSink.kafka) {
      topics.add(options.getOutputTopic());
    }
    if (topics.isEmpty()) {
      return;
    }
    try {
      KafkaCheck.topicsExist(options.getBootstrapServers(), topics,
          options.getSink() == ReportSink.kafka ? options.getOutputTopic() : null, options.getSinkShards());
    } catch (KafkaCheck.KafkaUnavailableException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(CommandLine.EXIT_BAD_INPUT);
    }
  }

  public static ReadSignalsFromKafka signalSource(CounterOptions options) {
    ReadSignalsFromKafka source = ReadSignalsFromKafka
        .from(options.getBootstrapServers(), options.getInputTopic())
        .withConsumerGroup(options.getJobName())
        .withStartingOffsets(options.getStartingOffsets().name())
        .withDeadLetterTopic(options.getDeadLetterTopic());
    return options.getRunner().getSimpleName().startsWith("Direct") ? source.withoutCommittingOffsets() : source;
  }

  /** Exactly once where the runner can (Flink, checkpointing in EXACTLY_ONCE mode), else at least once. */
  public static WriteReportsToKafka reportSink(CounterOptions options) {
    WriteReportsToKafka sink = WriteReportsToKafka.to(options.getBootstrapServers(), options.getOutputTopic());
    if (!flinkCheckpointsExactlyOnce(options)) {
      LOG.info("Reports go to Kafka topic {} at least once: after a restore, those since the last "
          + "checkpoint come again (same device, tick and count)", options.getOutputTopic());
      return sink;
    }
    String groupId = options.getSinkGroupId().isEmpty()
        ? "beam-device-counter-" + options.getOutputTopic() + "-" + UUID.randomUUID()
        : options.getSinkGroupId();
    LOG.info("Reports go to Kafka topic {} exactly once, in transactions committed with each "
        + "checkpoint (sink group {}, {} producer(s))", options.getOutputTopic(), groupId, options.getSinkShards());
    sink = sink.exactlyOnce(groupId, options.getSinkShards());
    return options.getTestHaltAfterFirstKafkaCommit() ? sink.haltingAfterFirstCommit() : sink;
  }

  /**
   * Whether the job runs on Flink with checkpoints in EXACTLY_ONCE mode, which KafkaIO's
   * transactional sink needs. Flink's options are read by name: the Flink runner is on the
   * classpath only in its own profile.
   */
  static boolean flinkCheckpointsExactlyOnce(PipelineOptions options) {
    Object[] flink = RunnerOptionsByName.read(options, "Flink",
        "org.apache.beam.runners.flink.FlinkPipelineOptions",
        "getCheckpointingInterval", "getCheckpointingMode");
    return flink != null && flink[0] instanceof Long millis && millis > 0
        && "EXACTLY_ONCE".equals(String.valueOf(flink[1]));
  }
}
