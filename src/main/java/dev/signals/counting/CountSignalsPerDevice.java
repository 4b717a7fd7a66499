package dev.signals.counting;

import dev.signals.model.EventsCounted.Kind;
import dev.signals.model.EventsCounted;
import dev.signals.model.Signal;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Keeps a running count of signals per device and reports it on a processing-time grid: the Beam
 * form of Spark's {@code groupByKey(deviceId).flatMapGroupsWithState(...)} under {@code
 * Trigger.ProcessingTime(interval)}.
 *
 * <p>Contract, per device:
 *
 * <ul>
 *   <li>ticks fall every interval from a grid origin ({@link #withTicksFrom}; the epoch unless
 *       set, so …:00, …:10, …:20 for 10 s, like Spark's trigger), the same for every device;
 *   <li>at a tick, a device that received signals since its previous report emits one {@link
 *       EventsCounted} with its running total; a device that received nothing emits nothing;
 *   <li>an idle device keeps its count but no armed timer; it reports again at the first tick
 *       after it speaks again.
 * </ul>
 *
 * <p>The input is a {@code PCollection<Signal>} so that tests can feed it from {@code TestStream}
 * while the program feeds it from the rate source.
 */
public class CountSignalsPerDevice extends PTransform<PCollection<Signal>, PCollection<EventsCounted>> {
  private final Duration triggerInterval;
  private final Instant tickOrigin;
  private final Duration deviceTimeout;

  private CountSignalsPerDevice(Duration triggerInterval, Instant tickOrigin, Duration deviceTimeout) {
    this.triggerInterval = triggerInterval;
    this.tickOrigin = tickOrigin;
    this.deviceTimeout = deviceTimeout;
  }

  /** Reports every {@code triggerInterval}, which must be a positive whole number of millis. */
  public static CountSignalsPerDevice every(Duration triggerInterval) {
    if (triggerInterval == null || triggerInterval.getMillis() < 1) {
      throw new IllegalArgumentException(
          "triggerInterval must be at least 1 ms, got " + triggerInterval);
    }
    return new CountSignalsPerDevice(triggerInterval, new Instant(0), Duration.ZERO);
  }

  /**
   * Puts the ticks at {@code origin} plus whole intervals (before or after it) instead of at
   * multiples of the interval since the epoch.
   */
  public CountSignalsPerDevice withTicksFrom(Instant origin) {
    return new CountSignalsPerDevice(triggerInterval, origin, deviceTimeout);
  }

  /**
   * Drops the state of a device silent for {@code deviceTimeout}, reporting it as {@link
   * EventsCounted.Kind#EXPIRED} at the first tick at or after the timeout, like Spark's {@code
   * GroupStateTimeout.ProcessingTimeTimeout}; it counts from zero if it speaks again. {@code
   * Duration.ZERO}: never (the default).
   */
  public CountSignalsPerDevice expiringAfter(Duration deviceTimeout) {
    if (deviceTimeout == null || deviceTimeout.getMillis() < 0) {
      throw new IllegalArgumentException("deviceTimeout must be zero (never) or more, got " + deviceTimeout);
    }
    return new CountSignalsPerDevice(triggerInterval, tickOrigin, deviceTimeout);
  }

  @Override
  public PCollection<EventsCounted> expand(PCollection<Signal> signals) {
    boolean bounded = signals.isBounded() == PCollection.IsBounded.BOUNDED;
    return signals
        .apply("CountPerDeviceInBundle", ParDo.of(new CountPerDeviceInBundleFn()))
        .setCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of()))
        .apply("UpdateDeviceCount",
            ParDo.of(new UpdateDeviceCountFn(triggerInterval, tickOrigin, deviceTimeout, bounded)));
  }

  /**
   * Keys signals by device, adding up those of one device within a bundle first: the stateful
   * step then reads and writes a device's state once per bundle instead of once per signal, and
   * fewer elements cross the network to it. Counts stay exact; a signal reaches the state when
   * its bundle ends (Flink ends a streaming bundle after {@code --maxBundleSize} elements or
   * {@code --maxBundleTimeMills}, 1 s by default), so it may count towards the next tick.
   */
  static class CountPerDeviceInBundleFn extends DoFn<Signal, KV<Integer, Long>> {
    /** Signals per device in this bundle, and the latest timestamp among them. */
    private transient Map<Integer, long[]> perDevice;

    @StartBundle
    public void startBundle() {
      perDevice = new HashMap<>();
    }

    @ProcessElement
    public void processElement(@Element Signal signal, @Timestamp Instant timestamp) {
      long[] countAndLatest = perDevice.computeIfAbsent(signal.deviceId(), device -> new long[2]);
      countAndLatest[0]++;
      countAndLatest[1] = Math.max(countAndLatest[1], timestamp.getMillis());
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      perDevice.forEach((device, countAndLatest) -> context.output(
          KV.of(device, countAndLatest[0]), new Instant(countAndLatest[1]), GlobalWindow.INSTANCE));
      perDevice.clear();
    }
  }

  /**
   * The stateful step. Input: {@code (deviceId, n)}, n signals seen for that device. State is per
   * device (per key), which is what {@code GroupState} is per group in Spark.
   *
   * <p>For a bounded input ({@code --numEvents}) it also reports each device's final count once
   * all of the input is counted, like Spark's {@code Trigger.AvailableNow}.
   *
   * <p>Only setting a timer is used, never deleting one, and ticks use processing time only: the
   * Spark runner rejects timer deletion and event-time timers in streaming mode.
   */
  public static class UpdateDeviceCountFn extends DoFn<KV<Integer, Long>, EventsCounted> {
    private static final String DEVICE = "device";
    private static final String TICK = "tick";
    private static final String END_OF_INPUT = "endOfInput";
    private static final String SILENCE = "silence";

    /**
     * All of a device's state in one cell, read once and written once per bundle and per tick: a
     * runner keeps, looks up and checkpoints one entry per device instead of one per field.
     */
    @StateId(DEVICE)
    private final StateSpec<ValueState<DeviceState>> deviceSpec = StateSpecs.value(DeviceState.CODER);

    /** Fires at the next tick of the grid (processing time). */
    @TimerId(TICK)
    private final TimerSpec tickSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    /**
     * Bounded input: fires once all input is counted. Processing-time timers still pending when
     * a bounded input ends are dropped by the Direct and Flink runners, so the end is found in
     * event time: the watermark passes the end of the global window only once every signal is
     * in. Unbounded input: never set, and declared in processing time, because the Spark runner
     * rejects a DoFn that declares an event-time timer in streaming mode.
     */
    @TimerId(END_OF_INPUT)
    private final TimerSpec endOfInputSpec;

    /**
     * With a device timeout: restarted by every signal, so it fires once the device has been
     * silent that long; it then moves itself to the next tick, where the device expires.
     */
    @TimerId(SILENCE)
    private final TimerSpec silenceSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    private final Duration triggerInterval;
    /**
     * What {@code Timer.offset} needs for {@code align(interval)} to land on the grid: align()
     * finds the next instant t with (t + offset) a multiple of the interval.
     */
    private final Duration gridOffset;
    private final Duration deviceTimeout;
    private final boolean untilEndOfInput;

    UpdateDeviceCountFn(Duration triggerInterval, Instant tickOrigin, Duration deviceTimeout,
        boolean untilEndOfInput) {
      this.triggerInterval = triggerInterval;
      this.gridOffset = Duration.millis(
          Math.floorMod(-tickOrigin.getMillis(), triggerInterval.getMillis()));
      this.deviceTimeout = deviceTimeout;
      this.untilEndOfInput = untilEndOfInput;
      this.endOfInputSpec = TimerSpecs.timer(
          untilEndOfInput ? TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME);
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, Long> signalsOfDevice,
        @StateId(DEVICE) ValueState<DeviceState> device,
        @TimerId(TICK) Timer tick,
        @TimerId(END_OF_INPUT) Timer endOfInput,
        @TimerId(SILENCE) Timer silence) {
      DeviceState before = device.read();
      if (before == null) {
        before = DeviceState.NEW;
        if (untilEndOfInput) {
          endOfInput.set(GlobalWindow.INSTANCE.maxTimestamp());
        }
      }
      if (deviceTimeout.getMillis() > 0) {
        silence.offset(deviceTimeout).setRelative(); // re-setting a timer moves it; no deletion
      }
      if (!before.tickArmed()) {
        // The first signal since the last report sets the timer for the next tick of the grid,
        // the same for all devices; the signals that follow leave it be, so an idle device has
        // no timer at all.
        nextTick(tick);
      }
      device.write(before.counted(signalsOfDevice.getValue()));
    }

    @OnTimer(TICK)
    public void onTick(
        OnTimerContext timer,
        @Key Integer deviceId,
        @StateId(DEVICE) ValueState<DeviceState> device,
        @TimerId(TICK) Timer tick,
        OutputReceiver<EventsCounted> out) {
      DeviceState state = device.read();
      if (state == null || state.finalReported()) {
        return; // the final count is out, or the device expired after this tick was armed
      }
      Instant thisTick = timer.fireTimestamp();
      if (state.hasReportedAtTick() && thisTick.getMillis() <= state.lastReportedTick()) {
        // A signal processed in the very millisecond of a tick that had already fired (Flink
        // fires at >= the tick) armed a timer for that same tick again, because align() rounds
        // an on-grid "now" to itself. Report it at the next tick instead of reporting twice.
        nextTick(tick);
        return;
      }
      out.output(state.report(deviceId, thisTick, Kind.TICK));
      device.write(state.reportedAtTick(thisTick));
    }

    @OnTimer(SILENCE)
    public void onSilence(
        OnTimerContext timer,
        @Key Integer deviceId,
        @StateId(DEVICE) ValueState<DeviceState> device,
        @TimerId(SILENCE) Timer silence,
        OutputReceiver<EventsCounted> out) {
      DeviceState state = device.read();
      if (state == null) {
        return;
      }
      Instant fired = timer.fireTimestamp();
      if (!isTick(fired)) {
        // Silent long enough. Like Spark, which checks timeouts at its triggers, expire at the
        // next tick, so expirations land in that tick's table; a signal before then restarts
        // the countdown instead.
        nextTick(silence);
        return;
      }
      out.output(state.report(deviceId, fired, Kind.EXPIRED));
      device.clear();
    }

    @OnTimer(END_OF_INPUT)
    public void onEndOfInput(
        @Key Integer deviceId,
        @StateId(DEVICE) ValueState<DeviceState> device,
        OutputReceiver<EventsCounted> out) {
      DeviceState state = device.read();
      if (state == null) {
        return; // expired since its last signal: the expiry report carried its count
      }
      // The final report's "tick" is the wall-clock instant: event time stands at the end of the
      // window here and would say nothing to a reader.
      out.output(state.report(deviceId, Instant.now(), Kind.FINAL));
      device.write(state.reportedFinal());
    }

    /** Sets {@code timer} for the next tick, or for now if now is a tick. */
    private void nextTick(Timer timer) {
      timer.offset(gridOffset).align(triggerInterval).setRelative();
    }

    private boolean isTick(Instant instant) {
      return Math.floorMod(instant.getMillis() + gridOffset.getMillis(), triggerInterval.getMillis()) == 0;
    }
  }

  /**
   * A device's state: its running count (what Spark's demo keeps in {@code GroupState<Long>}),
   * the count and tick of its last report (the next report says how many signals were added
   * since, and a tick is never reported twice), whether its tick timer is set, and whether the
   * final count of a bounded input is out (batch runners fire the pending processing-time timers
   * at the end too, and that tick must not repeat the final count).
   */
  record DeviceState(long count, long lastReportedCount, long lastReportedTick, boolean tickArmed,
      boolean finalReported) {
    private static final long NO_TICK = Long.MIN_VALUE;
    static final DeviceState NEW = new DeviceState(0, 0, NO_TICK, false, false);
    static final Coder<DeviceState> CODER = new DeviceStateCoder();

    /** With {@code signals} more counted; the tick timer is set. */
    DeviceState counted(long signals) {
      return new DeviceState(count + signals, lastReportedCount, lastReportedTick, true, finalReported);
    }

    boolean hasReportedAtTick() {
      return lastReportedTick != NO_TICK;
    }

    EventsCounted report(int deviceId, Instant at, Kind kind) {
      return new EventsCounted(deviceId, count, count - lastReportedCount, at, kind);
    }

    /** Reported at {@code tick}: no timer until the next signal. */
    DeviceState reportedAtTick(Instant tick) {
      return new DeviceState(count, count, tick.getMillis(), false, finalReported);
    }

    DeviceState reportedFinal() {
      return new DeviceState(count, count, lastReportedTick, tickArmed, true);
    }
  }

  /** A byte of flags, two variable-length longs, and the last tick only if there is one. */
  static final class DeviceStateCoder extends AtomicCoder<DeviceState> {
    private static final int TICK_ARMED = 1;
    private static final int FINAL_REPORTED = 2;
    private static final int HAS_REPORTED_AT_TICK = 4;

    @Override
    public void encode(DeviceState state, OutputStream out) throws IOException {
      int flags = (state.tickArmed() ? TICK_ARMED : 0) | (state.finalReported() ? FINAL_REPORTED : 0)
          | (state.hasReportedAtTick() ? HAS_REPORTED_AT_TICK : 0);
      out.write(flags);
      VarLongCoder.of().encode(state.count(), out);
      VarLongCoder.of().encode(state.lastReportedCount(), out);
      if (state.hasReportedAtTick()) {
        VarLongCoder.of().encode(state.lastReportedTick(), out);
      }
    }

    @Override
    public DeviceState decode(InputStream in) throws IOException {
      int flags = in.read();
      if (flags < 0) {
        throw new EOFException("a device's state ended before its flags");
      }
      long count = VarLongCoder.of().decode(in);
      long lastReportedCount = VarLongCoder.of().decode(in);
      long lastReportedTick = (flags & HAS_REPORTED_AT_TICK) != 0
          ? VarLongCoder.of().decode(in) : DeviceState.NO_TICK;
      return new DeviceState(count, lastReportedCount, lastReportedTick,
          (flags & TICK_ARMED) != 0, (flags & FINAL_REPORTED) != 0);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
