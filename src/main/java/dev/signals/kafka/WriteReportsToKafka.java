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
 * it ({@link ConsoleSink#jsonLine}). Exactly once with {@link #exactlyOnce} (KafkaIO's
 * transactional sink: a report is committed with the checkpoint that holds the state it came
 * from, so it waits for that checkpoint); otherwise at least once: after a restore the reports
 * since the last checkpoint come again, with the same device, tick and count.
 */
public class WriteReportsToKafka extends PTransform<PCollection<EventsCounted>, PDone> {
  private final String bootstrapServers;
  private final String topic;
  private final String sinkGroupId;

  private WriteReportsToKafka(String bootstrapServers, String topic, String sinkGroupId) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.sinkGroupId = sinkGroupId;
  }

  /** At least once. */
  public static WriteReportsToKafka to(String bootstrapServers, String topic) {
    return new WriteReportsToKafka(bootstrapServers, topic, null);
  }

  /**
   * Exactly once, through Kafka transactions (Flink with checkpoints in EXACTLY_ONCE mode; the
   * classic Spark runner rejects it). {@code sinkGroupId} must be new for a fresh job and the same
   * when the job is restored: KafkaIO keeps the sink's progress in that consumer group's metadata
   * and refuses a group that holds another job's.
   */
  public WriteReportsToKafka exactlyOnce(String sinkGroupId) {
    return new WriteReportsToKafka(bootstrapServers, topic, sinkGroupId);
  }

  @Override
  public PDone expand(PCollection<EventsCounted> reports) {
    KafkaIO.Write<String, String> write = KafkaIO.<String, String>write()
        .withBootstrapServers(bootstrapServers)
        .withTopic(topic)
        .withKeySerializer(StringSerializer.class)
        .withValueSerializer(StringSerializer.class);
    if (sinkGroupId != null) {
      // One shard: one transactional producer; reports are few (one per device and tick).
      write = write.withEOS(1, sinkGroupId);
    }
    return reports
        .apply("ToKafkaRecords", MapElements
            .into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.strings()))
            .via((EventsCounted report) -> KV.of(String.valueOf(report.deviceId()), ConsoleSink.jsonLine(report))))
        .apply("WriteToKafka", write);
  }
}
