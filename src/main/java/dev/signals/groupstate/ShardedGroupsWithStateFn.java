package dev.signals.groupstate;

import dev.signals.groupstate.GroupStateTimeout.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The stateful step of {@link GroupsWithState} with {@link GroupsWithState#withKeyShards}: the
 * same calls as {@link GroupsWithStateFn}, but the runner sees one key per shard, not per key of
 * the user's. A shard keeps its keys' states and books in one cell ({@link Shard}), their waiting
 * values in one bag, and has one timer of each kind: the tick timer calls every key of the shard
 * that is due, the early timer the keys over the cap, the event-time timer is set for the
 * earliest event-time timeout of its keys.
 */
final class ShardedGroupsWithStateFn<K, V, S, R>
    extends DoFn<KV<Integer, List<KV<K, Arrival<V, S>>>>, R> {
  private static final String SHARD = "shard";
  private static final String PENDING = "pending";
  private static final String OUTBOX = "outbox";
  private static final String TICK = "tick";
  private static final String EARLY = "early";
  private static final String EVENT_TIMEOUT = "eventTimeout";
  private static final String END_OF_INPUT = "endOfInput";
  private static final String FLUSH = "flush";

  /** How far in the past a flush timer is set: due at once, ahead of other timers. */
  private static final Duration FLUSH_AHEAD_OF_TICKS = Duration.standardDays(1);

  /** Where the watermark goes when a bounded input ends. */
  private static final long END_OF_TIME = GlobalWindow.INSTANCE.maxTimestamp().getMillis();

  @StateId(SHARD)
  private final StateSpec<ValueState<Shard<K, S>>> shardSpec;

  /** Values since their key's last call, coded: per bundle, each key's batch. */
  @StateId(PENDING)
  private final StateSpec<BagState<List<KV<K, CodedValues<V>>>>> pendingSpec;

  /** Outputs of the calls at a tick, until {@link #FLUSH} emits them (see GroupsWithStateFn). */
  @StateId(OUTBOX)
  private final StateSpec<BagState<List<R>>> outboxSpec;

  @TimerId(FLUSH)
  private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  @TimerId(TICK)
  private final TimerSpec tickSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  @TimerId(EARLY)
  private final TimerSpec earlySpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  @TimerId(EVENT_TIMEOUT)
  private final TimerSpec eventTimeoutSpec;

  @TimerId(END_OF_INPUT)
  private final TimerSpec endOfInputSpec;

  private final FlatMapGroupsWithStateFunction<K, V, S, R> fn;
  private final GroupStateTimeout timeout;
  private final TickGrid grid;
  private final long maxPendingValues;
  private final boolean untilEndOfInput;
  private final Coder<K> keyCoder;
  private final int shards;
  private final LostTickGuard lostTicks;
  private final Coder<V> valueCoder;

  ShardedGroupsWithStateFn(FlatMapGroupsWithStateFunction<K, V, S, R> fn, GroupStateTimeout timeout,
      TickGrid grid, long maxPendingValues, boolean untilEndOfInput, Coder<K> keyCoder, int shards,
      Coder<V> valueCoder, Coder<S> stateCoder, Coder<R> outputCoder) {
    this.fn = fn;
    this.timeout = timeout;
    this.grid = grid;
    this.maxPendingValues = maxPendingValues;
    this.untilEndOfInput = untilEndOfInput;
    this.keyCoder = keyCoder;
    this.shards = shards;
    this.lostTicks = new LostTickGuard(grid);
    this.valueCoder = valueCoder;
    this.shardSpec = StateSpecs.value(Shard.ShardCoder.of(keyCoder, stateCoder));
    this.pendingSpec = StateSpecs.bag(ListCoder.of(KvCoder.of(keyCoder, CodedValues.CodedValuesCoder.<V>of())));
    this.outboxSpec = StateSpecs.bag(ListCoder.of(outputCoder));
    this.eventTimeoutSpec = TimerSpecs.timer(
        timeout.kind() == Kind.EVENT_TIME ? TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME);
    this.endOfInputSpec = TimerSpecs.timer(
        untilEndOfInput ? TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME);
  }

  @ProcessElement
  public void processElement(
      @Element KV<Integer, List<KV<K, Arrival<V, S>>>> arrivals,
      @StateId(SHARD) ValueState<Shard<K, S>> shardCell,
      @StateId(PENDING) BagState<List<KV<K, CodedValues<V>>>> pending,
      @TimerId(TICK) Timer tick,
      @TimerId(EARLY) Timer early,
      @TimerId(END_OF_INPUT) Timer endOfInput) {
    Shard<K, S> shard = orNew(read(shardCell));
    if (untilEndOfInput && !shard.endTimerSet) {
      endOfInput.set(GlobalWindow.INSTANCE.maxTimestamp());
      shard.endTimerSet = true;
    }
    List<KV<K, CodedValues<V>>> values = new ArrayList<>();
    boolean overCap = false;
    for (KV<K, Arrival<V, S>> arrival : arrivals.getValue()) {
      Shard.Entry<K, S> entry = shard.entry(arrival.getKey(), keyCoder);
      KeyBook book = entry.book;
      if (arrival.getValue().isInitialState()) {
        if (book.initialStateSeen) {
          throw new IllegalStateException("The initial state has more than one row for key "
              + arrival.getKey() + "; as in Spark, de-duplicate it before withInitialState");
        }
        if (book.lastCallTickMs != KeyBook.NONE) {
          throw new IllegalStateException("The initial state of key " + arrival.getKey()
              + " arrived after the key was first called, at tick " + new Instant(book.lastCallTickMs)
              + "; let the first tick come later (withTicksFrom) or make the initial state smaller");
        }
        entry.state = arrival.getValue().initialState();
        book.initialStateSeen = true;
        book.initialCallDue = true;
      } else {
        values.add(KV.of(arrival.getKey(), arrival.getValue().values()));
        book.pendingValues += arrival.getValue().values().count;
        overCap |= book.pendingValues >= maxPendingValues;
      }
    }
    if (!values.isEmpty()) {
      pending.add(values); // one add per bundle: the Spark runner rewrites the whole bag on each
    }
    if (overCap && !shard.earlyArmed) {
      early.offset(Duration.ZERO).setRelative();
      shard.earlyArmed = true;
    }
    long now = System.currentTimeMillis();
    if (shard.tickArmed && lostTicks.lost(shard.tickArmedAtMs, now, "shard", arrivals.getKey())) {
      shard.tickArmed = false;
    }
    if (!shard.tickArmed) {
      // The tick timer may be set for a later timeout's tick: the next tick comes first, and
      // arms it again for that timeout.
      GroupsWithStateFn.armForNextTick(tick, grid);
      shard.tickArmed(now);
    } else if (shard.tickArmedAtMs == KeyBook.NONE) {
      shard.tickArmedAtMs = now; // armed before the shard noted when (restored from an older version)
    }
    shardCell.write(shard);
  }

  @OnTimer(TICK)
  public void onTick(
      OnTimerContext context,
      @StateId(SHARD) ValueState<Shard<K, S>> shardCell,
      @StateId(PENDING) BagState<List<KV<K, CodedValues<V>>>> pending,
      @StateId(OUTBOX) BagState<List<R>> outbox,
      @TimerId(TICK) Timer tick,
      @TimerId(EVENT_TIMEOUT) Timer eventTimeout,
      @TimerId(FLUSH) Timer flush) throws Exception {
    Shard<K, S> shard = read(shardCell);
    if (shard == null || shard.ended) {
      return;
    }
    long fired = context.fireTimestamp().getMillis();
    // A timer set relative to a callback fires a little after its tick: take it back to the tick.
    long tickMs = grid.atOrBefore(fired);
    shard.tickArmed = false;
    Map<Object, List<CodedValues<V>>> waiting = byKey(shard, pending);
    List<R> outputs = new ArrayList<>();
    boolean valuesForNextTick = false;
    long earliestTimeout = Long.MAX_VALUE;
    for (Iterator<Shard.Entry<K, S>> entries = shard.keys.values().iterator(); entries.hasNext(); ) {
      Shard.Entry<K, S> entry = entries.next();
      KeyBook book = entry.book;
      boolean valuesDue = book.callDue();
      if (valuesDue && tickMs <= book.lastCallTickMs) {
        // Values that came in the very millisecond of a tick that had already called the key.
        valuesForNextTick = true;
        continue;
      }
      boolean timedOut = !valuesDue && book.timeoutAtMs != KeyBook.NONE
          && (timeout.kind() == Kind.EVENT_TIME ? book.eventTimeoutFired : tickMs >= book.timeoutAtMs);
      if (valuesDue || timedOut) {
        boolean exists = call(shard, entry, valuesDue ? waiting.remove(keyCoder.structuralValue(entry.key)) : null,
            valuesDue, timedOut, tickMs, outputs::add);
        book.lastCallTickMs = tickMs;
        if (!exists && book.isIdle()) {
          entries.remove(); // no state and nothing due: forget the key
          continue;
        }
      }
      if (timeout.kind() == Kind.PROCESSING_TIME && book.timeoutAtMs != KeyBook.NONE) {
        earliestTimeout = Math.min(earliestTimeout, book.timeoutAtMs);
      }
    }
    keepWaiting(shard, waiting, pending);
    emitSoon(outputs, outbox, flush);
    if (valuesForNextTick) {
      GroupsWithStateFn.armAt(tick, tickMs + grid.interval().getMillis(), fired);
      shard.tickArmed(System.currentTimeMillis());
    } else if (earliestTimeout != Long.MAX_VALUE) {
      GroupsWithStateFn.armAt(tick, grid.atOrAfter(earliestTimeout), fired);
    }
    armEventTimeout(shard, eventTimeout, tick);
    writeOrClear(shard, shardCell);
  }

  @OnTimer(EARLY)
  public void onEarly(
      OnTimerContext context,
      @StateId(SHARD) ValueState<Shard<K, S>> shardCell,
      @StateId(PENDING) BagState<List<KV<K, CodedValues<V>>>> pending,
      @StateId(OUTBOX) BagState<List<R>> outbox,
      @TimerId(TICK) Timer tick,
      @TimerId(EVENT_TIMEOUT) Timer eventTimeout,
      @TimerId(FLUSH) Timer flush) throws Exception {
    Shard<K, S> shard = read(shardCell);
    if (shard == null || shard.ended) {
      return;
    }
    shard.earlyArmed = false;
    // An early call belongs to the tick ahead.
    long tickMs = grid.atOrAfter(context.fireTimestamp().getMillis());
    Map<Object, List<CodedValues<V>>> waiting = null;
    List<R> outputs = new ArrayList<>();
    for (Shard.Entry<K, S> entry : shard.keys.values()) {
      if (entry.book.pendingValues >= maxPendingValues) {
        if (waiting == null) {
          waiting = byKey(shard, pending);
        }
        call(shard, entry, waiting.remove(keyCoder.structuralValue(entry.key)), true, false, tickMs, outputs::add);
      }
    }
    if (waiting != null) {
      keepWaiting(shard, waiting, pending);
      emitSoon(outputs, outbox, flush);
      if (!shard.tickArmed) {
        GroupsWithStateFn.armForNextTick(tick, grid); // the next tick sees to the new timeouts
        shard.tickArmed(System.currentTimeMillis());
      }
      armEventTimeout(shard, eventTimeout, tick);
    }
    shardCell.write(shard);
  }

  @OnTimer(EVENT_TIMEOUT)
  public void onEventTimeout(
      OnTimerContext context,
      @StateId(SHARD) ValueState<Shard<K, S>> shardCell,
      @TimerId(TICK) Timer tick,
      @TimerId(EVENT_TIMEOUT) Timer eventTimeout) {
    Shard<K, S> shard = read(shardCell);
    if (shard == null || shard.ended) {
      return;
    }
    long fired = context.fireTimestamp().getMillis();
    shard.watermarkMs = Math.max(shard.watermarkMs, fired);
    if (untilEndOfInput && fired >= END_OF_TIME) {
      shardCell.write(shard); // the end of input makes the last calls
      return;
    }
    // Values win, as in Spark: a key with values is called with them, and that call clears the
    // timeout. Like Spark, which checks timeouts at its triggers, the timed-out call comes at the
    // next tick.
    armEventTimeout(shard, eventTimeout, tick);
    shardCell.write(shard);
  }

  @OnTimer(END_OF_INPUT)
  public void onEndOfInput(
      @StateId(SHARD) ValueState<Shard<K, S>> shardCell,
      @StateId(PENDING) BagState<List<KV<K, CodedValues<V>>>> pending,
      @StateId(OUTBOX) BagState<List<R>> outbox,
      OutputReceiver<R> out) throws Exception {
    onFlush(outbox, out); // a tick's outputs still waiting; the flush timer goes with the input
    Shard<K, S> shard = read(shardCell);
    if (shard == null || shard.ended) {
      return;
    }
    shard.ended = true;
    shard.watermarkMs = BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis();
    Map<Object, List<CodedValues<V>>> waiting = byKey(shard, pending);
    // Event time stands at the end of the window here: the call's "tick" is the wall clock.
    long now = System.currentTimeMillis();
    for (Shard.Entry<K, S> entry : shard.keys.values()) {
      KeyBook book = entry.book;
      boolean valuesDue = book.callDue();
      boolean timedOut = !valuesDue && timeout.kind() == Kind.EVENT_TIME && book.timeoutAtMs != KeyBook.NONE;
      if (valuesDue || timedOut) {
        call(shard, entry, waiting.remove(keyCoder.structuralValue(entry.key)), valuesDue, timedOut, now,
            out::output);
      }
    }
    pending.clear();
    shardCell.write(shard);
  }

  @OnTimer(FLUSH)
  public void onFlush(@StateId(OUTBOX) BagState<List<R>> outbox, OutputReceiver<R> out) {
    for (List<R> outputs : outbox.read()) {
      for (R output : outputs) {
        out.output(output);
      }
    }
    outbox.clear();
  }

  /** Calls the function for one key and keeps the state and timeout it left. */
  private boolean call(Shard<K, S> shard, Shard.Entry<K, S> entry, List<CodedValues<V>> values,
      boolean valuesDue, boolean timedOut, long tickMs, Consumer<R> emit) throws Exception {
    KeyBook book = entry.book;
    Iterator<V> iterator = values == null ? Collections.emptyIterator() : CodedValues.decodeAll(values, valueCoder);
    GroupStateImpl<S> groupState = GroupsWithStateFn.callFunction(fn, timeout, entry.key,
        Optional.ofNullable(entry.state), iterator, tickMs, shard.watermarkMs, timedOut, emit);
    if (groupState.isRemoved()) {
      entry.state = null;
    } else if (groupState.isUpdated()) {
      entry.state = groupState.get();
    }
    if (valuesDue) {
      book.pendingValues = 0;
      book.initialCallDue = false;
    }
    book.eventTimeoutFired = false;
    book.timeoutAtMs = groupState.timeoutTimestampMs() == GroupStateImpl.NO_TIMESTAMP
        ? KeyBook.NONE : groupState.timeoutTimestampMs();
    return groupState.exists();
  }

  /** The waiting values, by key (structural value); empty without reading when none wait. */
  private Map<Object, List<CodedValues<V>>> byKey(Shard<K, S> shard, BagState<List<KV<K, CodedValues<V>>>> pending) {
    Map<Object, List<CodedValues<V>>> byKey = new HashMap<>();
    boolean anyWaiting = shard.keys.values().stream().anyMatch(entry -> entry.book.pendingValues > 0);
    if (!anyWaiting) {
      return byKey;
    }
    for (List<KV<K, CodedValues<V>>> batch : pending.read()) {
      for (KV<K, CodedValues<V>> values : batch) {
        byKey.computeIfAbsent(keyCoder.structuralValue(values.getKey()), k -> new ArrayList<>())
            .add(values.getValue());
      }
    }
    return byKey;
  }

  /** Puts back the values not handed to a call: the bag holds exactly what waits. */
  private void keepWaiting(Shard<K, S> shard, Map<Object, List<CodedValues<V>>> waiting,
      BagState<List<KV<K, CodedValues<V>>>> pending) {
    pending.clear();
    List<KV<K, CodedValues<V>>> left = new ArrayList<>();
    for (Map.Entry<Object, List<CodedValues<V>>> values : waiting.entrySet()) {
      K key = shard.keys.get(values.getKey()).key;
      for (CodedValues<V> list : values.getValue()) {
        left.add(KV.of(key, list));
      }
    }
    if (!left.isEmpty()) {
      pending.add(left);
    }
  }

  /**
   * Keeps the outputs in the outbox and sets the flush timer, due at once and ahead of other
   * timers (see GroupsWithStateFn's FLUSH for why outputs do not leave from the tick's callback).
   */
  private static <R> void emitSoon(List<R> outputs, BagState<List<R>> outbox, Timer flush) {
    if (!outputs.isEmpty()) {
      outbox.add(outputs);
      flush.offset(FLUSH_AHEAD_OF_TICKS.negated()).setRelative();
    }
  }

  /**
   * Sets the event-time timer for the earliest event-time timeout still to come. A timeout the
   * watermark has already reached (a function may set one at the watermark) is due at once: its
   * key is called at the next tick, unless values come first.
   */
  private void armEventTimeout(Shard<K, S> shard, Timer eventTimeout, Timer tick) {
    if (timeout.kind() != Kind.EVENT_TIME) {
      return;
    }
    long earliest = Long.MAX_VALUE;
    boolean anyTimedOut = false;
    for (Shard.Entry<K, S> entry : shard.keys.values()) {
      KeyBook book = entry.book;
      if (book.timeoutAtMs == KeyBook.NONE || book.eventTimeoutFired) {
        continue;
      }
      if (shard.watermarkMs == KeyBook.NONE || book.timeoutAtMs > shard.watermarkMs) {
        earliest = Math.min(earliest, book.timeoutAtMs);
      } else if (!book.callDue() && !(untilEndOfInput && book.timeoutAtMs >= END_OF_TIME)) {
        book.eventTimeoutFired = true;
        anyTimedOut = true;
      }
    }
    if (earliest != Long.MAX_VALUE) {
      eventTimeout.set(new Instant(earliest));
    }
    if (anyTimedOut && !shard.tickArmed) {
      GroupsWithStateFn.armForNextTick(tick, grid);
      shard.tickArmed(System.currentTimeMillis());
    }
  }

  private static <K, S> void writeOrClear(Shard<K, S> shard, ValueState<Shard<K, S>> shardCell) {
    if (shard.keys.isEmpty() && !shard.endTimerSet) {
      shardCell.clear();
    } else {
      shardCell.write(shard);
    }
  }

  private Shard<K, S> read(ValueState<Shard<K, S>> shardCell) {
    return Shard.checked(shardCell.read(), shards);
  }

  private Shard<K, S> orNew(Shard<K, S> shard) {
    return shard == null ? new Shard<>(shards) : shard;
  }
}
