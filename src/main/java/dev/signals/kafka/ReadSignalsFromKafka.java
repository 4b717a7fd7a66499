package dev.signals.kafka;

import dev.signals.model.Signal;
import dev.signals.console.TickWatch;
import dev.signals.kafka.SignalJson.MalformedSignalException;
import dev.signals.kafka.SignalJson.Problem;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.ProducerRecordCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signals from a Kafka topic: JSON values ({@link SignalJson}), the record's timestamp as the
 * element's. A record that is not a signal is counted, logged (the first of each {@link Problem}
 * per worker, with its topic, partition and offset; then a running total at most every 10 s) and,
 * with {@link #withDeadLetterTopic}, copied to that topic unchanged, with headers saying what was
 * wrong and where it came from.
 *
 * <p>Dead letters are written at least once, whatever the reports' sink: after a restore, those
 * since the last checkpoint are written again.
 *
 * <p>Offsets: a restored job goes on from its checkpoint (Flink, Spark); otherwise from the
 * consumer group's committed offsets, or {@code startingOffsets} ({@code earliest} or {@code
 * latest}) when the group has none. Offsets are committed to the group as checkpoints complete,
 * so that lag shows in Kafka's own tools.
 */
public class ReadSignalsFromKafka extends PTransform<PBegin, PCollection<Signal>> {
  /** How far out of order record timestamps may be in one partition, for the watermark. */
  private static final Duration MAX_TIMESTAMP_DELAY = Duration.standardSeconds(5);

  private static final TupleTag<Signal> SIGNALS = new TupleTag<>() {};
  private static final TupleTag<ProducerRecord<byte[], byte[]>> DEAD_LETTERS = new TupleTag<>() {};

  private final String bootstrapServers;
  private final String topic;
  private final String consumerGroup;
  private final String startingOffsets;
  private final String deadLetterTopic;
  private final boolean commitOffsets;

