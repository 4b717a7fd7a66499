package dev.signals.kafka;

import dev.signals.model.Signal;
import dev.signals.model.ToSignal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.joda.time.Instant;

/**
 * The producer, consumer and topic maker behind {@code scripts/kafka.sh}:
 *
 * <pre>
 *   create-topic NAME PARTITIONS
 *   produce --topic=T --numEvents=N --numDevices=D [--rowsPerSecond=R]
 *   consume --topic=T [--idleSeconds=S] [--timestamps=true]
 * </pre>
 *
 * each with {@code [--bootstrapServers=127.0.0.1:9092]}. {@code produce} writes the signals of
 * seqs {@code 0..N-1} as the rate source makes them (device {@link ToSignal#deviceOf}, value
 * {@code seq % 10}, timestamp the moment it is sent, as the record's timestamp too), keyed by
 * device; {@code consume} prints every committed record's value from the beginning of the topic,
 * one per line (after the record's timestamp in epoch millis with {@code --timestamps=true}),
 * and exits when none came for S seconds (5 by default). Bad input: one line on stderr, exit 2.
 */
public final class KafkaTool {
  private static final int EXIT_BAD_INPUT = 2;

  private KafkaTool() {}

  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  public static void main(String[] args) {
    try {
      run(args);
    } catch (UsageException | KafkaCheck.KafkaUnavailableException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(EXIT_BAD_INPUT);
    } catch (InterruptedException e) {
      System.exit(130);
    } catch (java.io.IOException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(1);
    } catch (Exception e) {
      System.err.println("error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      System.exit(1);
    }
  }

  public static void run(String[] args) throws Exception {
    if (args.length == 0) {
      throw new UsageException("usage: scripts/kafka.sh create-topic NAME PARTITIONS | produce "
          + "--topic=T --numEvents=N --numDevices=D [--rowsPerSecond=R] | consume --topic=T [--idleSeconds=S] [--timestamps=true]");
    }
    String command = args[0];
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    switch (command) {
      case "create-topic" -> createTopic(rest);
      case "produce" -> produce(new Flags(rest, "topic", "numEvents", "numDevices", "rowsPerSecond", "bootstrapServers"));
      case "consume" -> consume(new Flags(rest, "topic", "idleSeconds", "timestamps", "bootstrapServers"));
      default -> throw new UsageException("unknown command '" + command
          + "'; use create-topic, produce or consume");
    }
  }

  static void createTopic(List<String> args) throws Exception {
    List<String> positional = args.stream().filter(a -> !a.startsWith("--")).toList();
    Flags flags = new Flags(args.stream().filter(a -> a.startsWith("--")).toList(), "bootstrapServers");
    if (positional.size() != 2) {
      throw new UsageException("create-topic needs a name and a number of partitions, e.g. "
          + "scripts/kafka.sh create-topic signals 4");
    }
    String name = positional.get(0);
    int partitions = (int) wholeNumber("partitions", positional.get(1), 1, 10_000);
    if (!name.matches("[a-zA-Z0-9._-]{1,249}")) {
      throw new UsageException("topic name '" + name + "' is not valid; use letters, digits, '.', '_' and '-'");
    }
    String servers = flags.bootstrapServers();
    try (Admin admin = KafkaCheck.admin(servers)) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
          .all().get(30, TimeUnit.SECONDS);
      System.err.println("created topic " + name + " with " + partitions + " partition(s) at " + servers);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw KafkaCheck.noBroker(servers);
      }
      if (e.getCause() instanceof TopicExistsException) {
        throw new UsageException("topic '" + name + "' exists already at " + servers
            + "; pick another name (topics are deleted only with the broker: scripts/kafka.sh stop --wipe)");
      }
      throw new UsageException("the broker at " + servers + " refused to create '" + name + "': "
          + e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw KafkaCheck.noBroker(servers);
    }
  }

