package dev.signals.kafka;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;

/**
 * Asks the broker, before a job is built, whether the topics it names exist: KafkaIO would
 * otherwise fail deep inside a runner (a missing topic) or wait on the network for minutes (no
 * broker), and the user would see a stack trace instead of the fix.
 */
public final class KafkaCheck {
  private static final int TIMEOUT_SECONDS = 15;

  private KafkaCheck() {}

  /** The broker's answer was not what the job needs; the message names the fix. */
  public static final class KafkaUnavailableException extends Exception {
    KafkaUnavailableException(String message) {
      super(message);
    }
  }

  /** Fails unless a broker answers at {@code bootstrapServers} and every topic exists. */
  public static void topicsExist(String bootstrapServers, List<String> topics)
      throws KafkaUnavailableException {
    topicsExist(bootstrapServers, topics, null, 1);
  }

  /**
   * As {@link #topicsExist(String, List)}, and {@code sinkTopic} (unless null) has at least
   * {@code sinkShards} partitions: each shard of the exactly-once sink keeps its progress on the
   * partition of its number. One broker session for both.
   */
  public static void topicsExist(String bootstrapServers, List<String> topics, String sinkTopic,
      int sinkShards) throws KafkaUnavailableException {
    try (Admin admin = admin(bootstrapServers)) {
      Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      for (String topic : topics) {
        if (!existing.contains(topic)) {
          throw new KafkaUnavailableException("topic '" + topic + "' does not exist at "
              + bootstrapServers + "; create it (scripts/kafka.sh create-topic " + topic
              + " 4) or name another one");
        }
      }
      if (sinkTopic != null && sinkShards > 1) {
        int partitions = admin.describeTopics(List.of(sinkTopic)).allTopicNames()
            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(sinkTopic).partitions().size();
        if (partitions < sinkShards) {
          throw new KafkaUnavailableException("--sinkShards=" + sinkShards + " needs topic '"
              + sinkTopic + "' to have at least " + sinkShards + " partitions, and it has "
              + partitions + " (each producer keeps its progress on a partition of its own); "
              + "lower --sinkShards or write to a topic with more partitions");
        }
      }
    } catch (TimeoutException e) {
      throw noBroker(bootstrapServers);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw noBroker(bootstrapServers);
      }
      throw new KafkaUnavailableException("the Kafka broker at " + bootstrapServers
          + " refused to list topics: " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw noBroker(bootstrapServers);
    }
  }

  static Admin admin(String bootstrapServers) throws KafkaUnavailableException {
    try {
      return Admin.create(Map.of(
          AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
          AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_SECONDS * 1000,
          AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_SECONDS * 1000));
    } catch (KafkaException e) {
      throw new KafkaUnavailableException("--bootstrapServers=" + bootstrapServers
          + " cannot be used (" + e.getMessage() + "); give host:port of a broker, e.g. 127.0.0.1:9092");
    }
  }

  static KafkaUnavailableException noBroker(String bootstrapServers) {
    return new KafkaUnavailableException("no Kafka broker answered at " + bootstrapServers
        + " within " + TIMEOUT_SECONDS + " s; start one (scripts/kafka.sh start) or fix --bootstrapServers");
  }
}
