package dev.signals.bench.flink;

import dev.signals.bench.BenchArgs;
import dev.signals.bench.EventsCounted;
import dev.signals.bench.Signal;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.util.Collector;

/**
 * The benchmark's native Flink baseline: the device signal counter written directly on Flink
 * 1.19's DataStream API, per element, as Flink's documentation teaches it (a
 * {@code KeyedProcessFunction} with a {@code ValueState} and processing-time timers), with
 * Flink's default configuration in a local mini-cluster (parallelism = cores).
 *
 * <pre>java ... dev.signals.bench.flink.NativeFlinkCounter --numDevices=N --runSeconds=S
 *     [--stateBackend=rocksdb --rocksDbDir=DIR]</pre>
 *
 * State lives on the heap (Flink's default, the hashmap backend) unless {@code
 * --stateBackend=rocksdb}, which keeps it in RocksDB under {@code --rocksDbDir} (with its timers,
 * Flink's default for that backend; incremental checkpoints, were there any), as the Beam
 * pipeline's {@code --stateBackend=rocksdb} does.
 *
 * Prints one JSON line per device and tick, as the Beam pipeline's {@code --output=jsonl} does.
 */
public class NativeFlinkCounter {

  public static void main(String[] args) throws Exception {
    BenchArgs options = new BenchArgs(args);
    String stateBackend = options.stringValue("stateBackend", "hashmap");
    boolean rocksDb = switch (stateBackend) {
      case "hashmap" -> false;
      case "rocksdb" -> true;
      default -> throw new IllegalArgumentException("--stateBackend takes hashmap or rocksdb, got " + stateBackend);
    };
    Configuration configuration = new Configuration();
    if (rocksDb) {
      // RocksDB's memory is Flink's managed memory. Beam's [local] mode sizes it as a fraction
      // of the free heap (FlinkExecutionEnvironments.setManagedMemoryByFraction), far above the
      // mini-cluster's default of 128 MB; give the baseline the same, or it runs RocksDB with a
      // smaller cache than Beam's.
      configuration.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse(
          (long) (EnvironmentInformation.getSizeOfFreeHeapMemoryWithDefrag()
              * configuration.get(TaskManagerOptions.MANAGED_MEMORY_FRACTION)) + "b"));
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration);
    env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
    if (rocksDb) {
      EmbeddedRocksDBStateBackend backend = new EmbeddedRocksDBStateBackend(true);
      backend.setDbStoragePath(options.stringValue("rocksDbDir", System.getProperty("java.io.tmpdir")));
      env.setStateBackend(backend);
    }

    // An endless sequence 0, 1, 2, ... split over the source's subtasks (like an unthrottled
    // rate source; Long.MAX_VALUE is never reached).
    env.fromSequence(0, Long.MAX_VALUE)
        .name("Sequence")
        .map(new ToSignal(options.numDevices()))
        .name("ToSignal")
        .keyBy(Signal::getDeviceId, Types.INT)
        .process(new CountPerDevice(options.triggerIntervalMillis()))
        .name("CountPerDevice")
        .addSink(new PrintJsonLines())
        .name("PrintJsonLines");

    JobClient job = env.executeAsync("native-flink-device-counter");
    options.awaitEnd();
    job.cancel().get();
    System.out.flush();
    // The mini-cluster's shutdown hooks add nothing to a benchmark; do not wait for them.
    Runtime.getRuntime().halt(0);
  }

  /** Sequence number to Signal: the same device and value as the Beam pipeline's ToSignal. */
  static class ToSignal implements MapFunction<Long, Signal> {
    private final int numDevices;

    ToSignal(int numDevices) {
      this.numDevices = numDevices;
    }

    @Override
    public Signal map(Long seq) {
      return Signal.of(System.currentTimeMillis(), seq, numDevices);
    }
  }

  /**
   * Counts each device's signals in keyed state and reports the running count at the next tick
   * (a multiple of the interval on the wall clock). Registering the tick's timer on every
   * element is how Flink's docs do it: timers are deduplicated per key and timestamp, so a device
   * gets one timer per tick, and only while it receives signals.
   */
  static class CountPerDevice extends KeyedProcessFunction<Integer, Signal, EventsCounted> {
    private final long intervalMillis;
    private transient ValueState<Long> count;

    CountPerDevice(long intervalMillis) {
      this.intervalMillis = intervalMillis;
    }

    @Override
    public void open(OpenContext context) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
    }

    @Override
    public void processElement(Signal signal, Context context, Collector<EventsCounted> out)
        throws Exception {
      Long current = count.value();
      count.update(current == null ? 1 : current + 1);
      long now = context.timerService().currentProcessingTime();
      context.timerService().registerProcessingTimeTimer((now / intervalMillis + 1) * intervalMillis);
    }

    @Override
    public void onTimer(long tick, OnTimerContext context, Collector<EventsCounted> out)
        throws Exception {
      out.collect(new EventsCounted(tick, context.getCurrentKey(), count.value()));
    }
  }

  /** Each report as a JSON line on stdout (print() would prefix the subtask's number). */
  static class PrintJsonLines implements SinkFunction<EventsCounted> {
    @Override
    public void invoke(EventsCounted counted, Context context) {
      System.out.println(counted.toJson());
    }
  }
}
