package dev.signals.e2e;

import static dev.signals.e2e.ExactCounts.awaitCheckpointNewerThan;
import static dev.signals.e2e.ExactCounts.awaitTotal;
import static dev.signals.e2e.ExactCounts.brokenChains;
import static dev.signals.e2e.ExactCounts.histogram;
import static dev.signals.e2e.ExactCounts.latestCounts;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Exactly once into Kafka on Flink: while signals arrive on a topic, the job (reading them from
 * Kafka, writing reports to Kafka through the transactional sink's two producers, checkpointing
 * every 2 s) is stopped four times as by kill -9 and restored from its checkpoints: first right
 * after the sink's first transaction, before a checkpoint holds what it wrote (the JVM halts
 * itself there, {@code --testHaltAfterFirstKafkaCommit}), then three times with SIGKILL at random
 * moments. A {@code read_committed} consumer of the output must then see each device's reports
 * follow on from each other (every report's count less its {@code added} is the previous report's
 * count: none lost, none repeated) and end with the exact counts. With the plain sink the reports made
 * between the last checkpoint and a kill stay in the topic and the chain breaks. Run by
 * {@code mvn -Pfaults verify} (and {@code .ci/run}).
 */
class KafkaExactlyOnceIT {
  private static final Path PROJECT = LaunchedProgram.PROJECT;
  private static final long NUM_SIGNALS = 24_000;
  private static final int NUM_DEVICES = 10;
  private static final int RATE = 300;
  /** The halt after the first commit, then SIGKILLs at random moments. */
  private static final int KILLS = 4;

  @Test
  void flinkWritesEveryReportToKafkaExactlyOnceAcrossKillsAndRestores() throws Exception {
    String in = TestKafka.newTopic("eos-signals", 4);
    String out = TestKafka.newTopic("eos-counts", 4);
    Path checkpoints = Files.createTempDirectory("checkpoints-kafka-eos-");
    long seed = System.nanoTime();
    Random random = new Random(seed);
    System.out.println("exactly once: random seed " + seed + ", topics " + in + " -> " + out
        + ", checkpoints in " + checkpoints);
    Map<Integer, Long> expected = histogram(NUM_SIGNALS, NUM_DEVICES);
    CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
      try {
        TestKafka.produceSignals(in, NUM_SIGNALS, NUM_DEVICES, RATE);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });

    for (int run = 0; run <= KILLS; run++) {
      List<String> command = new ArrayList<>(List.of(PROJECT.resolve("scripts/run.sh").toString(),
          "flink", "--source=kafka", "--inputTopic=" + in, "--sink=kafka", "--outputTopic=" + out,
          "--output=jsonl", "--triggerIntervalSeconds=1", "--checkpointDir=" + checkpoints,
          "--sinkShards=2"));
      command.add(run == 0 ? "--testHaltAfterFirstKafkaCommit=true" : "--restore");
      try (LaunchedProgram.Running program = LaunchedProgram.start(command)) {
        if (run == 0) {
          // The sink's first transaction is on the broker; the checkpoint to restore from was
          // taken before it (the sink writes only what a completed checkpoint holds).
          LaunchedProgram halted = program.await(180);
          assertThat("the first run halts after its first Kafka commit; " + halted.diagnostics(),
              halted.stderr.stream().anyMatch(line -> line.contains("test-only halt after the sink's first")),
              equalTo(true));
          assertThat("a report committed before the halt",
              TestKafka.readCommitted(out, records -> !records.isEmpty(), 30), not(empty()));
        } else if (run < KILLS) {
          // Kill once this run has reported and checkpointed, at a random moment after that.
          awaitTotal(List.of(), program, 1, 120); // a first report
          awaitCheckpointNewerThan(checkpoints, "flink", System.currentTimeMillis(), program, 120);
          if (run == 1) {
            // The restored sink meets the halted run's transaction only when it next writes that
            // shard: after a checkpoint completes (stable input), not by any report on the console.
            program.awaitStderrLine("committed after the checkpoint this job was restored from",
                "the restore after the halt found the broker ahead of its checkpoint", 120);
          }
          Thread.sleep(random.nextInt(3_000));
          program.process().destroyForcibly(); // SIGKILL: run.sh execs the JVM
          LaunchedProgram killed = program.await(30);
          System.out.println("exactly once: run " + run + " killed with " + killed.stdout.size()
              + " reports on its console");
        } else {
          List<TestKafka.Read> read = TestKafka.readCommitted(out, records -> !program.process().isAlive()
              || latestCounts(List.of(TestKafka.values(records))).equals(expected), 300);
          program.process().destroy();
          LaunchedProgram last = program.await(60);
          assertThat("the last run's counts on Kafka; " + last.diagnostics(),
              latestCounts(List.of(TestKafka.values(read))), equalTo(expected));
        }
      }
    }
    producer.join();

    List<String> committed = TestKafka.values(TestKafka.readCommitted(out, records -> false, 10));
    System.out.println("exactly once: " + committed.size() + " reports committed");
    assertThat("reports lost or repeated (seed " + seed + ")", brokenChains(committed), empty());
    assertThat("final counts (seed " + seed + ")", latestCounts(List.of(committed)), equalTo(expected));
  }
}
