package dev.signals.kafka;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.signals.e2e.TestKafka;
import dev.signals.kafka.ExactlyOnceKafkaSink.NumberedRecord;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.joda.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exactly-once sink against the real broker, on the DirectRunner (the runner matrix's other
 * runs skip it): records written once, in transactions, in number order whatever order they come
 * in, numbers written already skipped; a sink group that holds another writer's
 * progress, or metadata the sink did not write, refused with a line that says what to do. Its
 * restores are {@code KafkaExactlyOnceIT}'s (Flink, kill -9).
 */
class ExactlyOnceKafkaSinkIT {

  @BeforeAll
  static void onTheDirectRunnerOnly() {
    assumeTrue(System.getProperty("it.runnerArgs", "").contains("DirectRunner"),
        "the sink is checked on the DirectRunner; Flink's restores are KafkaExactlyOnceIT's");
  }

  @Test
  void writesEveryRecordOnceInTransactions() throws Exception {
    String topic = TestKafka.newTopic("eos-sink", 1);
    // More than one transaction's worth (1,000 records).
    List<KV<String, String>> records = IntStream.range(0, 2_500)
        .mapToObj(i -> KV.of(String.valueOf(i % 7), "record " + i)).toList();

    write(records, topic, newGroup());

    List<String> committed = TestKafka.values(TestKafka.readCommitted(topic, read -> read.size() >= 2_500, 60));
    assertThat(committed, containsInAnyOrder(records.stream().map(KV::getValue).toArray()));
  }

  @Test
  void writesThroughSeveralShardsEachKeepingItsProgressOnItsOwnPartition() throws Exception {
    String topic = TestKafka.newTopic("eos-sink-shards", 3);
    String group = newGroup();
    List<KV<String, String>> records = IntStream.range(0, 2_500)
        .mapToObj(i -> KV.of(String.valueOf(i % 7), "record " + i)).toList();

    write(records, topic, group, 3);

    List<String> committed = TestKafka.values(TestKafka.readCommitted(topic, read -> read.size() >= 2_500, 60));
    assertThat(committed, containsInAnyOrder(records.stream().map(KV::getValue).toArray()));
    // Keys "0".."6" fall in all three shards; each shard's last number is on its partition.
    Map<Integer, Long> lastNumberPerShard = new TreeMap<>();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.SERVERS))) {
      admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((partition, mark) ->
          lastNumberPerShard.put(partition.partition(), ExactlyOnceKafkaSink.ShardMark.parse(mark).seq()));
    }
    assertThat(lastNumberPerShard.toString(), lastNumberPerShard.keySet(), contains(0, 1, 2));
    assertThat(lastNumberPerShard.values().stream().mapToLong(last -> last + 1).sum(), equalTo(2_500L));
  }

  @Test
  void writesInNumberOrderAndSkipsNumbersAlreadyWritten() throws Exception {
    String topic = TestKafka.newTopic("eos-sink-order", 1);
    TestStream<KV<Integer, Iterable<NumberedRecord>>> batches = TestStream
        .create(KvCoder.of(VarIntCoder.of(), IterableCoder.of(NumberedRecord.CODER)))
        .addElements(batch(0, 3, 2))         // 0 written; 2 and 3 wait for 1
        .advanceProcessingTime(Duration.standardSeconds(1))
        .addElements(batch(1))               // 1, then 2 and 3
        .advanceProcessingTime(Duration.standardSeconds(1))
        .addElements(batch(2, 0, 5, 1, 4))   // 0-2 again (as after a restore): skipped; then 4, 5
        .advanceWatermarkToInfinity();
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    pipeline.apply(batches).apply(ParDo.of(
        new ExactlyOnceKafkaSink.WriteInNumberOrderFn(TestKafka.SERVERS, topic, newGroup(), false)));
    pipeline.run().waitUntilFinish();

    assertThat(TestKafka.values(TestKafka.readCommitted(topic, read -> read.size() >= 6, 30)),
        contains("r0", "r1", "r2", "r3", "r4", "r5"));
  }

  private static KV<Integer, Iterable<NumberedRecord>> batch(long... numbers) {
    return KV.of(0, Arrays.stream(numbers)
        .mapToObj(n -> new NumberedRecord("writer-1", n, "key", "r" + n)).toList());
  }

  @Test
  void refusesAGroupThatHoldsAnotherWritersProgress() throws Exception {
    String topic = TestKafka.newTopic("eos-sink-reused", 1);
    String group = newGroup();
    write(List.of(KV.of("1", "first job")), topic, group);

    Exception refused = assertThrows(Exception.class,
        () -> write(List.of(KV.of("1", "second job")), topic, group));

    assertThat(rootMessage(refused), containsString("holds another writer's progress"));
    assertThat(rootMessage(refused), containsString("Give this job a new --sinkGroupId"));
    assertThat(TestKafka.values(TestKafka.readCommitted(topic, read -> false, 3)), hasSize(1));
  }

  @Test
  void refusesAGroupWithMetadataItDidNotWrite() throws Exception {
    String topic = TestKafka.newTopic("eos-sink-foreign", 1);
    String group = newGroup();
    // As KafkaIO's own exactly-once sink writes it.
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.SERVERS, ConsumerConfig.GROUP_ID_CONFIG, group),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.commitSync(Map.of(new TopicPartition(topic, 0),
          new OffsetAndMetadata(0, "{\"seq\":3,\"id\":\"5F2A - 2026-12-05 04:00:00\"}")));
    }

    Exception refused = assertThrows(Exception.class,
        () -> write(List.of(KV.of("1", "a record")), topic, group));

    assertThat(rootMessage(refused), containsString("holds metadata this sink did not write"));
    assertThat(TestKafka.values(TestKafka.readCommitted(topic, read -> false, 3)), hasSize(0));
  }

  private static void write(List<KV<String, String>> records, String topic, String group) {
    write(records, topic, group, 1);
  }

  private static void write(List<KV<String, String>> records, String topic, String group, int shards) {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.fromArgs("--runner=DirectRunner").create());
    pipeline.apply(Create.of(records).withCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of())))
        .apply(ExactlyOnceKafkaSink.to(TestKafka.SERVERS, topic, group).withShards(shards));
    pipeline.run().waitUntilFinish();
  }

  private static String newGroup() {
    return "eos-sink-test-" + UUID.randomUUID();
  }

  /** The message the program prints for a failed pipeline (Launcher: the innermost cause's). */
  private static String rootMessage(Throwable failure) {
    while (failure.getCause() != null) {
      failure = failure.getCause();
    }
    return failure.getMessage();
  }
}
