package dev.signals.groupstate;

import dev.signals.groupstate.GroupStateTimeout.Kind;
import java.util.Collections;
import java.util.Iterator;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.beam.sdk.coders.Coder;
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
 * The stateful step of {@link GroupsWithState}: per key, it keeps the values that arrived since
 * the key's last call and calls the user's function at the next tick with them.
 *
 * <p>One processing-time timer per key does all the calling: it is set for the next tick when
 * values (or an initial state) arrive, for the tick of a processing-time timeout after a call,
 * or for now when more values wait than the cap. Timers are only ever set, never deleted, and
 * event-time timers are declared only where asked for: the Spark runner rejects timer deletion
 * and, in streaming, event-time timers.
 */
final class GroupsWithStateFn<K, V, S, R> extends DoFn<KV<K, Arrival<V, S>>, R> {
  private static final String STATE = "state";
  private static final String PENDING = "pending";
  private static final String BOOK = "book";
  private static final String TICK = "tick";
  private static final String EVENT_TIMEOUT = "eventTimeout";
  private static final String END_OF_INPUT = "endOfInput";
  private static final String OUTBOX = "outbox";
  private static final String FLUSH = "flush";

  /** The user's state: what {@link GroupState#get} returns. */
  @StateId(STATE)
  private final StateSpec<ValueState<S>> stateSpec;

  /** Values since the key's last call, a bundle's worth per entry, coded until the call. */
  @StateId(PENDING)
  private final StateSpec<BagState<CodedValues<V>>> pendingSpec;

  /** What is due and which timer is set ({@link KeyBook}). */
  @StateId(BOOK)
  private final StateSpec<ValueState<KeyBook>> bookSpec =
      StateSpecs.value(KeyBook.KeyBookCoder.of());

  /** Outputs of a call at a tick, until {@link #FLUSH} emits them. */
  @StateId(OUTBOX)
  private final StateSpec<BagState<R>> outboxSpec;

  /**
   * Set, already due, by a call at a tick: emits the call's outputs from {@link #OUTBOX}. The
   * classic Spark runner checks a key's timers a second time after it has collected the outputs
   * of a micro-batch, and drops what a timer firing then outputs (its state changes stay). A
   * call made then keeps its outputs in the outbox, and this timer, set after that second check
   * began, fires at the key's next visit (the next micro-batch) and emits them. Elsewhere it
   * fires at once.
   */
  @TimerId(FLUSH)
  private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  /** Processing time: fires when the key is to be called (a tick, or now over the cap). */
  @TimerId(TICK)
  private final TimerSpec tickSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  /**
   * Event-time timeouts: fires when the watermark passes the timestamp the function set. Declared
   * in processing time, and never set, unless the transform has {@code EventTimeTimeout}.
   */
  @TimerId(EVENT_TIMEOUT)
  private final TimerSpec eventTimeoutSpec;

  /**
   * Bounded input: fires once all input is in, for the last call of keys with values waiting.
   * Processing-time timers still pending when a bounded input ends are dropped by the Direct and
   * Flink runners, so the end is found in event time (the watermark passes the end of the global
   * window only once every value is in). Declared in processing time, and never set, otherwise.
   */
  @TimerId(END_OF_INPUT)
  private final TimerSpec endOfInputSpec;

  /** How far in the past a flush timer is set (see {@link #onTick}). */
  private static final Duration FLUSH_AHEAD_OF_TICKS = Duration.standardDays(1);

  private final FlatMapGroupsWithStateFunction<K, V, S, R> fn;
  private final GroupStateTimeout timeout;
  private final TickGrid grid;
  private final long maxPendingValues;
  private final boolean untilEndOfInput;
  private final LostTickGuard lostTicks;
  private final Coder<V> valueCoder;