  private ReadSignalsFromKafka(String bootstrapServers, String topic, String consumerGroup,
      String startingOffsets, String deadLetterTopic, boolean commitOffsets) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.consumerGroup = consumerGroup;
    this.startingOffsets = startingOffsets;
    this.deadLetterTopic = deadLetterTopic;
    this.commitOffsets = commitOffsets;
  }

  public static ReadSignalsFromKafka from(String bootstrapServers, String topic) {
    return new ReadSignalsFromKafka(bootstrapServers, topic, "beam-device-counter", "earliest", "", true);
  }

  /** The consumer group offsets are committed to. */
  public ReadSignalsFromKafka withConsumerGroup(String group) {
    return new ReadSignalsFromKafka(bootstrapServers, topic, group, startingOffsets, deadLetterTopic, commitOffsets);
  }

  /** {@code earliest} or {@code latest}: where a partition without committed offsets starts. */
  public ReadSignalsFromKafka withStartingOffsets(String offsets) {
    return new ReadSignalsFromKafka(bootstrapServers, topic, consumerGroup, offsets, deadLetterTopic, commitOffsets);
  }

  /** Where records that are not signals go; empty: nowhere (they are still counted and logged). */
  public ReadSignalsFromKafka withDeadLetterTopic(String deadLetters) {
    return new ReadSignalsFromKafka(bootstrapServers, topic, consumerGroup, startingOffsets, deadLetters, commitOffsets);
  }

  /**
   * Leaves the consumer group's offsets alone. For the DirectRunner: it keeps no checkpoints, and
   * closes its readers at random (to test them), which breaks off their commits with a warning.
   */
  public ReadSignalsFromKafka withoutCommittingOffsets() {
    return new ReadSignalsFromKafka(bootstrapServers, topic, consumerGroup, startingOffsets, deadLetterTopic, false);
  }

  @Override
  public PCollection<Signal> expand(PBegin input) {
    KafkaIO.Read<byte[], byte[]> read = KafkaIO.<byte[], byte[]>read()
        .withBootstrapServers(bootstrapServers)
        .withTopic(topic)
        .withKeyDeserializer(ByteArrayDeserializer.class)
        .withValueDeserializer(ByteArrayDeserializer.class)
        .withConsumerConfigUpdates(Map.of(
            ConsumerConfig.GROUP_ID_CONFIG, consumerGroup,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, startingOffsets,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))
        .withCreateTime(MAX_TIMESTAMP_DELAY);
    if (commitOffsets) {
      read = read.commitOffsetsInFinalize();
    }
    PCollectionTuple parsed = input
        .apply("ReadFromKafka", read)
        .apply("ParseSignals", ParDo.of(new ParseSignalFn(deadLetterTopic))
            .withOutputTags(SIGNALS, TupleTagList.of(DEAD_LETTERS)));
    PCollection<ProducerRecord<byte[], byte[]>> deadLetters = parsed.get(DEAD_LETTERS)
        // A bad record may have no key, or no value at all (a tombstone).
        .setCoder(ProducerRecordCoder.of(NullableCoder.of(ByteArrayCoder.of()), NullableCoder.of(ByteArrayCoder.of())));
    if (!deadLetterTopic.isEmpty()) {
      deadLetters.apply("WriteDeadLetters", KafkaIO.<byte[], byte[]>writeRecords()
          .withBootstrapServers(bootstrapServers)
          .withTopic(deadLetterTopic)
          .withKeySerializer(ByteArraySerializer.class)
          .withValueSerializer(ByteArraySerializer.class));
    }
    return parsed.get(SIGNALS);
  }

  /** JSON to {@link Signal}; anything else to the dead letters. */
  static class ParseSignalFn extends DoFn<KafkaRecord<byte[], byte[]>, Signal> {
    private static final Logger LOG = LoggerFactory.getLogger(ParseSignalFn.class);
    private static final Duration SUMMARY_EVERY = Duration.standardSeconds(10);
    /** Per worker JVM: what was seen, so that each problem is logged once with its offset. */
    private static final Map<Problem, AtomicLong> SEEN = new ConcurrentHashMap<>();
    private static final AtomicLong LAST_SUMMARY_MILLIS = new AtomicLong();
    private static final AtomicLong SUMMARISED = new AtomicLong();

    private final Map<Problem, Counter> counters = new EnumMap<>(Problem.class);
    private final String deadLetterTopic;
    private transient boolean handedOn;

    /** {@code deadLetterTopic}: empty for none. */
    ParseSignalFn(String deadLetterTopic) {
      this.deadLetterTopic = deadLetterTopic;
      for (Problem problem : Problem.values()) {
        counters.put(problem, Metrics.counter(ReadSignalsFromKafka.class, "malformed_" + problem.name().toLowerCase()));
      }
    }

    @ProcessElement
    public void processElement(@Element KafkaRecord<byte[], byte[]> record, MultiOutputReceiver out) {
      byte[] value = record.getKV().getValue();
      try {
        out.get(SIGNALS).output(SignalJson.parse(value));
        handedOn = true;
      } catch (MalformedSignalException e) {
        String where = record.getTopic() + "/" + record.getPartition() + " offset " + record.getOffset();
        counters.get(e.problem).inc();
        if (SEEN.computeIfAbsent(e.problem, p -> new AtomicLong()).getAndIncrement() == 0) {
          LOG.warn("Malformed signal at {}: {} (counted; further records with this problem are "
              + "counted without a line each)", where, e.getMessage());
        }
        if (deadLetterTopic.isEmpty()) {
          return;
        }
        ProducerRecord<byte[], byte[]> deadLetter =
            new ProducerRecord<>(deadLetterTopic, null, record.getKV().getKey(), value);
        deadLetter.headers()
            .add("problem", e.problem.name().getBytes(StandardCharsets.UTF_8))
            .add("detail", e.getMessage().getBytes(StandardCharsets.UTF_8))
            .add("source", where.getBytes(StandardCharsets.UTF_8));
        out.get(DEAD_LETTERS).output(deadLetter);
      }
    }

    @FinishBundle
    public void finishBundle() {
      if (handedOn) {
        TickWatch.signalsSeen(System.currentTimeMillis());
        handedOn = false;
      }
      logRunningTotal();
    }

    private static void logRunningTotal() {
      long total = SEEN.values().stream().mapToLong(AtomicLong::get).sum();
      long now = System.currentTimeMillis();
      long last = LAST_SUMMARY_MILLIS.get();
      if (total > SUMMARISED.get() && now - last >= SUMMARY_EVERY.getMillis()
          && LAST_SUMMARY_MILLIS.compareAndSet(last, now)) {
        SUMMARISED.set(total);
        StringBuilder kinds = new StringBuilder();
        SEEN.forEach((problem, count) -> kinds.append(kinds.length() == 0 ? "" : ", ")
            .append(problem.description).append(": ").append(count.get()));
        LOG.warn("{} malformed signal record(s) so far in this worker ({})", total, kinds);
      }
    }
  }
}
