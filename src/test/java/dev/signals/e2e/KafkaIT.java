package dev.signals.e2e;

import static dev.signals.e2e.ExactCounts.awaitTotal;
import static dev.signals.e2e.ExactCounts.brokenChains;
import static dev.signals.e2e.ExactCounts.histogram;
import static dev.signals.e2e.ExactCounts.latestCounts;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.signals.kafka.SignalJson;
import dev.signals.model.Signal;
import dev.signals.model.ToSignal;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Kafka in and out with a real broker (scripts/kafka.sh), on the runner of the matrix: signals
 * produced to a topic are counted from it and the reports written to another, where a
 * {@code read_committed} consumer finds every device's last count equal to the histogram of the
 * device function; records that are not signals are counted, logged and dead-lettered; bad
 * topics, brokers and script uses get one line and exit 2.
 */
class KafkaIT {
  private static final String RUNNER_ARGS = System.getProperty("it.runnerArgs", "");
  private static final int NUM_DEVICES = 10;

  @Test
  void countsSignalsReadFromKafkaAndWritesEveryReportToKafka() throws Exception {
    long n = 6_000;
    String in = TestKafka.newTopic("it-signals", 4);
    String out = TestKafka.newTopic("it-counts", 4);
    TestKafka.produceSignals(in, n, NUM_DEVICES, 0);
    Map<Integer, Long> expected = histogram(n, NUM_DEVICES);

    List<TestKafka.Read> reports;
    LaunchedProgram program;
    try (LaunchedProgram.Running running = LaunchedProgram.start(LaunchedProgram.command(
        "--source=kafka", "--inputTopic=" + in, "--sink=kafka", "--outputTopic=" + out,
        "--output=jsonl", "--triggerIntervalSeconds=2"))) {
      reports = TestKafka.readCommitted(out, read -> !running.process().isAlive()
          || latestCounts(List.of(TestKafka.values(read))).equals(expected), 240);
      awaitTotal(List.of(), running, n, 60); // the console may come after Kafka
      running.process().destroy();
      program = running.await(60);
    }
    List<String> values = TestKafka.values(reports);
    assertThat("last count per device on " + out + "; " + program.diagnostics(),
        latestCounts(List.of(values)), equalTo(expected));
    assertThat("reports on Kafka follow on from each other", brokenChains(values), empty());
    // The console shows the same reports beside Kafka.
    assertThat(latestCounts(List.of(program.stdoutText())), equalTo(expected));
    for (TestKafka.Read report : reports) {
      assertThat("key = device id: " + report, report.value(),
          containsString("\"deviceId\":" + report.key() + ","));
    }
  }

  @Test
  void recordsThatAreNotSignalsAreCountedLoggedAndDeadLettered() throws Exception {
    String in = TestKafka.newTopic("it-mixed", 2);
    String out = TestKafka.newTopic("it-mixed-counts", 2);
    String deadLetters = TestKafka.newTopic("it-dead-letters", 1);
    long n = 1_000;
    int numDevices = 5;
    List<String> bad = List.of(
        "not json", "{\"deviceId\":1,\"value\":2", "[1,2,3]", "",
        "{\"deviceId\":1,\"value\":2}",
        "{\"timestamp\":\"2026-12-03T10:00:00Z\",\"value\":2}",
        "{\"timestamp\":\"yesterday\",\"deviceId\":1,\"value\":2}",
        "{\"timestamp\":1764756000000,\"deviceId\":\"one\",\"value\":2}",
        "{\"timestamp\":1764756000000,\"deviceId\":1,\"value\":2.5}");
    List<String> problems = List.of("NOT_JSON", "NOT_JSON", "NOT_JSON", "NOT_JSON",
        "MISSING_FIELD", "MISSING_FIELD", "WRONG_TYPE", "WRONG_TYPE", "WRONG_TYPE");
    List<String> keys = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (long seq = 0; seq < n; seq++) {
      int device = ToSignal.deviceOf(seq, numDevices);
      keys.add(String.valueOf(device));
      values.add(SignalJson.format(new Signal(Instant.now(), device, seq % 10)));
      if (seq % 100 == 50 && seq / 100 < bad.size()) {
        String record = bad.get((int) (seq / 100));
        keys.add(seq / 100 % 2 == 0 ? null : "bad"); // records without a key, too
        values.add(record.isEmpty() ? null : record); // "": a record without a value
      }
    }
    TestKafka.produceValues(in, keys, values);
    Map<Integer, Long> expected = histogram(n, numDevices);

    LaunchedProgram program;
    List<TestKafka.Read> dead;
    try (LaunchedProgram.Running running = LaunchedProgram.start(LaunchedProgram.command(
        "--source=kafka", "--inputTopic=" + in, "--sink=kafka", "--outputTopic=" + out,
        "--deadLetterTopic=" + deadLetters, "--output=jsonl", "--triggerIntervalSeconds=2"))) {
      TestKafka.readCommitted(out, read -> !running.process().isAlive()
          || latestCounts(List.of(TestKafka.values(read))).equals(expected), 240);
      dead = TestKafka.readCommitted(deadLetters, read -> !running.process().isAlive()
          || read.size() >= bad.size(), 60);
      awaitTotal(List.of(), running, n, 60); // the console may come after Kafka
      running.process().destroy();
      program = running.await(60);
    }
    assertThat(program.diagnostics(), latestCounts(List.of(program.stdoutText())), equalTo(expected));
    assertThat("dead letters: the bad records as they were", dead.stream().map(r -> r.value() == null ? "" : r.value()).toList(),
        containsInAnyOrder(bad.toArray()));
    for (TestKafka.Read letter : dead) {
      int which = bad.indexOf(letter.value() == null ? "" : letter.value());
      assertThat("problem header of " + letter, letter.headers().get("problem"), equalTo(problems.get(which)));
      assertThat("source header of " + letter, letter.headers().get("source"), startsWith(in + "/"));
    }
    // Logged once per problem, with where it was (one JVM: the local runners run in this one).
    for (String problem : List.of("not a JSON object", "a field is missing", "a field has the wrong type")) {
      assertThat(problem + ": " + program.diagnostics(), program.stderr.stream()
          .filter(line -> line.contains("Malformed signal at " + in + "/") && line.contains(problem)).toList(),
          hasSize(1));
    }
  }

