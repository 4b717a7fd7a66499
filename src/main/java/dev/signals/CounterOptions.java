package dev.signals;

import dev.signals.console.ConsoleSink.OutputFormat;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Hidden;
import org.apache.beam.sdk.options.StreamingOptions;

/** The program's options; {@code --help} prints them with these descriptions and defaults. */
public interface CounterOptions extends StreamingOptions {

  @Description("Signals emitted per second by the rate source; 0 = as fast as possible (benchmarks).")
  @Default.Long(1)
  long getRowsPerSecond();

  void setRowsPerSecond(long value);

  @Description("Number of devices the signals are spread over (deviceId in [0, numDevices)).")
  @Default.Integer(10)
  int getNumDevices();

  void setNumDevices(int value);

  @Description("Seconds between ticks; a device that received signals reports its count at each "
      + "tick, like Spark's Trigger.ProcessingTime; see --tickAlignment for where ticks fall.")
  @Default.Integer(10)
  int getTriggerIntervalSeconds();

  void setTriggerIntervalSeconds(int value);

  @Description("Where ticks fall: 'launch' (every interval from the program's launch, rounded up "
      + "to the whole second, so the first report comes one interval after launch) or 'clock' (on "
      + "multiples of the interval since the epoch, ...:00, ...:10, as Spark's trigger aligns its "
      + "batches; the first report then comes 0 to 1 interval after start-up).")
  @Default.Enum("launch")
  TickAlignment getTickAlignment();

  void setTickAlignment(TickAlignment value);

  /** Values of {@code --tickAlignment}. */
  enum TickAlignment {
    launch,
    clock
  }

  @Description("What counts the signals: 'counter' (a stateful DoFn tuned for counting) or "
      + "'groupstate' (the seed's own countValuesPerDevice function, run by the generic GroupState "
      + "transform, dev.signals.groupstate.GroupsWithState). Both print the same reports.")
  @Default.Enum("counter")
  Aggregation getAggregation();

  void setAggregation(Aggregation value);

  /** Values of {@code --aggregation}. */
  enum Aggregation {
    counter,
    groupstate
  }

  /** The shards of --aggregation=groupstate when --groupStateShards is not given. */
  int DEFAULT_GROUPSTATE_SHARDS = 64;

  @Description("With --aggregation=groupstate: keep the devices in this many shards, each one "
      + "key of the runner's with one state cell and one timer (GroupsWithState.withKeyShards); "
      + "64 by default; 0: one key, state and timer per device.")
  Integer getGroupStateShards();

  void setGroupStateShards(Integer value);

  @Description("With --aggregation=groupstate: print what the seed's function prints at each "
      + "call (Device: 3, Signals (2):, 0. Signal(...), State: ...), on stderr.")
  @Default.Boolean(false)
  boolean getShowSignals();

  void setShowSignals(boolean value);

  @Description("Console format on stdout: 'table' (one table per tick, like Spark's console sink) "
      + "or 'jsonl' (one JSON object per report).")
  @Default.Enum("table")
  OutputFormat getOutput();

  void setOutput(OutputFormat value);

  @Description("Forget a device silent for this many seconds: it is reported as expired at the "
      + "next tick and counts from zero if it speaks again, like Spark's "
      + "GroupStateTimeout.ProcessingTimeTimeout; 0 = never.")
  @Default.Integer(0)
  int getDeviceTimeoutSeconds();

  void setDeviceTimeoutSeconds(int value);

  @Description("Count exactly the signals 0..N-1, print every device's final count once, and "
      + "exit, like Spark's Trigger.AvailableNow; 0 = an endless stream. Combine with "
      + "--rowsPerSecond=0 to read them as fast as possible.")
  @Default.Long(0)
  long getNumEvents();

  void setNumEvents(long value);

  @Description("Where signals come from: 'rate' (Spark's rate source: --rowsPerSecond, "
      + "--numDevices, --numEvents) or 'kafka' (JSON signals from --inputTopic at "
      + "--bootstrapServers; see docs/kafka.md).")
  @Default.Enum("rate")
  SignalSource getSource();

