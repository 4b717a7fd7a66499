package dev.signals.e2e;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.signals.kafka.KafkaTool;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The real broker the Kafka tests talk to (scripts/kafka.sh start, once per test JVM, stopped at
 * its exit if this JVM started it; one already running on 127.0.0.1:9092 is used as it is), and
 * what the tests do with it: fresh topics, signals produced as {@code scripts/kafka.sh produce}
 * does, and every committed record of a topic read back.
 */
public final class TestKafka {
  public static final String SERVERS = "127.0.0.1:9092";
  private static final Path PROJECT = LaunchedProgram.PROJECT;
  private static boolean ready;

  private TestKafka() {}

  /** A record read back: its partition and offset, key, value and headers (as text). */
  public record Read(int partition, long offset, String key, String value, Map<String, String> headers) {}

  static synchronized void ensureBroker() throws Exception {
    if (ready) {
      return;
    }
    if (!portOpen()) {
      LaunchedProgram started = LaunchedProgram.start(List.of(script(), "start")).await(300);
      assertThat("scripts/kafka.sh start: " + started.diagnostics(), started.exitCode, equalTo(0));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          new ProcessBuilder(script(), "stop").inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          // the JVM is going; the broker's pid file lets a user stop it
        }
      }));
    }
    ready = true;
  }

  /** Whether the broker on 9092 is the one this checkout's scripts/kafka.sh started. */
  static boolean startedByOurScript() {
    return Files.isRegularFile(PROJECT.resolve(".clusters/kafka/pids/kafka.pid"));
  }

  static String script() {
    return PROJECT.resolve("scripts/kafka.sh").toString();
  }

  private static boolean portOpen() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", 9092), 1000);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** A new topic whose name starts with {@code prefix}. */
  public static String newTopic(String prefix, int partitions) throws Exception {
    ensureBroker();
    String name = prefix + "-" + System.currentTimeMillis() + "-" + (int) (Math.random() * 1e6);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SERVERS))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    return name;
  }

  /** Signals of seqs 0..n-1 as {@code scripts/kafka.sh produce} puts them (0: unthrottled). */
  static void produceSignals(String topic, long n, int numDevices, long rowsPerSecond) throws Exception {
    KafkaTool.run(new String[] {"produce", "--topic=" + topic, "--numEvents=" + n,
        "--numDevices=" + numDevices, "--rowsPerSecond=" + rowsPerSecond});
  }

  /** Record values as they are, keyed by {@code keys} (same order), committed at once. */
  static void produceValues(String topic, List<String> keys, List<String> values) {
    Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SERVERS,
        ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < values.size(); i++) {
        producer.send(new ProducerRecord<>(topic, keys.get(i), values.get(i)));
      }
      producer.flush();
    }
  }

  /**
   * Every committed record of the topic from its beginning, read until {@code done} holds for all
   * read so far (then a further second, to see what comes after) or {@code timeoutSeconds} pass.
   */
  public static List<Read> readCommitted(String topic, Predicate<List<Read>> done, long timeoutSeconds) {
    List<Read> read = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = KafkaTool.committedFromTheBeginning(
        SERVERS, topic, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      long deadline = System.currentTimeMillis() + timeoutSeconds * 1000;
      long until = deadline;
      boolean finished = false;
      while (System.currentTimeMillis() < until) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          Map<String, String> headers = new HashMap<>();
          record.headers().forEach(h -> headers.put(h.key(), text(h.value())));
          read.add(new Read(record.partition(), record.offset(), text(record.key()), text(record.value()), headers));
        }
        if (!finished && done.test(read)) {
          finished = true;
          until = Math.min(deadline, System.currentTimeMillis() + 1000);
        }
      }
    }
    return read;
  }

  private static String text(byte[] bytes) {
    return bytes == null ? null : new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The record values, per partition in offset order, partitions one after the other. */
  public static List<String> values(List<Read> records) {
    return records.stream()
        .sorted(java.util.Comparator.comparingInt(Read::partition).thenComparingLong(Read::offset))
        .map(Read::value).toList();
  }
}
