package dev.signals.kafka;

import dev.signals.console.ConsoleSink;
import dev.signals.model.EventsCounted;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Reports to a Kafka topic: key the device id, value the report as {@code --output=jsonl} prints
 * it ({@link ConsoleSink#jsonLine}). Exactly once with {@link #exactlyOnce} ({@link
 * ExactlyOnceKafkaSink}, KafkaIO's transactional sink with its writer id kept where a restore
 * finds it: a report is committed once the checkpoint that holds it completes, so it waits for
 * that checkpoint); otherwise at least once (KafkaIO's plain sink): after a restore the reports
 * since the last checkpoint come again, with the same device, tick and count.
 */
public class WriteReportsToKafka extends PTransform<PCollection<EventsCounted>, PDone> {
  private final String bootstrapServers;
  private final String topic;
  private final String sinkGroupId;
  private final int sinkShards;
  private final boolean haltAfterFirstCommit;

  private WriteReportsToKafka(String bootstrapServers, String topic, String sinkGroupId,
      int sinkShards, boolean haltAfterFirstCommit) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.sinkGroupId = sinkGroupId;
    this.sinkShards = sinkShards;
    this.haltAfterFirstCommit = haltAfterFirstCommit;
  }

  /** At least once. */
  public static WriteReportsToKafka to(String bootstrapServers, String topic) {
    return new WriteReportsToKafka(bootstrapServers, topic, null, 1, false);
  }

  /**
   * Exactly once, through Kafka transactions (Flink with checkpoints in EXACTLY_ONCE mode; the
   * classic Spark runner rejects it). {@code sinkGroupId} must be new for a fresh job and the same
   * when the job is restored: the sink keeps its progress in that consumer group's metadata on
   * the broker and refuses a group that holds another job's. {@code shards} transactional
   * producers write the reports, a device's through one of them (at most the topic's partitions;
   * the same number when the job is restored).
   */
  public WriteReportsToKafka exactlyOnce(String sinkGroupId, int shards) {
    return new WriteReportsToKafka(bootstrapServers, topic, sinkGroupId, shards, haltAfterFirstCommit);
  }

  /** Test only (fault tests): exactly once, and the JVM halts right after the first commit. */
  public WriteReportsToKafka haltingAfterFirstCommit() {
    return new WriteReportsToKafka(bootstrapServers, topic, sinkGroupId, sinkShards, true);
  }

  @Override
  public PDone expand(PCollection<EventsCounted> reports) {
    PCollection<KV<String, String>> records = reports.apply("ToKafkaRecords", MapElements
        .into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
        .via((EventsCounted report) -> KV.of(String.valueOf(report.deviceId()), ConsoleSink.jsonLine(report))));
    if (sinkGroupId != null) {
      ExactlyOnceKafkaSink sink = ExactlyOnceKafkaSink.to(bootstrapServers, topic, sinkGroupId)
          .withShards(sinkShards);
      return records.apply("WriteToKafka", haltAfterFirstCommit ? sink.haltingAfterFirstCommit() : sink);
    }
    return records.apply("WriteToKafka", KafkaIO.<String, String>write()
        .withBootstrapServers(bootstrapServers)
        .withTopic(topic)
        .withKeySerializer(StringSerializer.class)
        .withValueSerializer(StringSerializer.class));
  }
}
