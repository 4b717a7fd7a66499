package dev.signals.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signals.CounterOptions;
import dev.signals.cli.CommandLine.BadOptionException;
import dev.signals.console.ConsoleSink.OutputFormat;
import dev.signals.e2e.LaunchedProgram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandLineTest {

  @Test
  void defaultsAreThoseOfSparksDemo() throws Exception {
    CounterOptions options = CommandLine.parse(new String[0]);
    assertThat(options.getRowsPerSecond(), equalTo(1L));
    assertThat(options.getNumDevices(), equalTo(10));
    assertThat(options.getTriggerIntervalSeconds(), equalTo(10));
    assertThat(options.getOutput(), equalTo(OutputFormat.table));
    assertThat(options.getRunSeconds(), equalTo(0L));
  }

  @Test
  void acceptsEveryOptionItDocuments() throws Exception {
    CounterOptions options = CommandLine.parse(new String[] {"--rowsPerSecond=0", "--numDevices=1",
        "--triggerIntervalSeconds=1", "--output=jsonl", "--runSeconds=5"});
    assertThat(options.getRowsPerSecond(), equalTo(0L));
    assertThat(options.getNumDevices(), equalTo(1));
    assertThat(options.getTriggerIntervalSeconds(), equalTo(1));
    assertThat(options.getOutput(), equalTo(OutputFormat.jsonl));
    assertThat(options.getRunSeconds(), equalTo(5L));
  }

  /** Each bad input, and the words its message must contain: the option and what it accepts. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--rowsPerSecond=-1          | --rowsPerSecond   | 0 (unthrottled) or more",
      "--rowsPerSecond=fast        | --rowsPerSecond   | a whole number, 0 or more",
      "--numDevices=0              | --numDevices      | 1 or more",
      "--numDevices=ten            | --numDevices      | a whole number, 1 or more",
      "--triggerIntervalSeconds=0  | --triggerIntervalSeconds | 1 or more",
      "--output=xml                | --output=xml      | table or jsonl",
      "--tickAlignment=hour        | --tickAlignment=hour | launch or clock",
      "--detached=maybe            | --detached=maybe  | true or false",
      "--runSeconds=-3             | --runSeconds      | 0 (run until interrupted) or more",
      "--numEvents=-5              | --numEvents       | 0 (an endless stream) or more",
      "--deviceTimeoutSeconds=-1   | --deviceTimeoutSeconds | 0 (never) or more",
      "--aggregation=spark         | --aggregation=spark | counter or groupstate",
      "--showSignals=true          | --showSignals     | needs --aggregation=groupstate",
      "--groupStateShards=8        | --groupStateShards | needs --aggregation=groupstate",
      "--groupStateShards=-1       | --groupStateShards | 0 (a key per device) or more",
      "--sinkShards=0              | --sinkShards      | 1 or more",
      "--sinkShards=2              | --sinkShards      | needs --sink=kafka",
      "--source=file               | --source=file     | rate or kafka",
      "--sink=s3                   | --sink=s3         | console or kafka",
      "--startingOffsets=middle    | --startingOffsets=middle | earliest or latest",
      "--colour=blue               | unknown option --colour | --aggregation, --bootstrapServers, --deadLetterTopic, --detached, --deviceTimeoutSeconds, --groupStateShards, --inputTopic, --numDevices, --numEvents, --output, --outputTopic, --rowsPerSecond, --runSeconds, --showSignals, --sink, --sinkGroupId, --sinkShards, --source, --startingOffsets, --tickAlignment, --triggerIntervalSeconds",
  })
  void badInputIsExplainedInOneSentence(String arg, String namesOption, String namesAccepted) {
    assertExplained(new String[] {arg}, namesOption, namesAccepted);
  }

  @Test
  void groupStateKeepsTheDevicesIn64ShardsUnlessTold() throws Exception {
    assertThat(CommandLine.parse(new String[] {"--aggregation=groupstate"}).getGroupStateShards(), equalTo(64));
    assertThat(CommandLine.parse(new String[] {"--aggregation=groupstate", "--groupStateShards=0"})
        .getGroupStateShards(), equalTo(0));
    assertThat(CommandLine.parse(new String[0]).getGroupStateShards(), equalTo(0));
    assertThat(CommandLine.parse(new String[] {"--groupStateShards=0"}).getGroupStateShards(), equalTo(0));
  }

  @Test
  void aDeviceTimeoutInABoundedGroupStateRunIsExplained() {
    assertExplained(new String[] {"--aggregation=groupstate", "--numEvents=10", "--deviceTimeoutSeconds=3"},
        "--deviceTimeoutSeconds", "drop --deviceTimeoutSeconds or --numEvents");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--source=kafka --numEvents=100          | --numEvents bounds the rate source | drop --numEvents",
      "--source=kafka --inputTopic=            | --source=kafka needs --inputTopic | the topic of the signals",
      "--sink=kafka --outputTopic=             | --sink=kafka needs --outputTopic | the topic for the reports",
      "--source=kafka --deadLetterTopic=signals | --deadLetterTopic must differ from --inputTopic | name another topic",
      "--source=kafka --sink=kafka --outputTopic=signals | --outputTopic must differ from --inputTopic | name another topic",
      "--sink=kafka --deadLetterTopic=counts   | --deadLetterTopic must differ from --outputTopic | name another topic",
      "--sink=kafka --bootstrapServers=9092    | --bootstrapServers=9092 is not valid | host:port[,host:port...]"})
  void kafkaOptionsThatCannotWorkTogetherAreExplained(String args, String namesOption, String namesFix) {
    assertExplained(args.trim().split(" "), namesOption, namesFix);
  }

  private static void assertExplained(String[] args, String namesOption, String namesAccepted) {
    BadOptionException bad = assertThrows(BadOptionException.class, () -> CommandLine.parse(args));
    assertThat(bad.getMessage(), containsString(namesOption));
    assertThat(bad.getMessage(), containsString(namesAccepted));
  }

  @Test
  void aDetachedJobCannotBeStoppedAfterSomeSeconds() {
    BadOptionException bad = assertThrows(BadOptionException.class,
        () -> CommandLine.parse(new String[] {"--detached", "--runSeconds=30"}));
    assertThat(bad.getMessage(), containsString("--runSeconds cannot stop a --detached job"));
  }

  /** The same inputs given to the real program: one line on stderr, exit code 2, no stack trace. */
  @ParameterizedTest
  @CsvSource({"--rowsPerSecond=-1", "--numDevices=0", "--triggerIntervalSeconds=0", "--output=xml",
      "--colour=blue", "--numDevices=ten", "--numEvents=-5", "--runSeconds=-3"})
  void theProgramExitsWithCode2AndOneLine(String arg) throws Exception {
    LaunchedProgram program = LaunchedProgram.run(60, arg);
    assertThat(program.diagnostics(), program.exitCode, equalTo(2));
    assertThat(program.diagnostics(), program.stderr, hasSize(1));
    assertThat(program.stderr.get(0), startsWith("error: "));
    assertThat(program.stdout, hasSize(0));
  }

  @Test
  void helpListsTheOptionsWithTheirDefaultsAndExitsZero() throws Exception {
    LaunchedProgram program = LaunchedProgram.run(60, "--help");
    String help = String.join("\n", program.stdoutText());
    assertThat(program.diagnostics(), program.exitCode, equalTo(0));
    for (String option : new String[] {"--rowsPerSecond=<long>", "--numDevices=<int>",
        "--triggerIntervalSeconds=<int>", "--output=<table | jsonl>", "--numEvents=<long>",
        "--deviceTimeoutSeconds=<int>",
        "--runSeconds=<long>"}) {
      assertThat(help, containsString(option));
    }
  }
}
