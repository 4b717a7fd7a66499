package dev.signals.e2e;

import static dev.signals.e2e.ExactCounts.awaitCheckpointNewerThan;
import static dev.signals.e2e.ExactCounts.awaitTotal;
import static dev.signals.e2e.ExactCounts.brokenChains;
import static dev.signals.e2e.ExactCounts.firstReportPerDevice;
import static dev.signals.e2e.ExactCounts.histogram;
import static dev.signals.e2e.ExactCounts.latestCounts;
import static dev.signals.e2e.ExactCounts.total;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The clusters, as docs/clusters.md runs them: start a cluster with its
 * script, submit with the submit script, read the counts the script follows for about 40 s, check
 * them like the runner matrix does, stop the job, stop the cluster, and leave no process behind,
 * also when a step fails. On Flink also: cancel a job with checkpoints and restore it. Run by
 * {@code mvn -Pclusters verify} (and {@code .ci/run}).
 */
class ClusterIT {
  private static final Path PROJECT = LaunchedProgram.PROJECT;
  private static final int RATE = 20;
  private static final int INTERVAL_SECONDS = 5;
  private static final int FOLLOW_SECONDS = 40;
  /** Submission includes uploading the bundle and starting the job (it is built beforehand). */
  private static final int STARTUP_ALLOWANCE_SECONDS = 30;
  private static final TickReportChecks.ThrottledRun THROTTLED_RUN =
      new TickReportChecks.ThrottledRun(RATE, INTERVAL_SECONDS, 10, STARTUP_ALLOWANCE_SECONDS, false);

  @Test
  void sparkStandaloneClusterRunsTheBundleAndCountsAtTheRate() throws Exception {
    try (Cluster cluster = Cluster.start("spark")) {
      // Client mode: the driver is the script's JVM, so --runSeconds ends the job. It counts from
      // the driver's start, before the app has registered and its executor started (7 s, and
      // once 25 s with nothing counted by 40 s), so it covers the start-up allowance too.
      int runSeconds = STARTUP_ALLOWANCE_SECONDS + FOLLOW_SECONDS;
      LaunchedProgram submit = LaunchedProgram.start(List.of(script("submit-spark.sh"),
              "--output=jsonl", "--rowsPerSecond=" + RATE,
              "--triggerIntervalSeconds=" + INTERVAL_SECONDS, "--runSeconds=" + runSeconds))
          .await(runSeconds + 120);
      assertThat(submit.diagnostics(), submit.exitCode, equalTo(0));
      assertThat(submit.diagnostics(), submit.stdoutText(), not(empty()));
      TickReportChecks.assertConsistent(submit, THROTTLED_RUN);
      TickReportChecks.assertProgressLinesMatch(submit);
    }
  }

  @Test
  void flinkSessionClusterRunsTheBundleDetachedAndCountsAtTheRate() throws Exception {
    try (Cluster cluster = Cluster.start("flink")) {
      LaunchedProgram followed;
      try (LaunchedProgram.Running submit = LaunchedProgram.start(List.of(script("submit-flink.sh"),
          "--output=jsonl", "--rowsPerSecond=" + RATE, "--triggerIntervalSeconds=" + INTERVAL_SECONDS))) {
        String jobId = awaitJobId(submit, 180);
        Thread.sleep(TimeUnit.SECONDS.toMillis(FOLLOW_SECONDS));
        // Detached: the job runs on until cancelled; the script follows its output till then.
        run(180, script("flink-cluster.sh"), "cancel", jobId);
        followed = submit.await(60);
        assertThat(followed.diagnostics(), followed.exitCode, equalTo(0));
        assertThat(followed.diagnostics(), String.join("\n", followed.stderr),
            org.hamcrest.Matchers.containsString("Job " + jobId + " is CANCELED"));
      }
      TickReportChecks.assertConsistent(followed, THROTTLED_RUN);
      TickReportChecks.assertProgressLinesMatch(followed);
    }
  }

