package dev.signals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
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
 * <p>Reports of one tick leave the workers within milliseconds of each other (in one micro-batch
 * on Spark), so a delay well below the interval gathers them; an item arriving later still is
 * handed over with the next gathering, under its own tick.
 *
 * @param <T> what is gathered
 */
abstract class GatherPerTickFn<T> extends DoFn<KV<Integer, T>, Void> {
  private static final String PENDING = "pending";
  private static final String FLUSH_ARMED = "flushArmed";
  private static final String CARRIED = "carried";
  private static final String FLUSH = "flush";

  /** Items received since the last hand-over. */
  @StateId(PENDING)
  private final StateSpec<BagState<T>> pendingSpec;

  /** Set by the first pending item, so later ones do not push the hand-over further away. */
  @StateId(FLUSH_ARMED)
  private final StateSpec<ValueState<Boolean>> flushArmedSpec = StateSpecs.value();

  /** One number a subclass carries from tick to tick (a batch number, a running total). */
  @StateId(CARRIED)
  private final StateSpec<ValueState<Long>> carriedSpec = StateSpecs.value(VarLongCoder.of());

  @TimerId(FLUSH)
  private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  private final Duration gatherDelay;

  GatherPerTickFn(Coder<T> itemCoder, Duration gatherDelay) {
    this.pendingSpec = StateSpecs.bag(itemCoder);
    this.gatherDelay = gatherDelay;
  }

  /** The tick an item belongs to. */
  abstract Instant tickOf(T item);

  /** Handles one tick's items; returns the new carried number (0 before the first tick). */
  abstract long onTick(Instant tick, List<T> items, long carried);

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
      @StateId(CARRIED) ValueState<Long> carriedState) {
    Map<Instant, List<T>> byTick = new TreeMap<>();
    for (T item : pending.read()) {
      byTick.computeIfAbsent(tickOf(item), tick -> new ArrayList<>()).add(item);
    }
    Long carriedBefore = carriedState.read();
    long carried = carriedBefore == null ? 0 : carriedBefore;
    for (Map.Entry<Instant, List<T>> tick : byTick.entrySet()) {
      carried = onTick(tick.getKey(), tick.getValue(), carried);
    }
    carriedState.write(carried);
    pending.clear();
    flushArmed.clear();
  }
}