  void setSource(SignalSource value);

  /** Values of {@code --source}. */
  enum SignalSource {
    rate,
    kafka
  }

  @Description("Where reports go besides the console: 'console' (nowhere else) or 'kafka' "
      + "(--outputTopic, key the device id, value the report as --output=jsonl prints it; exactly "
      + "once on Flink with checkpoints, at least once elsewhere).")
  @Default.Enum("console")
  ReportSink getSink();

  void setSink(ReportSink value);

  /** Values of {@code --sink}. */
  enum ReportSink {
    console,
    kafka
  }

  @Description("The Kafka broker(s), host:port[,host:port...], for --source=kafka and --sink=kafka.")
  @Default.String("127.0.0.1:9092")
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description("The topic --source=kafka reads signals from.")
  @Default.String("signals")
  String getInputTopic();

  void setInputTopic(String value);

  @Description("Where --source=kafka starts reading a partition for which the job has no "
      + "checkpoint and its consumer group (named by --jobName) no committed offset: 'earliest' "
      + "or 'latest'.")
  @Default.Enum("earliest")
  StartingOffsets getStartingOffsets();

  void setStartingOffsets(StartingOffsets value);

  /** Values of {@code --startingOffsets}. */
  enum StartingOffsets {
    earliest,
    latest
  }

  @Description("Where --source=kafka copies records that are not signals (with headers saying "
      + "why and where from); empty = nowhere (they are counted and logged either way).")
  @Default.String("")
  String getDeadLetterTopic();

  void setDeadLetterTopic(String value);

  @Description("The topic --sink=kafka writes reports to.")
  @Default.String("counts")
  String getOutputTopic();

  void setOutputTopic(String value);

  @Description("The exactly-once Kafka sink's group id (Flink with checkpoints): new for a "
      + "fresh job, the same when it is restored; scripts/run.sh and submit-flink.sh keep it in "
      + "the --checkpointDir. Empty = a new one per launch.")
  @Default.String("")
  String getSinkGroupId();

  void setSinkGroupId(String value);

  @Description("The exactly-once Kafka sink (Flink with checkpoints): how many transactional "
      + "producers write the reports, each device's reports through one of them, in order; at "
      + "most the output topic's partitions. A restore needs the same number: scripts/run.sh and "
      + "submit-flink.sh keep it in the --checkpointDir.")
  @Default.Integer(1)
  int getSinkShards();

  void setSinkShards(int value);

  @Description("Stop after this many seconds and exit 0; 0 = run until interrupted (Ctrl-C).")
  @Default.Long(0)
  long getRunSeconds();

  void setRunSeconds(long value);

  @Description("Exit as soon as the runner has handed the job to a cluster, and leave it running "
      + "there (stop it with the cluster's tools), like 'flink run -d'. For a Flink cluster "
      + "together with --attachedMode=false; scripts/submit-flink.sh passes both.")
  @Default.Boolean(false)
  boolean getDetached();

  void setDetached(boolean value);

  // Switches for the fault tests (FaultToleranceIT, KafkaExactlyOnceIT), hidden from --help.

  @Hidden
  @Description("Test only: count the signals below this seq and drop the rest, while the stream "
      + "goes on, so that the exact final counts are known; 0 = off.")
  @Default.Long(0)
  long getTestCountSeqsBelow();

  void setTestCountSeqsBelow(long value);

  @Hidden
  @Description("Test only: throw once per JVM when the signal with this seq is read, to see the "
      + "job recover from its last checkpoint by itself; -1 = off.")
  @Default.Long(-1)
  long getTestFailOnceAtSeq();

  void setTestFailOnceAtSeq(long value);

  @Hidden
  @Description("Test only: halt the JVM (as kill -9 would) right after the exactly-once Kafka "
      + "sink's first committed transaction, before a checkpoint holds it.")
  @Default.Boolean(false)
  boolean getTestHaltAfterFirstKafkaCommit();

  void setTestHaltAfterFirstKafkaCommit(boolean value);
}
