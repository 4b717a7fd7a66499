package dev.signals.cli;

import dev.signals.CounterOptions;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Turns the command line into {@link CounterOptions}, or into one line on stderr that names the
 * bad option and what it accepts, and exit code 2. No stack trace reaches the user.
 */
public final class CommandLine {
  public static final int EXIT_BAD_INPUT = 2;

  /** Our options (not Beam's or a runner's; not the hidden test switches), sorted by name. */
  private static final List<String> OUR_OPTIONS = Arrays.stream(CounterOptions.class.getDeclaredMethods())
      .filter(method -> !method.isAnnotationPresent(org.apache.beam.sdk.options.Hidden.class))
      .map(Method::getName)
      .filter(name -> name.startsWith("get"))
      .map(name -> Character.toLowerCase(name.charAt(3)) + name.substring(4))
      .sorted()
      .toList();

  private static final Pattern UNKNOWN_PROPERTY = Pattern.compile("missing a property named '([^']*)'");

  private CommandLine() {}

  /** Thrown for input the program cannot run with; the message is the whole explanation. */
  static final class BadOptionException extends Exception {
    BadOptionException(String message) {
      super(message);
    }
  }

  public static CounterOptions parseOrExit(String[] args) {
    if (Arrays.asList(args).contains("--help")) {
      PipelineOptionsFactory.printHelp(System.out, CounterOptions.class);
      System.exit(0);
    }
    try {
      return parse(args);
    } catch (BadOptionException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(EXIT_BAD_INPUT);
      return null; // not reached
    }
  }

  static CounterOptions parse(String[] args) throws BadOptionException {
    PipelineOptionsFactory.register(CounterOptions.class);
    CounterOptions options;
    try {
      options = PipelineOptionsFactory.fromArgs(args).withValidation().as(CounterOptions.class);
    } catch (IllegalArgumentException e) {
      throw explain(e, args);
    }
    check(options);
    if (options.getGroupStateShards() == null) { // its default depends on --aggregation
      options.setGroupStateShards(options.getAggregation() == CounterOptions.Aggregation.groupstate
          ? CounterOptions.DEFAULT_GROUPSTATE_SHARDS : 0);
    }
    return options;
  }

  private static void check(CounterOptions options) throws BadOptionException {
    if (options.getRowsPerSecond() < 0) {
      throw new BadOptionException("--rowsPerSecond must be 0 (unthrottled) or more, got "
          + options.getRowsPerSecond());
    }
    if (options.getNumDevices() < 1) {
      throw new BadOptionException("--numDevices must be 1 or more, got " + options.getNumDevices());
    }
    if (options.getTriggerIntervalSeconds() < 1) {
      throw new BadOptionException("--triggerIntervalSeconds must be 1 or more, got "
          + options.getTriggerIntervalSeconds());
    }
    if (options.getDeviceTimeoutSeconds() < 0) {
      throw new BadOptionException("--deviceTimeoutSeconds must be 0 (never) or more, got "
          + options.getDeviceTimeoutSeconds());
    }
    if (options.getNumEvents() < 0) {
      throw new BadOptionException("--numEvents must be 0 (an endless stream) or more, got "
          + options.getNumEvents());
    }
    if (options.getRunSeconds() < 0) {
      throw new BadOptionException("--runSeconds must be 0 (run until interrupted) or more, got "
          + options.getRunSeconds());
    }
    if (options.getAggregation() == CounterOptions.Aggregation.groupstate
        && options.getNumEvents() > 0 && options.getDeviceTimeoutSeconds() > 0) {
      throw new BadOptionException("--deviceTimeoutSeconds needs an endless stream with "
          + "--aggregation=groupstate (a bounded run ends with every device's final count, through "
          + "an event-time timeout); drop --deviceTimeoutSeconds or --numEvents");
    }
    boolean groupState = options.getAggregation() == CounterOptions.Aggregation.groupstate;
    Integer shards = options.getGroupStateShards();
    if (shards != null && shards < 0) {
      throw new BadOptionException("--groupStateShards must be 0 (a key per device) or more, got " + shards);
    }
    if (shards != null && shards > 0 && !groupState) {
      throw new BadOptionException("--groupStateShards lays out the GroupState transform's keys; it "
          + "needs --aggregation=groupstate");
    }
    if (options.getShowSignals() && options.getAggregation() != CounterOptions.Aggregation.groupstate) {
      throw new BadOptionException("--showSignals prints the seed's function at work; it needs "
          + "--aggregation=groupstate");
    }
    boolean kafkaSource = options.getSource() == CounterOptions.SignalSource.kafka;
    if (kafkaSource && options.getNumEvents() > 0) {
      throw new BadOptionException("--numEvents bounds the rate source; a Kafka topic is read "
          + "endlessly (stop with --runSeconds or Ctrl-C); drop --numEvents or use --source=rate");
    }
    if (kafkaSource && options.getInputTopic().isBlank()) {
      throw new BadOptionException("--source=kafka needs --inputTopic=NAME, the topic of the signals");
    }
    if (options.getSinkShards() < 1) {
      throw new BadOptionException("--sinkShards must be 1 or more, got " + options.getSinkShards());
    }
    if (options.getSinkShards() > 1 && options.getSink() != CounterOptions.ReportSink.kafka) {
      throw new BadOptionException("--sinkShards sets how many producers write the reports to "
          + "Kafka; it needs --sink=kafka");
    }
    if (options.getSink() == CounterOptions.ReportSink.kafka && options.getOutputTopic().isBlank()) {
      throw new BadOptionException("--sink=kafka needs --outputTopic=NAME, the topic for the reports");
    }
    if (kafkaSource && options.getSink() == CounterOptions.ReportSink.kafka
        && options.getOutputTopic().equals(options.getInputTopic())) {
      throw new BadOptionException("--outputTopic must differ from --inputTopic, or the reports "
          + "would be read back as signals; name another topic");
    }
    if (options.getSink() == CounterOptions.ReportSink.kafka && !options.getDeadLetterTopic().isEmpty()
        && options.getDeadLetterTopic().equals(options.getOutputTopic())) {
      throw new BadOptionException("--deadLetterTopic must differ from --outputTopic, or bad "
          + "records would sit among the reports; name another topic");
    }
    if (kafkaSource && options.getDeadLetterTopic().equals(options.getInputTopic())) {
      throw new BadOptionException("--deadLetterTopic must differ from --inputTopic, or the bad "
          + "records would be read again; name another topic");
    }
    if ((kafkaSource || options.getSink() == CounterOptions.ReportSink.kafka)
        && !options.getBootstrapServers().matches("[^,\\s:]+:\\d+(,[^,\\s:]+:\\d+)*")) {
      throw new BadOptionException("--bootstrapServers=" + options.getBootstrapServers()
          + " is not valid; it takes host:port[,host:port...], e.g. 127.0.0.1:9092");
    }
    Object[] spark = RunnerOptionsByName.read(options, "Spark",
        "org.apache.beam.runners.spark.SparkPipelineOptions",
        "getBatchIntervalMillis", "getMinReadTimeMillis");
    if (spark != null && spark[0] instanceof Number batch && spark[1] instanceof Number minRead
        && minRead.longValue() >= batch.longValue()
        && (options.getNumEvents() == 0 || options.isStreaming())) {
      throw new BadOptionException("--batchIntervalMillis=" + batch
          + " must be longer than --minReadTimeMillis=" + minRead + " (the part of "
          + "each micro-batch Spark's runner spends reading the source); raise "
          + "--batchIntervalMillis or lower --minReadTimeMillis");
    }
    Object[] flink = RunnerOptionsByName.read(options, "Flink",
        "org.apache.beam.runners.flink.FlinkPipelineOptions",
        "getStateBackend", "getStateBackendStoragePath", "getFasterCopy");
    if (flink != null && flink[0] instanceof String backend) {
      if (!backend.equalsIgnoreCase("rocksdb") && !backend.equalsIgnoreCase("filesystem")) {
        throw new BadOptionException("--stateBackend=" + backend + " is not a state backend the "
            + "Flink runner knows; use rocksdb (state on local disk) or filesystem (state on the heap)");
      }
      if (flink[1] == null) {
        throw new BadOptionException("--stateBackend=" + backend + " needs a place for its "
            + "checkpoints: add --checkpointDir=DIR (which also turns checkpoints on), or "
            + "--stateBackendStoragePath=file:///DIR");
      }
    }
    if (flink != null && Boolean.TRUE.equals(flink[2]) && !"rocksdb".equalsIgnoreCase(String.valueOf(flink[0]))
        && options.getAggregation() == CounterOptions.Aggregation.groupstate) {
      throw new BadOptionException("--fasterCopy=true cannot go with --aggregation=groupstate while "
          + "Flink keeps state on the heap: a checkpoint being written would share state objects "
          + "with the job, which goes on changing them, so a restore could stop calling devices "
          + "or count signals twice; drop --fasterCopy=true, or add --stateBackend=rocksdb");
    }
    if (options.getDetached() && options.getRunSeconds() > 0) {
      throw new BadOptionException("--runSeconds cannot stop a --detached job, which runs on after "
          + "this program exits; drop one of them (a detached job is stopped with the cluster's tools)");
    }
  }