  /**
   * A job cancelled after a checkpoint and submitted again with {@code --restore} goes on from the
   * newest retained checkpoint (on a cluster through {@code --savepointPath}), and the counts of
   * the two jobs end exact.
   */
  @Test
  void flinkSessionClusterRestoresACancelledJobFromItsNewestCheckpoint() throws Exception {
    Path checkpoints = Files.createTempDirectory("cluster-checkpoints-");
    int numDevices = 10;
    long countBelow = 900; // 45 s of the source
    long firstJobTotal = 300;
    List<String> options = List.of("--output=jsonl", "--rowsPerSecond=" + RATE,
        "--triggerIntervalSeconds=2", "--numDevices=" + numDevices,
        "--testCountSeqsBelow=" + countBelow, "--checkpointDir=" + checkpoints);
    try (Cluster cluster = Cluster.start("flink")) {
      List<String> first = runFlinkJobUntil(options, List.of(), firstJobTotal, checkpoints);
      List<String> second = runFlinkJobUntil(
          concat(options, List.of("--restore")), List.of(first), countBelow, null);
      // A job that started afresh would first report the few signals of its first tick per device.
      assertThat("the restored job's first reports carry the checkpointed counts",
          total(firstReportPerDevice(second)), greaterThanOrEqualTo(firstJobTotal));
      assertThat(latestCounts(List.of(first, second)), equalTo(histogram(countBelow, numDevices)));
    }
  }

  /**
   * Kafka in and out on the Flink session cluster, as the README's Kafka section submits it:
   * signals produced to a topic, a job with checkpoints (so its Kafka output is transactional),
   * every device's last count on the output topic, read {@code read_committed}, equal to the
   * histogram, each report following on from the device's previous one.
   */
  @Test
  void flinkSessionClusterCountsFromKafkaToKafkaExactlyOnce() throws Exception {
    KafkaTopicsOfARun topics = KafkaTopicsOfARun.withSignals("cluster");
    String in = topics.in();
    String out = topics.out();
    Map<Integer, Long> expected = topics.expected();
    Path checkpoints = Files.createTempDirectory("cluster-kafka-checkpoints-");
    List<String> values;
    try (Cluster cluster = Cluster.start("flink");
        LaunchedProgram.Running submit = LaunchedProgram.start(List.of(script("submit-flink.sh"),
            "--source=kafka", "--inputTopic=" + in, "--sink=kafka", "--outputTopic=" + out,
            "--output=jsonl", "--triggerIntervalSeconds=2", "--checkpointDir=" + checkpoints))) {
      String jobId = awaitJobId(submit, 180);
      values = TestKafka.values(TestKafka.readCommitted(out,
          read -> latestCounts(List.of(TestKafka.values(read))).equals(expected), 180));
      run(180, script("flink-cluster.sh"), "cancel", jobId);
      LaunchedProgram followed = submit.await(60);
      assertThat(followed.diagnostics(), followed.exitCode, equalTo(0));
      assertThat(followed.diagnostics(), String.join("\n", followed.stderr),
          containsString("exactly once"));
    }
    assertThat("last count per device on " + out, latestCounts(List.of(values)), equalTo(expected));
    assertThat("reports on Kafka follow on from each other", brokenChains(values), empty());
  }

  /**
   * Kafka in and out on the Spark standalone cluster through {@code submit-spark.sh}: every
   * device's last count on the output topic equal to the histogram. At least once on Spark, so
   * a report may repeat and the chains are not checked.
   */
  @Test
  void sparkStandaloneClusterCountsFromKafkaToKafka() throws Exception {
    KafkaTopicsOfARun topics = KafkaTopicsOfARun.withSignals("spark-cluster");
    String in = topics.in();
    String out = topics.out();
    Map<Integer, Long> expected = topics.expected();
    List<String> values;
    try (Cluster cluster = Cluster.start("spark");
        LaunchedProgram.Running submit = LaunchedProgram.start(List.of(script("submit-spark.sh"),
            "--source=kafka", "--inputTopic=" + in, "--sink=kafka", "--outputTopic=" + out,
            "--output=jsonl", "--triggerIntervalSeconds=2"))) {
      values = TestKafka.values(TestKafka.readCommitted(out, read -> !submit.process().isAlive()
          || latestCounts(List.of(TestKafka.values(read))).equals(expected), 240));
      submit.process().destroy(); // as Ctrl-C: the script passes it on to the driver
      LaunchedProgram stopped = submit.await(60);
      assertThat("last count per device on " + out + "; " + stopped.diagnostics(),
          latestCounts(List.of(values)), equalTo(expected));
    }
  }

  /** A Kafka job's topics: 3,000 signals of 10 devices on {@code in}, its reports to {@code out}. */
  private record KafkaTopicsOfARun(String in, String out, Map<Integer, Long> expected) {
    static KafkaTopicsOfARun withSignals(String prefix) throws Exception {
      long n = 3_000;
      int numDevices = 10;
      String in = TestKafka.newTopic(prefix + "-signals", 2);
      TestKafka.produceSignals(in, n, numDevices, 0);
      return new KafkaTopicsOfARun(in, TestKafka.newTopic(prefix + "-counts", 2), histogram(n, numDevices));
    }
  }

