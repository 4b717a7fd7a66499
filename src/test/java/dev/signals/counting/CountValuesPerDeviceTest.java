package dev.signals.counting;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import dev.signals.groupstate.GroupStateTimeout;
import dev.signals.groupstate.TestGroupState;
import dev.signals.model.EventsCounted.Kind;
import dev.signals.model.EventsCounted;
import dev.signals.model.Signal;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The seed's function and what the demo adds around it, called without a pipeline. */
class CountValuesPerDeviceTest {
  private static final Instant TICK = Instant.parse("2026-11-25T15:00:10Z");
  private static final long WATERMARK = TICK.getMillis() - 5_000;

  private static List<Signal> signals(int deviceId, int n) {
    List<Signal> signals = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      signals.add(new Signal(TICK.minus(Duration.millis(100 * (n - i))), deviceId, i));
    }
    return signals;
  }

  private static TestGroupState<Map<Integer, Long>> state(Map<Integer, Long> before,
      GroupStateTimeout timeout, long watermark, boolean timedOut) {
    return TestGroupState.create(Optional.ofNullable(before), timeout, TICK.getMillis(),
        Optional.of(watermark), timedOut);
  }

  private static List<EventsCounted> drain(Iterator<EventsCounted> reports) {
    List<EventsCounted> all = new ArrayList<>();
    reports.forEachRemaining(all::add);
    return all;
  }

  @Test
  void theFirstCallCountsFromZeroInAMapKeyedByTheDevice() {
    TestGroupState<Map<Integer, Long>> state = state(null, GroupStateTimeout.NoTimeout(), WATERMARK, false);
    List<EventsCounted> reports = drain(new CountValuesPerDevice(false).call(3, signals(3, 2).iterator(), state));
    assertThat(state.get(), equalTo(Map.of(3, 2L)));
    assertThat(state.isUpdated(), equalTo(true));
    assertThat(reports, contains(new EventsCounted(3, 2, 2, TICK)));
  }

  @Test
  void laterCallsAddToTheCount() {
    TestGroupState<Map<Integer, Long>> state = state(Map.of(3, 5L), GroupStateTimeout.NoTimeout(), WATERMARK, false);
    List<EventsCounted> reports = drain(new CountValuesPerDevice(false).call(3, signals(3, 1).iterator(), state));
    assertThat(state.get(), equalTo(Map.of(3, 6L)));
    assertThat(reports, contains(new EventsCounted(3, 6, 1, TICK)));
  }

  @Test
  void showSignalsPrintsWhatTheSeedPrintsOnStderr() {
    PrintStream stderr = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      new CountValuesPerDevice(true).call(3, signals(3, 2).iterator(),
          state(null, GroupStateTimeout.NoTimeout(), WATERMARK, false));
    } finally {
      System.setErr(stderr);
    }
    assertThat(printed.toString(StandardCharsets.UTF_8).lines().toList(), contains(
        "Device: 3",
        "Signals (2):",
        "0. Signal(2026-11-25T15:00:09.800Z,3,0)",
        "1. Signal(2026-11-25T15:00:09.900Z,3,1)",
        "State: GroupState(<undefined>)"));
  }

  @Test
  void aTimedOutDeviceIsReportedExpiredAndForgotten() {
    TestGroupState<Map<Integer, Long>> state =
        state(Map.of(3, 7L), GroupStateTimeout.ProcessingTimeTimeout(), WATERMARK, true);
    List<EventsCounted> reports = drain(new CountSignalsWithGroupState.ReportsAroundTheSeed(
        new CountValuesPerDevice(false), Duration.standardSeconds(30), false)
        .call(3, List.<Signal>of().iterator(), state));
    assertThat(reports, contains(new EventsCounted(3, 7, 0, TICK, Kind.EXPIRED)));
    assertThat(state.isRemoved(), equalTo(true));
    assertThat(state.getTimeoutTimestampMs(), equalTo(Optional.empty()));
  }

  @Test
  void eachCallWithSignalsSetsTheDeviceTimeoutAgain() {
    TestGroupState<Map<Integer, Long>> state =
        state(Map.of(3, 7L), GroupStateTimeout.ProcessingTimeTimeout(), WATERMARK, false);
    new CountSignalsWithGroupState.ReportsAroundTheSeed(new CountValuesPerDevice(false),
        Duration.standardSeconds(30), false).call(3, signals(3, 1).iterator(), state);
    assertThat(state.getTimeoutTimestampMs(), equalTo(Optional.of(TICK.getMillis() + 30_000)));
  }

  @Test
  void aBoundedRunAsksForACallAtTheEndAndReportsItAsFinal() {
    CountSignalsWithGroupState.ReportsAroundTheSeed reports = new CountSignalsWithGroupState.ReportsAroundTheSeed(
        new CountValuesPerDevice(false), Duration.ZERO, true);
    TestGroupState<Map<Integer, Long>> during = state(null, GroupStateTimeout.EventTimeTimeout(), WATERMARK, false);
    assertThat(drain(reports.call(3, signals(3, 2).iterator(), during)),
        contains(new EventsCounted(3, 2, 2, TICK)));
    assertThat(during.getTimeoutTimestampMs(),
        equalTo(Optional.of(GlobalWindow.INSTANCE.maxTimestamp().getMillis())));

    long end = BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis();
    TestGroupState<Map<Integer, Long>> withSignals = state(Map.of(3, 2L), GroupStateTimeout.EventTimeTimeout(), end, false);
    assertThat(drain(reports.call(3, signals(3, 1).iterator(), withSignals)),
        contains(new EventsCounted(3, 3, 1, TICK, Kind.FINAL)));
    TestGroupState<Map<Integer, Long>> silent = state(Map.of(3, 2L), GroupStateTimeout.EventTimeTimeout(), end, true);
    assertThat(drain(reports.call(3, List.<Signal>of().iterator(), silent)),
        contains(new EventsCounted(3, 2, 0, TICK, Kind.FINAL)));
  }
}