  GroupsWithStateFn(FlatMapGroupsWithStateFunction<K, V, S, R> fn, GroupStateTimeout timeout,
      TickGrid grid, long maxPendingValues, boolean untilEndOfInput, Coder<V> valueCoder,
      Coder<S> stateCoder, Coder<R> outputCoder) {
    this.fn = fn;
    this.timeout = timeout;
    this.grid = grid;
    this.maxPendingValues = maxPendingValues;
    this.untilEndOfInput = untilEndOfInput;
    this.lostTicks = new LostTickGuard(grid);
    this.stateSpec = StateSpecs.value(stateCoder);
    this.valueCoder = valueCoder;
    this.pendingSpec = StateSpecs.bag(CodedValues.CodedValuesCoder.of());
    this.outboxSpec = StateSpecs.bag(outputCoder);
    this.eventTimeoutSpec = TimerSpecs.timer(
        timeout.kind() == Kind.EVENT_TIME ? TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME);
    this.endOfInputSpec = TimerSpecs.timer(
        untilEndOfInput ? TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME);
  }

  @ProcessElement
  public void processElement(
      @Element KV<K, Arrival<V, S>> arrival,
      @StateId(STATE) ValueState<S> state,
      @StateId(PENDING) BagState<CodedValues<V>> pending,
      @StateId(BOOK) ValueState<KeyBook> bookCell,
      @TimerId(TICK) Timer tick,
      @TimerId(END_OF_INPUT) Timer endOfInput) {
    KeyBook book = orNew(bookCell.read());
    if (untilEndOfInput && !book.endTimerSet) {
      endOfInput.set(GlobalWindow.INSTANCE.maxTimestamp());
      book.endTimerSet = true;
    }
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
      state.write(arrival.getValue().initialState());
      book.initialStateSeen = true;
      book.initialCallDue = true;
    } else {
      CodedValues<V> values = arrival.getValue().values();
      pending.add(values);
      book.pendingValues += values.count;
    }
    long now = System.currentTimeMillis();
    if (book.tickArmed && lostTicks.lost(book.tickArmedAtMs, now, "key", arrival.getKey())) {
      book.tickArmed = false;
      book.earlyCallArmed = false;
    }
    if (book.pendingValues >= maxPendingValues && !book.earlyCallArmed) {
      // Over the cap: call the key now rather than keep more of its values.
      tick.offset(Duration.ZERO).setRelative();
      book.earlyCallArmed = true;
      book.tickArmed(now);
    } else if (!book.tickArmed) {
      armForNextTick(tick);
      book.tickArmed(now);
    } else if (book.tickArmedAtMs == KeyBook.NONE) {
      book.tickArmedAtMs = now; // armed before the book noted when (restored from an older version)
    }
    bookCell.write(book);
  }

  @OnTimer(TICK)
  public void onTick(
      OnTimerContext context,
      @Key K key,
      @StateId(STATE) ValueState<S> state,
      @StateId(PENDING) BagState<CodedValues<V>> pending,
      @StateId(BOOK) ValueState<KeyBook> bookCell,
      @StateId(OUTBOX) BagState<R> outbox,
      @TimerId(TICK) Timer tick,
      @TimerId(EVENT_TIMEOUT) Timer eventTimeout,
      @TimerId(FLUSH) Timer flush) throws Exception {
    KeyBook book = bookCell.read();
    if (book == null || book.ended) {
      return;
    }
    long fired = context.fireTimestamp().getMillis();
    boolean early = book.earlyCallArmed;
    // A timer set for a tick fires on it; one set relative to a callback fires a little after
    // its tick (by that callback's lateness); an early call belongs to the tick ahead.
    long tickMs = early ? grid.atOrAfter(fired) : grid.atOrBefore(fired);
    boolean valuesDue = book.callDue();
    book.tickArmed = false;
    book.earlyCallArmed = false;
    if (valuesDue && !early && tickMs <= book.lastCallTickMs) {
      // Values processed in the very millisecond of a tick that had already called the key armed
      // that tick again (align() rounds an on-grid "now" to itself): call them at the next one.
      armAt(tick, tickMs + grid.interval().getMillis(), fired);
      book.tickArmed(System.currentTimeMillis());
      bookCell.write(book);
      return;
    }
    boolean timedOut = !valuesDue && book.timeoutAtMs != KeyBook.NONE
        && (timeout.kind() == Kind.EVENT_TIME ? book.eventTimeoutFired : tickMs >= book.timeoutAtMs);
    if (!valuesDue && !timedOut) {
      if (timeout.kind() == Kind.PROCESSING_TIME && book.timeoutAtMs != KeyBook.NONE) {
        armAt(tick, grid.atOrAfter(book.timeoutAtMs), fired); // not due yet
      }
      bookCell.write(book);
      return;
    }
    boolean[] anyOutput = {false};
    boolean stateExists = call(key, valuesDue, timedOut, tickMs, fired, book, state, pending, tick,
        eventTimeout, output -> {
          outbox.add(output);
          anyOutput[0] = true;
        });
    if (anyOutput[0]) {
      // Due at once, and ahead of the other keys' timers of this tick: runners fire the earliest
      // first, and a flush behind them would hold this tick's outputs until every key is called.
      flush.offset(FLUSH_AHEAD_OF_TICKS.negated()).setRelative();
    }
    if (!early) {
      book.lastCallTickMs = tickMs;
    }
    if (!stateExists && book.isIdle()) {
      bookCell.clear(); // the function removed the key's state and nothing is due: forget the key
    } else {
      bookCell.write(book);
    }
  }

  @OnTimer(EVENT_TIMEOUT)
  public void onEventTimeout(
      OnTimerContext context,
      @StateId(BOOK) ValueState<KeyBook> bookCell,
      @TimerId(TICK) Timer tick) {
    KeyBook book = bookCell.read();
    if (book == null || book.ended) {
      return;
    }
    long fired = context.fireTimestamp().getMillis();
    book.watermarkMs = Math.max(book.watermarkMs, fired);
    boolean current = book.timeoutAtMs == fired; // a later call may have replaced or cleared it
    boolean valuesDue = book.callDue(); // values win, as in Spark
    if (current && !valuesDue && !(untilEndOfInput && fired >= GlobalWindow.INSTANCE.maxTimestamp().getMillis())) {
      // Like Spark, which checks timeouts at its triggers: the timed-out call comes at the next tick.
      book.eventTimeoutFired = true;
      if (!book.tickArmed) {
        armForNextTick(tick);
        book.tickArmed(System.currentTimeMillis());
      }
    }
    bookCell.write(book);
  }

  @OnTimer(END_OF_INPUT)
  public void onEndOfInput(
      @Key K key,
      @StateId(STATE) ValueState<S> state,
      @StateId(PENDING) BagState<CodedValues<V>> pending,
      @StateId(BOOK) ValueState<KeyBook> bookCell,
      @StateId(OUTBOX) BagState<R> outbox,
      @TimerId(TICK) Timer tick,
      @TimerId(EVENT_TIMEOUT) Timer eventTimeout,
      OutputReceiver<R> out) throws Exception {
    // A tick's call just before the end may still have its outputs in the outbox, and its flush
    // timer, in processing time, would be dropped with the input's end.
    onFlush(outbox, out);
    KeyBook book = bookCell.read();
    if (book == null || book.ended) {
      return;
    }
    book.ended = true;
    book.watermarkMs = BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis();
    boolean valuesDue = book.callDue();
    boolean timedOut = !valuesDue && timeout.kind() == Kind.EVENT_TIME && book.timeoutAtMs != KeyBook.NONE;
    if (valuesDue || timedOut) {
      // Event time stands at the end of the window here: the call's "tick" is the wall clock.
      long now = System.currentTimeMillis();
      // Emitted at once: processing-time timers still pending when a bounded input ends are
      // dropped, and the runner that loses timer output (Spark, streaming) has no bounded input.
      call(key, valuesDue, timedOut, now, now, book, state, pending, tick, eventTimeout, out::output);
    }
    bookCell.write(book);
  }

  @OnTimer(FLUSH)
  public void onFlush(@StateId(OUTBOX) BagState<R> outbox, OutputReceiver<R> out) {
    for (R output : outbox.read()) {
      out.output(output);
    }
    outbox.clear();
  }

  /**
   * Calls the function, emits what it returns, then saves its state and timeout; says whether
   * the key has state after the call.
   */
  private boolean call(K key, boolean valuesDue, boolean timedOut, long tickMs, long firedMs,
      KeyBook book, ValueState<S> state, BagState<CodedValues<V>> pending, Timer tick,
      Timer eventTimeout, Consumer<R> emit) throws Exception {
    Iterator<V> values = valuesDue
        ? CodedValues.decodeAll(pending.read(), valueCoder) : Collections.emptyIterator();
    GroupStateImpl<S> groupState = callFunction(fn, timeout, key, Optional.ofNullable(state.read()),
        values, tickMs, book.watermarkMs, timedOut, emit);
    if (groupState.isRemoved()) {
      state.clear();
    } else if (groupState.isUpdated()) {
      state.write(groupState.get());
    }
    if (valuesDue) {
      pending.clear();
      book.pendingValues = 0;
      book.initialCallDue = false;
    }
    book.eventTimeoutFired = false;
    book.timeoutAtMs = groupState.timeoutTimestampMs() == GroupStateImpl.NO_TIMESTAMP
        ? KeyBook.NONE : groupState.timeoutTimestampMs();
    if (book.timeoutAtMs != KeyBook.NONE && !book.ended) {
      if (timeout.kind() == Kind.EVENT_TIME) {
        eventTimeout.set(new Instant(book.timeoutAtMs));
      } else if (!book.tickArmed) {
        armAt(tick, grid.atOrAfter(book.timeoutAtMs), firedMs);
      }
    }
    return groupState.exists();
  }

  /**
   * Calls the function once and emits what it returns; the returned {@link GroupState} holds the
   * state and timeout the call left, for the caller to save.
   */
  static <K, V, S, R> GroupStateImpl<S> callFunction(FlatMapGroupsWithStateFunction<K, V, S, R> fn,
      GroupStateTimeout timeout, K key, Optional<S> state, Iterator<V> values, long tickMs,
      long watermarkMs, boolean timedOut, Consumer<R> emit) throws Exception {
    Optional<Long> watermark = Optional.of(watermarkMs == KeyBook.NONE
        ? BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis() : watermarkMs);
    GroupStateImpl<S> groupState = new GroupStateImpl<>(state, timeout, tickMs, watermark, timedOut);
    Iterator<R> outputs = fn.call(key, values, groupState);
    if (outputs == null) {
      throw new IllegalStateException("The function returned null for key " + key
          + "; return an empty iterator for no output");
    }
    // As in Spark, the state is saved once the outputs are read: a lazy iterator may still update it.
    while (outputs.hasNext()) {
      R output = outputs.next();
      if (output == null) {
        throw new IllegalStateException("The function returned a null output for key " + key);
      }
      emit.accept(output);
    }
    return groupState;
  }

  /** Sets {@code timer} for the next tick of the grid, or for now if now is a tick. */
  static void armForNextTick(Timer timer, TickGrid grid) {
    timer.offset(grid.alignOffset()).align(grid.interval()).setRelative();
  }

  private void armForNextTick(Timer timer) {
    armForNextTick(timer, grid);
  }

  /**
   * From a timer callback that fired at {@code firedMs}: sets {@code timer} for the tick {@code
   * tickMs}. Processing-time timers can only be set relative to the runner's clock, which has
   * moved on a little since {@code firedMs}; the timer fires that much after the tick, and {@link
   * #onTick} takes it back to the tick.
   */
  static void armAt(Timer timer, long tickMs, long firedMs) {
    timer.offset(Duration.millis(Math.max(0, tickMs - firedMs))).setRelative();
  }

  private static KeyBook orNew(KeyBook book) {
    return book == null ? new KeyBook() : book;
  }
}