  /**
   * {@code --startingOffsets=latest}: the signals on the topic before the start are skipped, those
   * produced after it counted. Until the reader has taken its position a record can fall either
   * way, so markers of a device of their own are produced until one is reported.
   */
  @Test
  void startingOffsetsLatestSkipsWhatWasThereAndCountsWhatComesAfter() throws Exception {
    String in = TestKafka.newTopic("it-latest", 1);
    TestKafka.produceSignals(in, 500, NUM_DEVICES, 0); // there before the start: skipped
    long n = 2_000;
    int markerDevice = 99;
    Map<Integer, Long> counted;
    LaunchedProgram program;
    try (LaunchedProgram.Running running = LaunchedProgram.start(LaunchedProgram.command(
        "--source=kafka", "--inputTopic=" + in, "--startingOffsets=latest", "--output=jsonl",
        "--triggerIntervalSeconds=2"))) {
      long deadline = System.currentTimeMillis() + 180_000;
      while (!latestCounts(List.of(running.stdoutTextSoFar())).containsKey(markerDevice)) {
        assertThat("no marker reported within 180 s: " + String.join("\n", running.stderrSoFar()),
            running.process().isAlive() && System.currentTimeMillis() < deadline, equalTo(true));
        TestKafka.produceValues(in, List.of(String.valueOf(markerDevice)),
            List.of(SignalJson.format(new Signal(Instant.now(), markerDevice, 0))));
        Thread.sleep(1_000);
      }
      TestKafka.produceSignals(in, n, NUM_DEVICES, 0); // after the start: counted
      Map<Integer, Long> expected = histogram(n, NUM_DEVICES);
      long until = System.currentTimeMillis() + 120_000;
      while (!withoutMarkers(running.stdoutTextSoFar(), markerDevice).equals(expected)
          && running.process().isAlive() && System.currentTimeMillis() < until) {
        Thread.sleep(500);
      }
      Thread.sleep(5_000); // two more ticks: anything read twice or late would show
      running.process().destroy();
      program = running.await(60);
      counted = withoutMarkers(program.stdoutText(), markerDevice);
    }
    assertThat(program.diagnostics(), counted, equalTo(histogram(n, NUM_DEVICES)));
  }

  private static Map<Integer, Long> withoutMarkers(List<String> output, int markerDevice) {
    Map<Integer, Long> counts = new java.util.HashMap<>(latestCounts(List.of(output)));
    counts.remove(markerDevice);
    return counts;
  }