  /** Beam says what went wrong in its own words; say it in terms of our options. */
  private static BadOptionException explain(IllegalArgumentException e, String[] args) {
    String beamMessage = String.valueOf(e.getMessage());
    Matcher unknown = UNKNOWN_PROPERTY.matcher(beamMessage);
    if (unknown.find()) {
      return new BadOptionException("unknown option --" + unknown.group(1) + "; the options are "
          + OUR_OPTIONS.stream().map(o -> "--" + o).collect(Collectors.joining(", "))
          + " and the runner's (see --help)");
    }
    for (String option : OUR_OPTIONS) {
      String value = valueOf(option, args);
      if (value != null && beamMessage.contains("\"" + value + "\"")) {
        return new BadOptionException("--" + option + "=" + value + " is not valid; it takes "
            + acceptedValues(option));
      }
    }
    return new BadOptionException(firstLine(beamMessage) + " (see --help)");
  }

  /** What an option takes: read off its type for enums and booleans, by name for numbers. */
  private static String acceptedValues(String option) {
    Class<?> type = typeOf(option);
    if (type.isEnum()) {
      return Arrays.stream(type.getEnumConstants()).map(value -> ((Enum<?>) value).name())
          .collect(Collectors.joining(" or "));
    }
    if (type == boolean.class) {
      return "true or false";
    }
    return switch (option) {
      case "rowsPerSecond", "deviceTimeoutSeconds", "numEvents", "runSeconds", "groupStateShards" -> "a whole number, 0 or more";
      default -> "a whole number, 1 or more";
    };
  }

  private static Class<?> typeOf(String option) {
    String getter = "get" + Character.toUpperCase(option.charAt(0)) + option.substring(1);
    try {
      return CounterOptions.class.getMethod(getter).getReturnType();
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("no getter for our option --" + option, e);
    }
  }

  /** The value given as {@code --option=value}; Beam reads a bare {@code --option} as "true". */
  private static String valueOf(String option, String[] args) {
    String value = null;
    for (String arg : args) {
      if (arg.startsWith("--" + option + "=")) {
        value = arg.substring(option.length() + 3);
      } else if (arg.equals("--" + option)) {
        value = "true";
      }
    }
    return value;
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
