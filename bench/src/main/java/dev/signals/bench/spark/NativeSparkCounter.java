package dev.signals.bench.spark;

import dev.signals.bench.BenchArgs;
import dev.signals.bench.EventsCounted;
import dev.signals.bench.Signal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.api.java.function.FlatMapGroupsWithStateFunction;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.GroupState;
import org.apache.spark.sql.streaming.GroupStateTimeout;
import org.apache.spark.sql.streaming.OutputMode;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;

/**
 * The benchmark's native Spark baseline: Spark's own {@code flatMapGroupsWithState} demo on
 * Structured Streaming 3.5, per element, in {@code local[2]}: rate source, {@code map} to
 * {@code Signal}, {@code groupByKey(deviceId)}, a running count in {@code GroupState}, a 10 s
 * processing-time trigger.
 *
 * <pre>java --add-opens... dev.signals.bench.spark.NativeSparkCounter --numDevices=N
 *     --runSeconds=S --rowsPerBatch=R</pre>
 *
 * <p>The source is {@code rate-micro-batch} with a fixed {@code --rowsPerBatch}, not {@code rate}:
 * the {@code rate} source hands each batch every row due since the previous one at
 * {@code rowsPerSecond}, so a rate above what the query keeps up with makes each batch longer
 * than the last, without end. A batch of a fixed size that takes at least the trigger interval
 * keeps Spark busy all the time (the next batch starts at once), which is as unthrottled as a
 * rate source gets; {@code scripts/bench.sh} sizes it per device count.
 *
 * <p>A report's tick is the batch's timestamp ({@code GroupState.getCurrentProcessingTimeMs}):
 * on the 10 s grid while batches keep up, the batch's start when they do not.
 */
public class NativeSparkCounter {

  public static void main(String[] args) throws Exception {
    BenchArgs options = new BenchArgs(args);
    int numDevices = options.numDevices();
    Path checkpoints = Files.createTempDirectory("native-spark-checkpoints");
    SparkSession spark = SparkSession.builder()
        .appName("native-spark-device-counter")
        .master("local[2]")
        // One state partition per core: the default 200 would run 200 tiny state-store tasks
        // per batch on 2 cores (Spark's tuning guide: size partitions to the cores).
        .config("spark.sql.shuffle.partitions", 2)
        .config("spark.ui.enabled", false)
        .getOrCreate();

    Dataset<Row> rows = spark.readStream()
        .format("rate-micro-batch")
        .option("rowsPerBatch", options.longValue("rowsPerBatch", 20_000_000))
        .option("numPartitions", 2)
        .load();

    Dataset<Signal> signals = rows.map(
        (MapFunction<Row, Signal>) row ->
            Signal.of(row.getTimestamp(0).getTime(), row.getLong(1), numDevices),
        Encoders.bean(Signal.class));

    Dataset<EventsCounted> counts = signals
        .groupByKey((MapFunction<Signal, Integer>) Signal::getDeviceId, Encoders.INT())
        .flatMapGroupsWithState(
            new CountPerDevice(), OutputMode.Update(), Encoders.LONG(),
            Encoders.bean(EventsCounted.class), GroupStateTimeout.NoTimeout());

    StreamingQuery query = counts.writeStream()
        .outputMode(OutputMode.Update())
        .trigger(Trigger.ProcessingTime(options.triggerIntervalMillis()))
        .option("checkpointLocation", checkpoints.toString())
        .foreachBatch((VoidFunction2<Dataset<EventsCounted>, Long>) (batch, batchId) ->
            batch.foreachPartition((ForeachPartitionFunction<EventsCounted>) reports -> {
              while (reports.hasNext()) {
                System.out.println(reports.next().toJson());
              }
            }))
        .start();

    options.awaitEnd();
    System.out.flush();
    try (var files = Files.walk(checkpoints)) { // best effort: the query is still running
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    // Stopping a local[2] query and context can take long; a benchmark needs neither.
    Runtime.getRuntime().halt(0);
  }

  /**
   * A device's running count: added to per signal in the batch, reported once per batch in
   * which the device had signals (like the Beam pipeline, which reports a device at a tick only
   * if it spoke since its last report).
   */
  static class CountPerDevice
      implements FlatMapGroupsWithStateFunction<Integer, Signal, Long, EventsCounted> {
    @Override
    public Iterator<EventsCounted> call(Integer deviceId, Iterator<Signal> signals, GroupState<Long> state) {
      long count = state.exists() ? state.get() : 0;
      while (signals.hasNext()) {
        signals.next();
        count++;
      }
      state.update(count);
      return Collections.singletonList(
          new EventsCounted(state.getCurrentProcessingTimeMs(), deviceId, count)).iterator();
    }
  }
}