  /** Checked before anything starts, whatever the runner: so only with the DirectRunner here. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--inputTopic=no-such-topic                          | topic 'no-such-topic' does not exist at 127.0.0.1:9092; create it",
      "--bootstrapServers=127.0.0.1:1                       | no Kafka broker answered at 127.0.0.1:1 within 15 s; start one",
      "--bootstrapServers=localhost                         | --bootstrapServers=localhost is not valid; it takes host:port",
      "--deadLetterTopic=no-such-dead-letters               | topic 'no-such-dead-letters' does not exist"})
  void aMissingTopicOrBrokerIsOneLineAndExit2(String option, String says) throws Exception {
    assumeTrue(RUNNER_ARGS.contains("DirectRunner"), "runner-independent; run with the DirectRunner");
    TestKafka.ensureBroker();
    String in = option.startsWith("--inputTopic=") ? option : "--inputTopic=" + TestKafka.newTopic("it-present", 1);
    LaunchedProgram program = option.equals(in)
        ? LaunchedProgram.run(60, "--source=kafka", in)
        : LaunchedProgram.run(60, "--source=kafka", in, option);
    assertThat(program.diagnostics(), program.exitCode, equalTo(2));
    assertThat(program.diagnostics(), program.stderr, hasSize(1));
    assertThat(program.stderr.get(0), startsWith("error: " + says));
    assertThat(program.stdout, empty());
  }

  @Test
  void moreSinkShardsThanTheOutputTopicHasPartitionsIsOneLineAndExit2() throws Exception {
    assumeTrue(RUNNER_ARGS.contains("DirectRunner"), "runner-independent; run with the DirectRunner");
    TestKafka.ensureBroker();
    String out = TestKafka.newTopic("it-two-partitions", 2);
    LaunchedProgram program = LaunchedProgram.run(60, "--sink=kafka", "--outputTopic=" + out, "--sinkShards=3");
    assertThat(program.diagnostics(), program.exitCode, equalTo(2));
    assertThat(program.diagnostics(), program.stderr, hasSize(1));
    assertThat(program.stderr.get(0), startsWith("error: --sinkShards=3 needs topic '" + out
        + "' to have at least 3 partitions, and it has 2"));
    assertThat(program.stdout, empty());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "start                                   | error: the Kafka broker is already running; stop it first",
      "stop --now                              | error: stop takes nothing or --wipe",
      "create-topic lonely                     | error: create-topic needs a name and a number of partitions",
      "create-topic bad/name 2                 | error: topic name 'bad/name' is not valid",
      "create-topic some-topic many            | error: --partitions=many is not valid",
      "produce --numEvents=5 --numDevices=2    | error: missing --topic=",
      "produce --topic=no-such --numEvents=5 --numDevices=2 | error: topic 'no-such' does not exist",
      "produce --topic=t --numEvents=five --numDevices=2    | error: --numEvents=five is not valid",
      "consume --topic=t --idle=3              | error: unexpected argument '--idle=3'",
      "consume --topic=t --bootstrapServers=127.0.0.1:1 | error: no Kafka broker answered at 127.0.0.1:1",
      "restart                                 | error: usage: scripts/kafka.sh start"})
  void theBrokerScriptsBadUsesAreOneLineAndExit2(String arguments, String says) throws Exception {
    assumeTrue(RUNNER_ARGS.contains("DirectRunner"), "runner-independent; run with the DirectRunner");
    TestKafka.ensureBroker();
    assumeTrue(!arguments.equals("start") || TestKafka.startedByOurScript(),
        "the broker on 9092 is not this checkout's, so 'start' says the port is taken instead");
    List<String> command = new ArrayList<>(List.of(TestKafka.script()));
    command.addAll(List.of(arguments.split(" ")));
    // The first tool use may build the program first (a clean clone): minutes, not seconds.
    LaunchedProgram run = LaunchedProgram.start(command).await(600);
    List<String> errors = run.stderr.stream().filter(line -> line.startsWith("error:")).toList();
    assertThat(run.diagnostics(), run.exitCode, equalTo(2));
    assertThat(run.diagnostics(), errors, hasSize(1));
    assertThat(errors.get(0), startsWith(says));
  }

  /** Another broker's port taken: a second installation of ours cannot start on it. */
  @Test
  void aBrokerStartOnATakenPortIsOneLineAndExit2() throws Exception {
    assumeTrue(RUNNER_ARGS.contains("DirectRunner"), "runner-independent; run with the DirectRunner");
    TestKafka.ensureBroker();
    ProcessBuilder start = new ProcessBuilder(TestKafka.script(), "start");
    start.environment().put("SIGNALS_CLUSTERS_DIR", Files.createTempDirectory("other-clusters").toString());
    LaunchedProgram run = LaunchedProgram.start(start).await(60);
    assertThat(run.diagnostics(), run.exitCode, equalTo(2));
    assertThat(run.stderr.get(run.stderr.size() - 1), startsWith("error: port 9092 on 127.0.0.1 is taken"));
  }
}