  /**
   * Submits a job with {@code options}, follows it until the reports of {@code earlier} jobs and
   * its own add up to {@code total} (and, given {@code checkpoints}, until a checkpoint taken after
   * that is complete), cancels it; returns its stdout.
   */
  private static List<String> runFlinkJobUntil(List<String> options, List<List<String>> earlier,
      long total, Path checkpoints) throws Exception {
    try (LaunchedProgram.Running submit =
        LaunchedProgram.start(concat(List.of(script("submit-flink.sh")), options))) {
      String jobId = awaitJobId(submit, 180);
      awaitTotal(earlier, submit, total, 120);
      if (checkpoints != null) {
        // A checkpoint begun after the total was read (the interval is 2 s) holds at least it.
        awaitCheckpointNewerThan(checkpoints, "flink", System.currentTimeMillis() + 2_500, submit, 120);
      }
      run(180, script("flink-cluster.sh"), "cancel", jobId);
      LaunchedProgram followed = submit.await(60);
      assertThat(followed.diagnostics(), followed.exitCode, equalTo(0));
      return followed.stdoutText();
    }
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> both = new ArrayList<>(a);
    both.addAll(b);
    return both;
  }

  @Test
  void submittingWithoutAClusterFailsAtOnceWithOneClearLine() throws Exception {
    for (String[] command : List.of(
        new String[] {script("submit-spark.sh"), "--sparkMaster=spark://127.0.0.1:7999"},
        new String[] {script("submit-spark.sh"), "--sparkMaster=local[2]"},
        new String[] {script("submit-flink.sh"), "--flinkMaster=127.0.0.1:8999"},
        new String[] {script("submit-flink.sh"), "--flinkMaster=[local]"})) {
      LaunchedProgram submit = LaunchedProgram.start(Arrays.asList(command)).await(15);
      assertThat(submit.diagnostics(), submit.exitCode, equalTo(2));
      assertThat(submit.diagnostics(), submit.stderr.size(), equalTo(1));
      assertThat(submit.diagnostics(), submit.stderr.get(0), org.hamcrest.Matchers.startsWith("error: "));
      assertThat(submit.stdoutText(), empty());
    }
  }

  private static final Pattern JOB_LINE = Pattern.compile("Job ([0-9a-f]{32}) runs on the cluster.*");

  private static String awaitJobId(LaunchedProgram.Running submit, int seconds) throws Exception {
    long deadline = System.currentTimeMillis() + seconds * 1000L;
    while (System.currentTimeMillis() < deadline) {
      for (String line : submit.stderrSoFar()) {
        Matcher job = JOB_LINE.matcher(line);
        if (job.matches()) {
          return job.group(1);
        }
      }
      if (!submit.process().isAlive()) {
        throw new AssertionError("submit-flink.sh ended before the job ran:\n"
            + String.join("\n", submit.stderrSoFar()));
      }
      Thread.sleep(500);
    }
    submit.process().destroyForcibly();
    throw new AssertionError("no job id from submit-flink.sh within " + seconds + " s:\n"
        + String.join("\n", submit.stderrSoFar()));
  }

  private static String script(String name) {
    return PROJECT.resolve("scripts").resolve(name).toString();
  }

  private static LaunchedProgram run(int timeoutSeconds, String... command) throws Exception {
    LaunchedProgram done = LaunchedProgram.start(Arrays.asList(command)).await(timeoutSeconds);
    assertThat(done.diagnostics(), done.exitCode, equalTo(0));
    return done;
  }

  /** A cluster started by its script and stopped on close, whatever happened in between. */
  private record Cluster(String name) implements AutoCloseable {
    static Cluster start(String name) throws Exception {
      // The submit script builds the bundle when it is stale; build it here, before the clock
      // of the rate checks starts, as a user's second submission would find it.
      run(600, "mvn", "-B", "-q", "-f", PROJECT.resolve("pom.xml").toString(),
          "-P" + name + "-runner", "-DskipTests", "package");
      Cluster cluster = new Cluster(name);
      try {
        run(300, script(name + "-cluster.sh"), "start");
      } catch (Throwable failed) {
        cluster.close();
        throw failed;
      }
      return cluster;
    }

    @Override
    public void close() throws Exception {
      run(60, script(name + "-cluster.sh"), "stop");
      // Nothing of the cluster's may outlive it: its processes name its directory.
      List<String> left = new ArrayList<>();
      ProcessHandle.allProcesses().forEach(process -> process.info().commandLine()
          .filter(line -> line.contains("/.clusters/" + name + "/"))
          .ifPresent(line -> left.add(process.pid() + " " + line)));
      assertThat("processes left behind", left, empty());
    }
  }
}
