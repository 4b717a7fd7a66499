package dev.signals.counting;

import dev.signals.groupstate.FlatMapGroupsWithStateFunction;
import dev.signals.groupstate.GroupState;
import dev.signals.groupstate.GroupStateTimeout;
import dev.signals.groupstate.GroupsWithState;
import dev.signals.model.EventsCounted.Kind;
import dev.signals.model.EventsCounted;
import dev.signals.model.Signal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The same reports as {@link CountSignalsPerDevice}, made by the seed's own function ({@link
 * CountValuesPerDevice}) through the generic {@link GroupsWithState} transform: what {@code
 * --aggregation=groupstate} runs.
 *
 * <p>Around the seed's function, the demo adds what its console needs, with GroupState's own
 * means: a device silent for the timeout is reported as expired and forgotten (a processing-time
 * timeout, set again at every call); and a bounded input ends with every device's final count
 * (an event-time timeout at the end of time, which the watermark reaches once the input ends).
 */
public class CountSignalsWithGroupState extends PTransform<PCollection<Signal>, PCollection<EventsCounted>> {
  private final Duration triggerInterval;
  private final Instant tickOrigin;
  private final Duration deviceTimeout;
  private final boolean showSignals;
  private final int keyShards;

  private CountSignalsWithGroupState(Duration triggerInterval, Instant tickOrigin,
      Duration deviceTimeout, boolean showSignals, int keyShards) {
    this.triggerInterval = triggerInterval;
    this.tickOrigin = tickOrigin;
    this.deviceTimeout = deviceTimeout;
    this.showSignals = showSignals;
    this.keyShards = keyShards;
  }

  public static CountSignalsWithGroupState every(Duration triggerInterval) {
    return new CountSignalsWithGroupState(triggerInterval, new Instant(0), Duration.ZERO, false, 0);
  }

  public CountSignalsWithGroupState withTicksFrom(Instant origin) {
    return new CountSignalsWithGroupState(triggerInterval, origin, deviceTimeout, showSignals, keyShards);
  }

  /** Expires a device silent for {@code deviceTimeout} (endless input only); ZERO: never. */
  public CountSignalsWithGroupState expiringAfter(Duration deviceTimeout) {
    return new CountSignalsWithGroupState(triggerInterval, tickOrigin, deviceTimeout, showSignals, keyShards);
  }

  /** Prints what the seed prints per call, on stderr. */
  public CountSignalsWithGroupState showingSignals(boolean showSignals) {
    return new CountSignalsWithGroupState(triggerInterval, tickOrigin, deviceTimeout, showSignals, keyShards);
  }

  /** Keeps the devices in this many shards (GroupsWithState.withKeyShards); 0: a key per device. */
  public CountSignalsWithGroupState inKeyShards(int keyShards) {
    return new CountSignalsWithGroupState(triggerInterval, tickOrigin, deviceTimeout, showSignals, keyShards);
  }

  @Override
  public PCollection<EventsCounted> expand(PCollection<Signal> signals) {
    boolean bounded = signals.isBounded() == PCollection.IsBounded.BOUNDED;
    if (bounded && deviceTimeout.getMillis() > 0) {
      throw new IllegalArgumentException("a device timeout needs an endless input: a bounded one "
          + "ends with every device's final count instead");
    }
    GroupStateTimeout timeout = bounded ? GroupStateTimeout.EventTimeTimeout()
        : deviceTimeout.getMillis() > 0 ? GroupStateTimeout.ProcessingTimeTimeout()
        : GroupStateTimeout.NoTimeout();
    GroupsWithState<Integer, Signal, Map<Integer, Long>, EventsCounted> countValuesPerDevice =
        GroupsWithState.flatMap(
                new ReportsAroundTheSeed(new CountValuesPerDevice(showSignals), deviceTimeout, bounded))
            .triggeredEvery(triggerInterval)
            .withTicksFrom(tickOrigin)
            .withTimeout(timeout)
            .withStateCoder(MapCoder.of(VarIntCoder.of(), VarLongCoder.of()))
            .withOutputCoder(EventsCounted.EventsCountedCoder.of());
    // Spark's signals.groupByKey(_.deviceId).flatMapGroupsWithState(...): keyed inside the
    // transform, which spares a step per signal.
    return signals.apply("CountValuesPerDevice",
        (keyShards > 0 ? countValuesPerDevice.withKeyShards(keyShards) : countValuesPerDevice)
            .keyedBy(Signal::deviceId, VarIntCoder.of()));
  }

  /** The seed's function, plus expiry and the final call of a bounded input. */
  static final class ReportsAroundTheSeed
      implements FlatMapGroupsWithStateFunction<Integer, Signal, Map<Integer, Long>, EventsCounted> {
    private static final long END_OF_INPUT = BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis();

    private final CountValuesPerDevice seed;
    private final Duration deviceTimeout;
    private final boolean bounded;

    ReportsAroundTheSeed(CountValuesPerDevice seed, Duration deviceTimeout, boolean bounded) {
      this.seed = seed;
      this.deviceTimeout = deviceTimeout;
      this.bounded = bounded;
    }

    @Override
    public Iterator<EventsCounted> call(Integer deviceId, Iterator<Signal> signals,
        GroupState<Map<Integer, Long>> state) {
      Instant now = new Instant(state.getCurrentProcessingTimeMs());
      boolean inputEnded = state.getCurrentWatermarkMs() == END_OF_INPUT;
      if (state.hasTimedOut()) {
        if (!state.exists()) {
          return Collections.emptyIterator();
        }
        long count = state.get().get(deviceId);
        if (inputEnded) {
          return List.of(new EventsCounted(deviceId, count, 0, now, Kind.FINAL)).iterator();
        }
        state.remove();
        return List.of(new EventsCounted(deviceId, count, 0, now, Kind.EXPIRED)).iterator();
      }
      Iterator<EventsCounted> reports = seed.call(deviceId, signals, state);
      if (inputEnded) {
        List<EventsCounted> finals = new ArrayList<>();
        reports.forEachRemaining(report -> finals.add(new EventsCounted(
            report.deviceId(), report.count(), report.added(), report.tick(), Kind.FINAL)));
        return finals.iterator();
      }
      if (bounded) {
        state.setTimeoutTimestamp(GlobalWindow.INSTANCE.maxTimestamp().getMillis());
      } else if (deviceTimeout.getMillis() > 0) {
        state.setTimeoutDuration(deviceTimeout.getMillis());
      }
      return reports;
    }
  }
}
