package dev.signals.console;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Gathers what every worker produced for a tick and hands it over as one piece: for the table
 * printed per tick and for the progress line. Input is keyed on a single key, so it all lands on
 * one worker; the first item after a hand-over arms a short processing-time timer, and when it
 * fires, everything gathered is handed over, tick by tick in tick order.
 *
 * <p>Reports of one tick leave the workers within milliseconds of each other on Direct and Flink.
 * On Spark a tick's timers fire in the micro-batches that visit the keys after the tick, so a
 * tick that falls inside a batch is reported over two batches; while Spark warms up, a batch can
 * take longer than the gathering delay. Items arriving after their tick was handed over are
 * handed over with the next gathering, under their own tick, and the subclass is told they are
 * late (their tick is not after the latest one handed over): it can say so, or correct what it
 * printed.
 *
 * @param <T> what is gathered
 * @param <A> what a subclass carries from tick to tick (a batch number, running totals)
 */
abstract class GatherPerTickFn<T, A> extends DoFn<KV<Integer, T>, Void> {
  private static final String PENDING = "pending";
  private static final String FLUSH_ARMED = "flushArmed";
  private static final String CARRIED = "carried";
  private static final String LAST_TICK = "lastTick";
  private static final String FLUSH = "flush";

  /** Items received since the last hand-over. */
  @StateId(PENDING)
  private final StateSpec<BagState<T>> pendingSpec;

  /** Set by the first pending item, so later ones do not push the hand-over further away. */
  @StateId(FLUSH_ARMED)
  private final StateSpec<ValueState<Boolean>> flushArmedSpec = StateSpecs.value();

  /** What the subclass carries from tick to tick. */
  @StateId(CARRIED)
  private final StateSpec<ValueState<A>> carriedSpec;

  /** The latest tick handed over: an item of a tick not after it is late. */
  @StateId(LAST_TICK)
  private final StateSpec<ValueState<Instant>> lastTickSpec = StateSpecs.value(InstantCoder.of());

  @TimerId(FLUSH)
  private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  private final Duration gatherDelay;

  GatherPerTickFn(Coder<T> itemCoder, Coder<A> carriedCoder, Duration gatherDelay) {
    this.pendingSpec = StateSpecs.bag(itemCoder);
    this.carriedSpec = StateSpecs.value(carriedCoder);
    this.gatherDelay = gatherDelay;
  }

  /** The tick an item belongs to. */
  abstract Instant tickOf(T item);

  /** What is carried before the first tick. */
  abstract A initial();

  /**
   * Handles one tick's items; returns what to carry to the next. {@code late}: this tick was
   * handed over before (or a later one was), and these items came after.
   */
  abstract A onTick(Instant tick, List<T> items, boolean late, A carried);

  @ProcessElement
  public void processElement(
      @Element KV<Integer, T> item,
      @StateId(PENDING) BagState<T> pending,
      @StateId(FLUSH_ARMED) ValueState<Boolean> flushArmed,
      @TimerId(FLUSH) Timer flush) {
    pending.add(item.getValue());
    if (flushArmed.read() == null) {
      flush.offset(gatherDelay).setRelative();
      flushArmed.write(true);
    }
  }

  @OnTimer(FLUSH)
  public void onFlush(
      @StateId(PENDING) BagState<T> pending,
      @StateId(FLUSH_ARMED) ValueState<Boolean> flushArmed,
      @StateId(CARRIED) ValueState<A> carriedState,
      @StateId(LAST_TICK) ValueState<Instant> lastTickState) {
    Map<Instant, List<T>> byTick = new TreeMap<>();
    for (T item : pending.read()) {
      byTick.computeIfAbsent(tickOf(item), tick -> new ArrayList<>()).add(item);
    }
    A carriedBefore = carriedState.read();
    A carried = carriedBefore == null ? initial() : carriedBefore;
    Instant lastTick = lastTickState.read();
    for (Map.Entry<Instant, List<T>> tick : byTick.entrySet()) {
      boolean late = lastTick != null && !tick.getKey().isAfter(lastTick);
      carried = onTick(tick.getKey(), tick.getValue(), late, carried);
      lastTick = late ? lastTick : tick.getKey();
    }
    carriedState.write(carried);
    lastTickState.write(lastTick);
    pending.clear();
    flushArmed.clear();
  }
}
