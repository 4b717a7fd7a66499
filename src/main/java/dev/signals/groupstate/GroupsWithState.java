package dev.signals.groupstate;

import dev.signals.groupstate.Arrival.ArrivalCoder;
import dev.signals.groupstate.GroupStateTimeout.Kind;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Collections;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.SerializableFunctions;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Spark's {@code flatMapGroupsWithState} and {@code mapGroupsWithState} on Beam: a function of
 * your own, {@code (key, values, GroupState)}, called per key at every tick of a processing-time
 * trigger, with the values that arrived for the key since its previous call.
 *
 * <pre>{@code
 * PCollection<KV<String, Long>> readings = ...;
 * PCollection<KV<String, Long>> totals = readings.apply(
 *     GroupsWithState.<String, Long, Long, KV<String, Long>>flatMap((key, values, state) -> {
 *           long total = state.getOption().orElse(0L);
 *           while (values.hasNext()) {
 *             total += values.next();
 *           }
 *           state.update(total);
 *           return List.of(KV.of(key, total)).iterator();
 *         })
 *         .triggeredEvery(Duration.standardSeconds(10))   // Trigger.ProcessingTime("10 seconds")
 *         .withStateCoder(VarLongCoder.of())              // a lambda's types are erased
 *         .withOutputCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of())));
 * }</pre>
 *
 * <p>At each tick (every {@link #triggeredEvery interval} from {@link #withTicksFrom the grid's
 * origin}, the same instants for every key), the function is called once for each key that
 * received values since its previous call, with exactly those values, and once for each key
 * whose timeout has passed (with no values and {@link GroupState#hasTimedOut()} true). Other keys
 * are not called. What the function returns is emitted as it returns it. See {@link GroupState}
 * for the state's rules, {@link GroupStateTimeout} for timeouts.
 *
 * <p>Where Beam makes it differ from Spark:
 *
 * <ul>
 *   <li>the transform works in the global window (it re-windows its input into it), as Spark's
 *       operator has no windows;
 *   <li>a key with more than {@link #withMaxPendingValuesPerKey} values waiting is called before
 *       its tick with those values (a call of that tick, made early), so that memory stays
 *       bounded under a fast source;
 *   <li>for a bounded input, every key with values waiting is called once more when the input
 *       ends (then {@link GroupState#getCurrentWatermarkMs()} is the end of time), and event-time
 *       timeouts still set are called then too;
 *   <li>{@link GroupState#getCurrentWatermarkMs()} is a lower bound (Beam shows a step no
 *       watermark);
 *   <li>on the Flink runner with state on the heap, {@code --fasterCopy=true} is refused when the
 *       pipeline is built: with it, a checkpoint being written shares state objects with the job
 *       that goes on changing them.
 * </ul>
 *
 * @param <K> the key
 * @param <V> a value
 * @param <S> the state kept per key
 * @param <R> an output
 */
public final class GroupsWithState<K, V, S, R> extends PTransform<PCollection<KV<K, V>>, PCollection<R>> {
  /** The default of {@link #withMaxPendingValuesPerKey}. */
  public static final long DEFAULT_MAX_PENDING_VALUES_PER_KEY = 10_000;

  private final FlatMapGroupsWithStateFunction<K, V, S, R> fn;
  /** The function as the user gave it, to read its type arguments off (for coders). */
  private final Object userFn;
  private final Class<?> userFnInterface;
  private final Duration triggerInterval;
  private final Instant tickOrigin;
  private final GroupStateTimeout timeout;
  private final Coder<S> stateCoder;
  private final Coder<R> outputCoder;
  private final PCollection<KV<K, S>> initialState;
  private final long maxPendingValuesPerKey;
  /** 0: each key is a key of the runner's; otherwise the keys live in this many shards. */
  private final int keyShards;

  private GroupsWithState(FlatMapGroupsWithStateFunction<K, V, S, R> fn, Object userFn,
      Class<?> userFnInterface, Duration triggerInterval, Instant tickOrigin,
      GroupStateTimeout timeout, Coder<S> stateCoder, Coder<R> outputCoder,
      PCollection<KV<K, S>> initialState, long maxPendingValuesPerKey, int keyShards) {
    this.fn = fn;
    this.userFn = userFn;
    this.userFnInterface = userFnInterface;
    this.triggerInterval = triggerInterval;
    this.tickOrigin = tickOrigin;
    this.timeout = timeout;
    this.stateCoder = stateCoder;
    this.outputCoder = outputCoder;
    this.initialState = initialState;
    this.maxPendingValuesPerKey = maxPendingValuesPerKey;
    this.keyShards = keyShards;
  }

  /** Spark's {@code flatMapGroupsWithState}: each call returns any number of outputs. */
  public static <K, V, S, R> GroupsWithState<K, V, S, R> flatMap(
      FlatMapGroupsWithStateFunction<K, V, S, R> fn) {
    if (fn == null) {
      throw new IllegalArgumentException("fn must not be null");
    }
    return new GroupsWithState<>(fn, fn, FlatMapGroupsWithStateFunction.class, null, new Instant(0),
        GroupStateTimeout.NoTimeout(), null, null, null, DEFAULT_MAX_PENDING_VALUES_PER_KEY, 0);
  }

  /** Spark's {@code mapGroupsWithState}: each call returns exactly one output. */
  public static <K, V, S, R> GroupsWithState<K, V, S, R> map(MapGroupsWithStateFunction<K, V, S, R> fn) {
    if (fn == null) {
      throw new IllegalArgumentException("fn must not be null");
    }
    FlatMapGroupsWithStateFunction<K, V, S, R> oneEach =
        (key, values, state) -> Collections.singletonList(fn.call(key, values, state)).iterator();
    return new GroupsWithState<>(oneEach, fn, MapGroupsWithStateFunction.class, null, new Instant(0),
        GroupStateTimeout.NoTimeout(), null, null, null, DEFAULT_MAX_PENDING_VALUES_PER_KEY, 0);
  }

  /** The processing-time trigger, like Spark's {@code Trigger.ProcessingTime}: required. */
  public GroupsWithState<K, V, S, R> triggeredEvery(Duration interval) {
    if (interval == null || interval.getMillis() < 1) {
      throw new IllegalArgumentException("triggeredEvery needs an interval of 1 ms or more, got " + interval);
    }
    return new GroupsWithState<>(fn, userFn, userFnInterface, interval, tickOrigin, timeout,
        stateCoder, outputCoder, initialState, maxPendingValuesPerKey, keyShards);
  }

  /**
   * Puts the ticks at {@code origin} plus whole intervals, before and after it, instead of at
   * multiples of the interval since the epoch (where Spark puts its trigger).
   */
  public GroupsWithState<K, V, S, R> withTicksFrom(Instant origin) {
    if (origin == null) {
      throw new IllegalArgumentException("withTicksFrom needs an origin; the default is the epoch");
    }
    return new GroupsWithState<>(fn, userFn, userFnInterface, triggerInterval, origin, timeout,
        stateCoder, outputCoder, initialState, maxPendingValuesPerKey, keyShards);
  }

  /** Which timeouts the function may set; {@link GroupStateTimeout#NoTimeout()} by default. */
  public GroupsWithState<K, V, S, R> withTimeout(GroupStateTimeout timeout) {
    if (timeout == null) {
      throw new IllegalArgumentException("withTimeout needs a GroupStateTimeout; for none, "
          + "GroupStateTimeout.NoTimeout()");
    }
    return new GroupsWithState<>(fn, userFn, userFnInterface, triggerInterval, tickOrigin, timeout,
        stateCoder, outputCoder, initialState, maxPendingValuesPerKey, keyShards);
  }

  /** The state's coder, when the registry cannot infer it (a lambda's types are erased). */
  public GroupsWithState<K, V, S, R> withStateCoder(Coder<S> coder) {
    if (coder == null) {
      throw new IllegalArgumentException("withStateCoder needs a coder");
    }
    return new GroupsWithState<>(fn, userFn, userFnInterface, triggerInterval, tickOrigin, timeout,
        coder, outputCoder, initialState, maxPendingValuesPerKey, keyShards);
  }

  /** The outputs' coder, when the registry cannot infer it (a lambda's types are erased). */
  public GroupsWithState<K, V, S, R> withOutputCoder(Coder<R> coder) {
    if (coder == null) {
      throw new IllegalArgumentException("withOutputCoder needs a coder");
    }
    return new GroupsWithState<>(fn, userFn, userFnInterface, triggerInterval, tickOrigin, timeout,
        stateCoder, coder, initialState, maxPendingValuesPerKey, keyShards);
  }

  /**
   * The state each key starts with, like Spark's {@code initialState}: each key appears at most
   * once (a duplicate fails the pipeline, as in Spark), and each is called at the first tick even
   * without values. A row is applied when it reaches its key, which must be before the key's
   * first call.
   */
  public GroupsWithState<K, V, S, R> withInitialState(PCollection<KV<K, S>> initialState) {
    if (initialState == null) {
      throw new IllegalArgumentException("withInitialState needs a PCollection of (key, state)");
    }
    return new GroupsWithState<>(fn, userFn, userFnInterface, triggerInterval, tickOrigin, timeout,
        stateCoder, outputCoder, initialState, maxPendingValuesPerKey, keyShards);
  }

  /**
   * How many values a key may have waiting for its tick; with more, it is called at once with
   * them. Values wait in the runner's state (the heap, or RocksDB on Flink), so this bounds the
   * memory a fast key takes; {@value #DEFAULT_MAX_PENDING_VALUES_PER_KEY} by default.
   */
  public GroupsWithState<K, V, S, R> withMaxPendingValuesPerKey(long maxPendingValues) {
    if (maxPendingValues < 1) {
      throw new IllegalArgumentException("withMaxPendingValuesPerKey needs 1 or more, got " + maxPendingValues);
    }
    return new GroupsWithState<>(fn, userFn, userFnInterface, triggerInterval, tickOrigin, timeout,
        stateCoder, outputCoder, initialState, maxPendingValues, keyShards);
  }

  /**
   * Keeps the keys in {@code shards} groups: the runner then sees one key per shard, with one
   * state cell for its keys' states, one bag for their waiting values and one timer per kind,
   * instead of a key, cells and a timer for each key. The calls are the same. It pays where a
   * runner's cost grows with its number of keys or timers (the classic Spark runner visits every
   * key with a timer at every micro-batch, the DirectRunner scans every timer after each bundle).
   * Each bundle then reads and writes whole shards, which costs a shard's size where the runner
   * keeps state encoded (Spark, Flink's RocksDB): take at least a few times the parallelism. The
   * number of shards is part of the state: restore a checkpoint with the number it was written
   * with. See docs/groupstate.md, "Keys in shards", for what it buys on each runner.
   */
  public GroupsWithState<K, V, S, R> withKeyShards(int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("withKeyShards needs 1 or more shards, got " + shards);
    }
    return new GroupsWithState<>(fn, userFn, userFnInterface, triggerInterval, tickOrigin, timeout,
        stateCoder, outputCoder, initialState, maxPendingValuesPerKey, shards);
  }

  /**
   * Spark's {@code groupByKey(func, encoder)} folded into this transform: the result applies to a
   * {@code PCollection<V>} and keys each value with {@code keyFn}, as Spark's
   * {@code signals.groupByKey(_.deviceId).flatMapGroupsWithState(...)} does. The calls are the
   * same as for a {@code PCollection<KV<K, V>>}; it saves the runner a step per element (keying
   * in a step of its own, {@code WithKeys}). Call it last: it ends the building.
   *
   * @param keyFn the key of a value; never null
   * @param keyCoder the keys' coder (Spark's key {@code Encoder}); deterministic, as for any key
   */
  public KeyedBy<K, V, S, R> keyedBy(SerializableFunction<V, K> keyFn, Coder<K> keyCoder) {
    if (keyFn == null) {
      throw new IllegalArgumentException("keyedBy needs a key function, value -> key");
    }
    if (keyCoder == null) {
      throw new IllegalArgumentException("keyedBy needs the keys' coder (a lambda's types are erased)");
    }
    return new KeyedBy<>(this, keyFn, keyCoder);
  }

  /** {@link GroupsWithState} on values keyed by a function of theirs ({@link #keyedBy}). */
  public static final class KeyedBy<K, V, S, R> extends PTransform<PCollection<V>, PCollection<R>> {
    private final GroupsWithState<K, V, S, R> groupsWithState;
    private final SerializableFunction<V, K> keyFn;
    private final Coder<K> keyCoder;

    private KeyedBy(GroupsWithState<K, V, S, R> groupsWithState, SerializableFunction<V, K> keyFn,
        Coder<K> keyCoder) {
      this.groupsWithState = groupsWithState;
      this.keyFn = keyFn;
      this.keyCoder = keyCoder;
    }

    @Override
    public PCollection<R> expand(PCollection<V> input) {
      return groupsWithState.expand(input, keyFn, SerializableFunctions.identity(), keyCoder,
          input.getCoder());
    }
  }

  @Override
  public PCollection<R> expand(PCollection<KV<K, V>> input) {
    if (!(input.getCoder() instanceof KvCoder)) {
      throw new IllegalArgumentException("GroupsWithState needs a PCollection<KV<K, V>> with a KvCoder, "
          + "got " + input.getCoder());
    }
    KvCoder<K, V> inputCoder = (KvCoder<K, V>) input.getCoder();
    return expand(input, KV::getKey, KV::getValue, inputCoder.getKeyCoder(), inputCoder.getValueCoder());
  }

  /** The transform from elements of type T, each with the key and value {@code keyOf} and {@code valueOf} take. */
  private <T> PCollection<R> expand(PCollection<T> input, SerializableFunction<T, K> keyOf,
      SerializableFunction<T, V> valueOf, Coder<K> keyCoder, Coder<V> valueCoder) {
    if (triggerInterval == null) {
      throw new IllegalStateException("GroupsWithState needs a trigger: add "
          + ".triggeredEvery(Duration.standardSeconds(10)), say (Spark's Trigger.ProcessingTime)");
    }
    if (timeout.kind() == Kind.EVENT_TIME) {
      rejectEventTimeOnSparkStreaming(input);
    }
    rejectSharedStateObjectsOnFlink(input);
    Coder<S> stateCoder = stateCoder(input);
    Coder<R> outputCoder = coderOf(input, 3, this.outputCoder, "output", "withOutputCoder");
    KvCoder<K, Arrival<V, S>> arrivalCoder = KvCoder.of(keyCoder, ArrivalCoder.<V, S>of(stateCoder));

    PCollection<KV<K, Arrival<V, S>>> arrivals = inGlobalWindow(input, "IntoGlobalWindow")
        .apply("GroupValuesInBundle", ParDo.of(
            new GroupValuesInBundleFn<T, K, V, S>(keyOf, valueOf, keyCoder, valueCoder, maxPendingValuesPerKey)))
        .setCoder(arrivalCoder);
    if (initialState != null) {
      PCollection<KV<K, Arrival<V, S>>> initialArrivals = inGlobalWindow(initialState, "InitialStateIntoGlobalWindow")
          .apply("InitialStateRows", ParDo.of(new InitialStateRowFn<K, V, S>()))
          .setCoder(arrivalCoder);
      arrivals = PCollectionList.of(arrivals).and(initialArrivals)
          .apply("ValuesAndInitialState", Flatten.pCollections());
    }
    boolean bounded = input.isBounded() == PCollection.IsBounded.BOUNDED;
    TickGrid grid = new TickGrid(triggerInterval, tickOrigin);
    if (keyShards > 0) {
      // A key's shard is a hash of its coded bytes: a coder that codes equal keys differently
      // would split a key's state (without shards, the runner checks its keys' coder itself).
      try {
        keyCoder.verifyDeterministic();
      } catch (Coder.NonDeterministicException e) {
        throw new IllegalArgumentException("withKeyShards needs a deterministic key coder, and "
            + keyCoder + " is not: " + e.getMessage(), e);
      }
      return arrivals
          .apply("GatherKeysInShards", ParDo.of(new GatherKeysInShardsFn<K, V, S>(keyCoder, keyShards, maxPendingValuesPerKey)))
          .setCoder(KvCoder.of(VarIntCoder.of(), ListCoder.of(arrivalCoder)))
          .apply("CallFunctionPerKeyInShards", ParDo.of(new ShardedGroupsWithStateFn<>(fn, timeout,
              grid, maxPendingValuesPerKey, bounded, keyCoder, keyShards, valueCoder, stateCoder, outputCoder)))
          .setCoder(outputCoder);
    }
    return arrivals
        .apply("CallFunctionPerKey", ParDo.of(new GroupsWithStateFn<>(fn, timeout,
            grid, maxPendingValuesPerKey, bounded, valueCoder,
            stateCoder, outputCoder)))
        .setCoder(outputCoder);
  }

  /** Wraps a row of the initial state as an arrival for its key. */
  private static final class InitialStateRowFn<K, V, S> extends DoFn<KV<K, S>, KV<K, Arrival<V, S>>> {
    @ProcessElement
    public void processElement(@Element KV<K, S> row, OutputReceiver<KV<K, Arrival<V, S>>> out) {
      if (row.getValue() == null) {
        throw new IllegalArgumentException("The initial state of key " + row.getKey() + " is null");
      }
      out.output(KV.of(row.getKey(), Arrival.initialState(row.getValue())));
    }
  }

  private static <T> PCollection<T> inGlobalWindow(PCollection<T> collection, String name) {
    if (collection.getWindowingStrategy().getWindowFn() instanceof GlobalWindows) {
      return collection;
    }
    return collection.apply(name, Window.into(new GlobalWindows()));
  }

  private Coder<S> stateCoder(PCollection<?> input) {
    if (stateCoder == null && initialState != null && initialState.getCoder() instanceof KvCoder) {
      @SuppressWarnings("unchecked")
      Coder<S> fromInitialState = ((KvCoder<K, S>) initialState.getCoder()).getValueCoder();
      return fromInitialState;
    }
    return coderOf(input, 2, stateCoder, "state", "withStateCoder");
  }

  /**
   * The coder given, or the registry's for the function's type argument {@code index} (K, V, S,
   * R); a lambda's type arguments are erased, so it needs the coder given.
   */
  @SuppressWarnings("unchecked")
  private <T> Coder<T> coderOf(PCollection<?> input, int index, Coder<T> given, String what,
      String builderMethod) {
    if (given != null) {
      return given;
    }
    String advice = "GroupsWithState cannot infer a coder for the function's " + what
        + " type; give one with ." + builderMethod + "(...)";
    Type supertype = TypeDescriptor.of(userFn.getClass()).getSupertype((Class) userFnInterface).getType();
    if (!(supertype instanceof ParameterizedType parameterized)) {
      throw new IllegalStateException(advice + " (a lambda's types are erased)");
    }
    try {
      return (Coder<T>) input.getPipeline().getCoderRegistry()
          .getCoder(TypeDescriptor.of(parameterized.getActualTypeArguments()[index]));
    } catch (CannotProvideCoderException | IllegalArgumentException e) {
      throw new IllegalStateException(advice + " (" + e.getMessage() + ")", e);
    }
  }

  /**
   * The classic Spark runner rejects event-time timers in streaming mode with a message about
   * timers, after the pipeline is handed over; say it here, in terms of this transform.
   */
  private static void rejectEventTimeOnSparkStreaming(PCollection<?> input) {
    PipelineOptions options = input.getPipeline().getOptions();
    boolean spark = options.getRunner() != null && options.getRunner().getSimpleName().contains("Spark");
    boolean streaming = options.as(StreamingOptions.class).isStreaming()
        || input.isBounded() == PCollection.IsBounded.UNBOUNDED;
    if (spark && streaming) {
      throw new UnsupportedOperationException("GroupStateTimeout.EventTimeTimeout() cannot run on "
          + "the Spark runner in streaming mode, which rejects event-time timers; use "
          + "ProcessingTimeTimeout(), or run on Flink or the DirectRunner");
    }
  }

  /**
   * Flink's heap state backend keeps a checkpoint that is being written apart from the state the
   * job goes on changing by copying a state object the first time the job reads it after the
   * checkpoint began; with {@code --fasterCopy=true} the Flink runner's copy is the object
   * itself. This transform changes its bookkeeping in place after reading it (and a function may
   * change its state object before {@code update}), so such a checkpoint could hold part of a
   * tick: a key noted as having its timer set without that timer, or its state after a call
   * beside the values the call used, counted again after a restore. RocksDB keeps state as bytes.
   * Flink's options are read by name: the runner is on the classpath only where it runs.
   */
  private static void rejectSharedStateObjectsOnFlink(PCollection<?> input) {
    PipelineOptions options = input.getPipeline().getOptions();
    if (options.getRunner() == null || !options.getRunner().getSimpleName().contains("Flink")) {
      return;
    }
    Object fasterCopy;
    Object stateBackend;
    try {
      Class<? extends PipelineOptions> flinkOptions = Class
          .forName("org.apache.beam.runners.flink.FlinkPipelineOptions").asSubclass(PipelineOptions.class);
      PipelineOptions flink = options.as(flinkOptions);
      fasterCopy = flinkOptions.getMethod("getFasterCopy").invoke(flink);
      stateBackend = flinkOptions.getMethod("getStateBackend").invoke(flink);
    } catch (ReflectiveOperationException | LinkageError e) {
      return; // a runner named Flink without Beam's Flink options: nothing to check
    }
    if (Boolean.TRUE.equals(fasterCopy) && !"rocksdb".equalsIgnoreCase(String.valueOf(stateBackend))) {
      throw new UnsupportedOperationException("GroupsWithState cannot run on the Flink runner with "
          + "--fasterCopy=true and state on the heap: the runner then lets a checkpoint being "
          + "written share state objects with the job, which goes on changing them, so a "
          + "restore could lose a key's next call or count its values twice; drop --fasterCopy=true (it is off by "
          + "default), or keep state in RocksDB (--stateBackend=rocksdb)");
    }
  }
}