  static void produce(Flags flags) throws Exception {
    String topic = flags.required("topic");
    long numEvents = wholeNumber("numEvents", flags.required("numEvents"), 1, Long.MAX_VALUE);
    int numDevices = (int) wholeNumber("numDevices", flags.required("numDevices"), 1, Integer.MAX_VALUE);
    long rowsPerSecond = wholeNumber("rowsPerSecond", flags.get("rowsPerSecond", "0"), 0, Long.MAX_VALUE);
    String servers = flags.bootstrapServers();
    KafkaCheck.topicsExist(servers, List.of(topic));
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    long started = System.nanoTime();
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
      List<Exception> failures = new ArrayList<>();
      for (long seq = 0; seq < numEvents && failures.isEmpty(); seq++) {
        if (rowsPerSecond > 0) {
          long due = started + seq * 1_000_000_000L / rowsPerSecond;
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
        long now = System.currentTimeMillis();
        Signal signal = new Signal(Instant.ofEpochMilli(now), ToSignal.deviceOf(seq, numDevices), seq % 10);
        producer.send(new ProducerRecord<>(topic, null, now, String.valueOf(signal.deviceId()),
            SignalJson.format(signal)), (metadata, error) -> {
              if (error != null) {
                synchronized (failures) {
                  failures.add(error);
                }
              }
            });
      }
      producer.flush();
      if (!failures.isEmpty()) {
        throw new java.io.IOException("the broker at " + servers + " did not take every signal: "
            + failures.get(0).getMessage());
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    System.err.printf("produced %,d signals for %,d devices to %s in %.1f s%n", numEvents, numDevices, topic, seconds);
  }

  static void consume(Flags flags) throws Exception {
    String topic = flags.required("topic");
    long idleSeconds = wholeNumber("idleSeconds", flags.get("idleSeconds", "5"), 1, 86_400);
    String timestampsFlag = flags.get("timestamps", "false");
    if (!timestampsFlag.equals("true") && !timestampsFlag.equals("false")) {
      throw new UsageException("--timestamps=" + timestampsFlag + " is not valid; it takes true or false");
    }
    boolean timestamps = timestampsFlag.equals("true");
    String servers = flags.bootstrapServers();
    KafkaCheck.topicsExist(servers, List.of(topic));
    try (KafkaConsumer<String, String> consumer = committedFromTheBeginning(
        servers, topic, new StringDeserializer(), new StringDeserializer())) {
      long lastRecord = System.currentTimeMillis();
      while (System.currentTimeMillis() - lastRecord < idleSeconds * 1000) {
        var records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> record : records) {
          System.out.println(timestamps ? record.timestamp() + " " + record.value() : record.value());
        }
        if (!records.isEmpty()) {
          System.out.flush();
          lastRecord = System.currentTimeMillis();
        }
      }
    }
  }

  /**
   * A consumer of every partition of {@code topic} from its beginning that sees only committed
   * records ({@code read_committed}) and commits nothing: how the tool and the tests read output.
   */
  public static <K, V> KafkaConsumer<K, V> committedFromTheBeginning(String servers, String topic,
      Deserializer<K> keys, Deserializer<V> values) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<K, V> consumer = new KafkaConsumer<>(config, keys, values);
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(15))) {
      partitions.add(new TopicPartition(topic, info.partition()));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  static long wholeNumber(String name, String value, long min, long max) throws UsageException {
    try {
      long number = Long.parseLong(value);
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException e) {
      // the message below
    }
    throw new UsageException("--" + name + "=" + value + " is not valid; it takes a whole number, "
        + min + (max == Long.MAX_VALUE || max == Integer.MAX_VALUE ? " or more" : " to " + max));
  }

  /** {@code --name=value} flags, from a fixed set of names. */
  static final class Flags {
    private final Map<String, String> values = new HashMap<>();

    Flags(List<String> args, String... known) throws UsageException {
      Set<String> names = Set.of(known);
      for (String arg : args) {
        int equals = arg.indexOf('=');
        String name = arg.startsWith("--") && equals > 2 ? arg.substring(2, equals) : null;
        if (name == null || !names.contains(name)) {
          throw new UsageException("unexpected argument '" + arg + "'; this command takes --"
              + String.join("=..., --", known) + "=...");
        }
        values.put(name, arg.substring(equals + 1));
      }
    }

    String get(String name, String fallback) {
      return values.getOrDefault(name, fallback);
    }

    String required(String name) throws UsageException {
      String value = values.get(name);
      if (value == null || value.isEmpty()) {
        throw new UsageException("missing --" + name + "=...");
      }
      return value;
    }

    String bootstrapServers() {
      return get("bootstrapServers", "127.0.0.1:9092");
    }
  }
}
