package dev.signals.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * String records to a Kafka topic exactly once, on a runner that honours
 * {@code @RequiresStableInput} (Flink with checkpoints in EXACTLY_ONCE mode).
 *
 * <p>The algorithm is KafkaIO's exactly-once sink ({@code KafkaExactlyOnceSink}, Beam 2.70):
 * records are spread over a fixed number of shards; a stateful step numbers each shard's records
 * 0, 1, 2, ...; a {@code @RequiresStableInput} step (the runner hands it only records a completed
 * checkpoint holds) writes them in number order in Kafka transactions, and commits with each
 * transaction the shard's last number and writer id as the sink group's offset metadata on the
 * broker. After a restore the writer skips the numbers the broker already has, so each record is
 * committed once.
 *
 * <p>A record's shard is its key's (KafkaIO deals records out in turn): a key's records keep
 * their order, as a key's records in one Kafka partition do. Each shard is a transactional
 * producer, and keeps its progress on the topic's partition of the same number, so a topic needs
 * at least as many partitions as the sink has shards.
 *
 * <p>One change besides. KafkaIO's writer draws its writer id when it first writes and keeps it
 * in its own state; a job killed after that first transaction, before the next checkpoint completed, is
 * restored with no writer id while the broker holds one, which KafkaIO cannot tell from a group
 * used by another job, so it refuses to start ("Kafka metadata exists for shard 0, but there is no
 * stored state for it"). Here the numbering step draws the writer id and sends it with every
 * numbered record: a checkpoint that holds a numbered record holds its writer id, so the writer
 * recognises its own transactions after any restore and still refuses a group that holds another
 * writer's.
 *
 * <pre>{@code
 * reports.apply(ExactlyOnceKafkaSink.to("127.0.0.1:9092", "counts", "counts-sink-" + runId)
 *     .withShards(4));
 * }</pre>
 */
final class ExactlyOnceKafkaSink extends PTransform<PCollection<KV<String, String>>, PDone> {
  private static final Logger LOG = LoggerFactory.getLogger(ExactlyOnceKafkaSink.class);

  private final String bootstrapServers;
  private final String topic;
  private final String sinkGroupId;
  private final int numShards;
  private final boolean haltAfterFirstCommit;

  private ExactlyOnceKafkaSink(String bootstrapServers, String topic, String sinkGroupId,
      int numShards, boolean haltAfterFirstCommit) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.sinkGroupId = sinkGroupId;
    this.numShards = numShards;
    this.haltAfterFirstCommit = haltAfterFirstCommit;
  }

  /**
   * One shard: one transactional producer, records in one order. {@code sinkGroupId} keeps the
   * sink's progress on the broker: new for a fresh job, the same when it is restored.
   */
  static ExactlyOnceKafkaSink to(String bootstrapServers, String topic, String sinkGroupId) {
    return new ExactlyOnceKafkaSink(bootstrapServers, topic, sinkGroupId, 1, false);
  }

  /**
   * {@code shards} transactional producers, a key's records through one of them, in order; at
   * most the topic's partitions. A restored job needs the number it was written with: a key's
   * shard depends on it.
   */
  ExactlyOnceKafkaSink withShards(int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("withShards: the number of shards must be 1 or more, got " + shards);
    }
    return new ExactlyOnceKafkaSink(bootstrapServers, topic, sinkGroupId, shards, haltAfterFirstCommit);
  }

  /**
   * Test only: the JVM halts (as under kill -9) right after this sink's first transaction is
   * committed, before a checkpoint can hold what the writer did.
   */
  ExactlyOnceKafkaSink haltingAfterFirstCommit() {
    return new ExactlyOnceKafkaSink(bootstrapServers, topic, sinkGroupId, numShards, true);
  }

  @Override
  public PDone expand(PCollection<KV<String, String>> records) {
    KvCoder<String, String> recordCoder = KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of());
    records
        .apply(Window.<KV<String, String>>into(new GlobalWindows())
            .triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1)))
            .discardingFiredPanes())
        .apply("AssignShards", ParDo.of(new AssignShardFn(numShards)))
        .setCoder(KvCoder.of(VarIntCoder.of(), recordCoder))
        .apply("PersistShards", GroupByKey.create())
        .apply("NumberPerShard", ParDo.of(new NumberPerShardFn()))
        .setCoder(KvCoder.of(VarIntCoder.of(), NumberedRecord.CODER))
        .apply("PersistNumbers", GroupByKey.create())
        .apply("WriteInTransactions",
            ParDo.of(new WriteInNumberOrderFn(bootstrapServers, topic, sinkGroupId, haltAfterFirstCommit)));
    return PDone.in(records.getPipeline());
  }

  /** A record with its shard's number for it and the writer id of the shard's numbering. */
  record NumberedRecord(String writerId, long number, String key, String value) {
    static final NumberedRecordCoder CODER = new NumberedRecordCoder();
  }

  /** Named (not anonymous): Flink's checkpoints hold coders by class name. */
  static final class NumberedRecordCoder extends AtomicCoder<NumberedRecord> {
    @Override
    public void encode(NumberedRecord record, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(record.writerId(), out);
      VarLongCoder.of().encode(record.number(), out);
      StringUtf8Coder.of().encode(record.key(), out);
      StringUtf8Coder.of().encode(record.value(), out);
    }

    @Override
    public NumberedRecord decode(InputStream in) throws IOException {
      return new NumberedRecord(StringUtf8Coder.of().decode(in), VarLongCoder.of().decode(in),
          StringUtf8Coder.of().decode(in), StringUtf8Coder.of().decode(in));
    }
  }

  /** A record's shard is its key's: a key's records are numbered, and written, in order. */
  static final class AssignShardFn extends DoFn<KV<String, String>, KV<Integer, KV<String, String>>> {
    private final int numShards;

    AssignShardFn(int numShards) {
      this.numShards = numShards;
    }

    @ProcessElement
    public void processElement(@Element KV<String, String> record,
        OutputReceiver<KV<Integer, KV<String, String>>> out) {
      out.output(KV.of(shardOf(record.getKey(), numShards), record));
    }
  }

  /** The same in every JVM and run ({@link String#hashCode} is specified); a null key: shard 0. */
  static int shardOf(String key, int numShards) {
    return key == null ? 0 : Math.floorMod(key.hashCode(), numShards);
  }

  /** Numbers a shard's records in the order they come; draws the shard's writer id once. */
  static final class NumberPerShardFn
      extends DoFn<KV<Integer, Iterable<KV<String, String>>>, KV<Integer, NumberedRecord>> {
    @StateId("next")
    private final StateSpec<ValueState<Long>> nextSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("writerId")
    private final StateSpec<ValueState<String>> writerIdSpec = StateSpecs.value(StringUtf8Coder.of());

    @ProcessElement
    public void processElement(@Element KV<Integer, Iterable<KV<String, String>>> shardRecords,
        @StateId("next") ValueState<Long> nextState,
        @StateId("writerId") ValueState<String> writerIdState,
        OutputReceiver<KV<Integer, NumberedRecord>> out) {
      String writerId = writerIdState.read();
      if (writerId == null) {
        writerId = UUID.randomUUID().toString();
        writerIdState.write(writerId);
      }
      Long stored = nextState.read();
      long next = stored == null ? 0 : stored;
      for (KV<String, String> record : shardRecords.getValue()) {
        out.output(KV.of(shardRecords.getKey(),
            new NumberedRecord(writerId, next++, record.getKey(), record.getValue())));
      }
      nextState.write(next);
    }
  }

  /**
   * Writes a shard's records in number order, in transactions that also commit the last number
   * written ({@link ShardMark}) to the sink group on the broker. Records ahead of the next number
   * wait in state; numbers the broker already has are skipped.
   */
  static final class WriteInNumberOrderFn extends DoFn<KV<Integer, Iterable<NumberedRecord>>, Void> {
    /** Records per transaction at most, as KafkaIO's sink. */
    private static final int MAX_RECORDS_PER_TRANSACTION = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Per JVM: the test switch halts after the first commit this JVM makes. */
    private static final AtomicBoolean COMMITTED_ONCE = new AtomicBoolean();
    /**
     * Open writers by transactional id, shared by this JVM's instances of the step: a runner may
     * hand a shard to another instance (the DirectRunner does), whose new producer would fence
     * the first one's. Taken out while a shard is being written, put back after.
     */
    private static final Map<String, ShardWriter> WRITERS = new ConcurrentHashMap<>();
    /** A writer not used for a minute is closed (its job may be over: a cluster's JVM stays). */
    private static final long IDLE_MILLIS = 60_000;

    static {
      ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "exactly-once-kafka-sink-idle-writers");
        thread.setDaemon(true);
        return thread;
      });
      sweeper.scheduleWithFixedDelay(() -> WRITERS.forEach((id, writer) -> {
        if (System.currentTimeMillis() - writer.lastUsedMillis > IDLE_MILLIS && WRITERS.remove(id, writer)) {
          try {
            writer.close();
          } catch (RuntimeException e) { // a thrown exception would end the sweeping for good
            LOG.warn("Closing the idle Kafka writer {} failed: {}", id, e.toString());
          }
        }
      }), 10, 10, TimeUnit.SECONDS);
    }

    private final String bootstrapServers;
    private final String topic;
    private final String sinkGroupId;
    private final boolean haltAfterFirstCommit;

    @StateId("next")
    private final StateSpec<ValueState<Long>> nextSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("waiting")
    private final StateSpec<BagState<NumberedRecord>> waitingSpec = StateSpecs.bag(NumberedRecord.CODER);

    WriteInNumberOrderFn(String bootstrapServers, String topic, String sinkGroupId,
        boolean haltAfterFirstCommit) {
      this.bootstrapServers = bootstrapServers;
      this.topic = topic;
      this.sinkGroupId = sinkGroupId;
      this.haltAfterFirstCommit = haltAfterFirstCommit;
    }

    @RequiresStableInput
    @ProcessElement
    public void processElement(@Element KV<Integer, Iterable<NumberedRecord>> shardRecords,
        @StateId("next") ValueState<Long> nextState,
        @StateId("waiting") BagState<NumberedRecord> waiting) throws IOException {
      int shard = shardRecords.getKey();
      // The shard's records and those waiting for their turn, in number order. A shard's batch
      // (reports: a few per device and tick) is in memory already; sorting it is all the merging.
      List<NumberedRecord> batch = new ArrayList<>();
      shardRecords.getValue().forEach(batch::add);
      if (batch.isEmpty()) {
        return;
      }
      if (!waiting.isEmpty().read()) {
        waiting.read().forEach(batch::add);
        waiting.clear();
      }
      batch.sort(Comparator.comparingLong(NumberedRecord::number));
      Long stored = nextState.read();
      long next = stored == null ? 0 : stored;

      String writerId = batch.get(0).writerId();
      ShardWriter writer = WRITERS.remove(ShardWriter.transactionalId(sinkGroupId, shard));
      if (writer != null && !writer.writerId.equals(writerId)) {
        writer.close(); // another job's, in this JVM with the same group: refused below
        writer = null;
      }
      if (writer == null) {
        writer = openWriter(shard, writerId, next);
      }
      try {
        // The broker may already have what the restored state does not (a transaction committed
        // after the checkpoint this job was restored from).
        next = Math.max(next, writer.committed + 1);
        for (NumberedRecord record : batch) {
          if (record.number() < next) {
            continue; // committed already
          }
          if (record.number() > next) { // a gap: this and the rest wait for the missing numbers
            waiting.add(record);
            continue;
          }
          writer.send(record);
          next++;
          if (writer.inTransaction >= MAX_RECORDS_PER_TRANSACTION) {
            commit(writer, next - 1);
          }
        }
        if (writer.inTransaction > 0) {
          commit(writer, next - 1);
        }
      } catch (RuntimeException | Error e) {
        // A new producer (its initTransactions aborts what this one left open) on the retry.
        writer.close();
        throw e;
      }
      nextState.write(next);
      writer.lastUsedMillis = System.currentTimeMillis();
      ShardWriter replaced = WRITERS.put(writer.transactionalId, writer);
      if (replaced != null && replaced != writer) {
        replaced.close(); // an earlier instance's (a task restarted in this JVM): fenced by ours
      }
    }

    private void commit(ShardWriter writer, long lastNumber) {
      writer.commit(lastNumber);
      if (haltAfterFirstCommit && COMMITTED_ONCE.compareAndSet(false, true)) {
        LOG.warn("test-only halt after the sink's first committed transaction "
            + "(--testHaltAfterFirstKafkaCommit), as under kill -9");
        Runtime.getRuntime().halt(137);
      }
    }

    /**
     * A producer for the shard, and what the broker says the shard has committed. The producer's
     * initTransactions comes first: it fences off an earlier producer of the shard and settles
     * its open transaction, so the number read after it is final.
     */
    private ShardWriter openWriter(int shard, String writerId, long next) {
      ShardWriter writer = new ShardWriter(bootstrapServers, topic, sinkGroupId, shard, writerId);
      try {
        writer.committed = committedNumber(shard, writerId, next);
        return writer;
      } catch (RuntimeException e) {
        writer.close();
        throw e;
      }
    }

    private long committedNumber(int shard, String writerId, long next) {
      TopicPartition markPartition = new TopicPartition(topic, shard);
      OffsetAndMetadata committed;
      Properties consumerConfig = new Properties();
      consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, sinkGroupId);
      consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig,
          new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        committed = consumer.committed(Set.of(markPartition), Duration.ofSeconds(30)).get(markPartition);
      }
      ShardMark mark = ShardMark.parse(committed);
      if (mark == null && next > 0) {
        throw new IllegalStateException(String.format("The exactly-once sink's state says shard %d "
            + "of topic '%s' wrote records up to %d, but its sink group '%s' holds no record of "
            + "that on the broker (the group was deleted, or expired: a broker keeps a group's "
            + "offsets for offsets.retention.minutes after its last commit). Reports may already "
            + "be in the topic; start the job afresh (an empty --checkpointDir).",
            shard, topic, next - 1, sinkGroupId));
      }
      if (mark != null && !mark.writer().equals(writerId)) {
        throw new IllegalStateException(String.format("The exactly-once sink's group '%s' holds "
            + "another writer's progress on topic '%s' shard %d (writer %s, not this job's %s): "
            + "the group belongs to another job or to an earlier run. Give this job a new "
            + "--sinkGroupId (scripts/run.sh and submit-flink.sh make one for each fresh run).",
            sinkGroupId, topic, shard, mark.writer(), writerId));
      }
      if (mark != null && mark.seq() < next - 1) {
        throw new IllegalStateException(String.format("The exactly-once sink's group '%s' on the "
            + "broker has shard %d up to record %d, behind this job's state (%d).",
            sinkGroupId, shard, mark.seq(), next - 1));
      }
      long committedNumber = mark == null ? -1 : mark.seq();
      if (committedNumber >= next) {
        LOG.info("Shard {} of topic {}: the broker has records up to {} of writer {}, committed "
            + "after the checkpoint this job was restored from; they are skipped", shard, topic,
            committedNumber, writerId);
      }
      return committedNumber;
    }
  }

  /** The offset metadata each transaction commits: the shard's last number and its writer id. */
  record ShardMark(long seq, String writer) {
    static ShardMark parse(OffsetAndMetadata committed) {
      if (committed == null || committed.metadata() == null || committed.metadata().isEmpty()) {
        return null;
      }
      try {
        ShardMark mark = WriteInNumberOrderFn.JSON.readValue(committed.metadata(), ShardMark.class);
        if (mark.writer() == null) {
          throw new IllegalStateException("no writer id in the sink group's metadata: " + committed.metadata());
        }
        return mark;
      } catch (JsonProcessingException e) {
        // Not chained: the runner's report names the innermost cause, which would be Jackson's.
        throw new IllegalStateException("The exactly-once sink's group holds metadata this sink did "
            + "not write (" + committed.metadata() + ": " + e.getOriginalMessage() + "); give the "
            + "job a new --sinkGroupId");
      }
    }

    String json() {
      try {
        return WriteInNumberOrderFn.JSON.writeValueAsString(this);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A shard's transactional producer; its transactional id is the sink group's and shard's. */
  static final class ShardWriter {
    private final KafkaProducer<String, String> producer;
    private final String topic;
    private final String sinkGroupId;
    private final int shard;
    final String writerId;
    final String transactionalId;
    long committed;
    int inTransaction;
    volatile long lastUsedMillis;

    ShardWriter(String bootstrapServers, String topic, String sinkGroupId, int shard,
        String writerId) {
      Properties config = new Properties();
      config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      this.transactionalId = transactionalId(sinkGroupId, shard);
      config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
      this.producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
      this.topic = topic;
      this.sinkGroupId = sinkGroupId;
      this.shard = shard;
      this.writerId = writerId;
      try {
        producer.initTransactions(); // fences off an earlier producer of the shard, aborts its open transaction
      } catch (RuntimeException e) {
        producer.close(Duration.ZERO);
        throw e;
      }
    }

    static String transactionalId(String sinkGroupId, int shard) {
      return sinkGroupId + "-shard-" + shard;
    }

    void send(NumberedRecord record) {
      if (inTransaction == 0) {
        producer.beginTransaction();
      }
      producer.send(new ProducerRecord<>(topic, record.key(), record.value()));
      inTransaction++;
    }

    void commit(long lastNumber) {
      producer.sendOffsetsToTransaction(
          Map.of(new TopicPartition(topic, shard),
              new OffsetAndMetadata(0L, new ShardMark(lastNumber, writerId).json())),
          new ConsumerGroupMetadata(sinkGroupId));
      producer.commitTransaction();
      committed = lastNumber;
      inTransaction = 0;
    }

    void close() {
      producer.close(Duration.ofSeconds(5));
    }
  }
}
