package dev.signals.groupstate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.NoSuchElementException;
import java.util.Optional;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link GroupState}'s rules, as Spark's FlatMapGroupsWithStateSuite checks them for its
 * GroupStateImpl, through {@link TestGroupState} (which users get for their own functions).
 */
class GroupStateTest {
  private static final long TICK = 10_000L;
  private static final long WATERMARK = 5_000L;

  private static TestGroupState<Integer> state(Integer initial, GroupStateTimeout timeout) {
    return TestGroupState.create(Optional.ofNullable(initial), timeout, TICK, Optional.of(WATERMARK), false);
  }

  @Test
  void withoutStateNothingExists() {
    TestGroupState<Integer> state = state(null, GroupStateTimeout.NoTimeout());
    assertThat(state.exists(), equalTo(false));
    assertThat(state.getOption(), equalTo(Optional.empty()));
    assertThrows(NoSuchElementException.class, state::get);
    assertThat(state.isUpdated(), equalTo(false));
    assertThat(state.isRemoved(), equalTo(false));
    assertThat(state.toString(), equalTo("GroupState(<undefined>)"));
  }

  @Test
  void existingStateIsReadable() {
    TestGroupState<Integer> state = state(3, GroupStateTimeout.NoTimeout());
    assertThat(state.exists(), equalTo(true));
    assertThat(state.get(), equalTo(3));
    assertThat(state.getOption(), equalTo(Optional.of(3)));
    assertThat(state.toString(), equalTo("GroupState(3)"));
  }

  @Test
  void updateReplacesAndMarksUpdated() {
    TestGroupState<Integer> state = state(null, GroupStateTimeout.NoTimeout());
    state.update(1);
    assertThat(state.get(), equalTo(1));
    state.update(2);
    assertThat(state.get(), equalTo(2));
    assertThat(state.exists(), equalTo(true));
    assertThat(state.isUpdated(), equalTo(true));
    assertThat(state.isRemoved(), equalTo(false));
  }

  @Test
  void removeAfterUpdateLeavesNothing() {
    TestGroupState<Integer> state = state(3, GroupStateTimeout.NoTimeout());
    state.update(4);
    state.remove();
    assertThat(state.exists(), equalTo(false));
    assertThat(state.getOption(), equalTo(Optional.empty()));
    assertThrows(NoSuchElementException.class, state::get);
    assertThat(state.isRemoved(), equalTo(true));
    assertThat(state.isUpdated(), equalTo(false));
  }

  @Test
  void updateAfterRemoveBringsStateBack() {
    TestGroupState<Integer> state = state(3, GroupStateTimeout.NoTimeout());
    state.remove();
    state.update(7);
    assertThat(state.get(), equalTo(7));
    assertThat(state.isUpdated(), equalTo(true));
    assertThat(state.isRemoved(), equalTo(false));
  }

  @Test
  void removeWithoutStateIsAllowed() {
    TestGroupState<Integer> state = state(null, GroupStateTimeout.NoTimeout());
    state.remove();
    assertThat(state.exists(), equalTo(false));
    assertThat(state.isRemoved(), equalTo(true));
  }

  @Test
  void updateWithNullIsRefusedAndChangesNothing() {
    TestGroupState<Integer> state = state(3, GroupStateTimeout.NoTimeout());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> state.update(null));
    assertThat(e.getMessage(), containsString("remove()"));
    assertThat(state.get(), equalTo(3));
    assertThat(state.isUpdated(), equalTo(false));
  }

  @Test
  void durationTimeoutCountsFromTheCallsTick() {
    TestGroupState<Integer> state = state(null, GroupStateTimeout.ProcessingTimeTimeout());
    assertThat(state.getTimeoutTimestampMs(), equalTo(Optional.empty()));
    state.setTimeoutDuration(15_000L);
    assertThat(state.getTimeoutTimestampMs(), equalTo(Optional.of(TICK + 15_000L)));
    state.setTimeoutDuration(1_000L); // the last one set counts
    assertThat(state.getTimeoutTimestampMs(), equalTo(Optional.of(TICK + 1_000L)));
  }

  @ParameterizedTest
  @CsvSource({
      "10 seconds, 10000", "1 second, 1000", "1 minute, 60000", "2 minutes, 120000",
      "1 hour 30 minutes, 5400000", "500 milliseconds, 500", "interval 2 seconds, 2000",
      "1 day, 86400000", "1 week, 604800000", "3 SECONDS, 3000", "10 sec, 10000"})
  void durationTimeoutReadsSparksIntervalStrings(String text, long millis) {
    TestGroupState<Integer> state = state(null, GroupStateTimeout.ProcessingTimeTimeout());
    state.setTimeoutDuration(text);
    assertThat(state.getTimeoutTimestampMs(), equalTo(Optional.of(TICK + millis)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "ten seconds", "10", "10 fortnights", "1 month", "2 years",
      "0 seconds", "-5 seconds", "10 seconds and more", "99999999999999999999 seconds"})
  void durationTimeoutRefusesWhatIsNoPositiveFixedDuration(String text) {
    TestGroupState<Integer> state = state(null, GroupStateTimeout.ProcessingTimeTimeout());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> state.setTimeoutDuration(text));
    assertThat(e.getMessage(), containsString("Timeout duration"));
    assertThat(state.getTimeoutTimestampMs(), equalTo(Optional.empty()));
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, -10_000})
  void durationTimeoutMustBePositive(long millis) {
    TestGroupState<Integer> state = state(null, GroupStateTimeout.ProcessingTimeTimeout());
    assertThrows(IllegalArgumentException.class, () -> state.setTimeoutDuration(millis));
  }

  @Test
  void durationTimeoutNeedsProcessingTimeTimeout() {
    for (GroupStateTimeout other : new GroupStateTimeout[] {
        GroupStateTimeout.NoTimeout(), GroupStateTimeout.EventTimeTimeout()}) {
      TestGroupState<Integer> state = state(null, other);
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
          () -> state.setTimeoutDuration(1_000L));
      assertThat(e.getMessage(), containsString("ProcessingTimeTimeout"));
      assertThrows(UnsupportedOperationException.class, () -> state.setTimeoutDuration("1 minute"));
      // The kind is checked before the value, as in Spark.
      assertThrows(UnsupportedOperationException.class, () -> state.setTimeoutDuration(-1L));
      assertThrows(UnsupportedOperationException.class, () -> state.setTimeoutDuration("nonsense"));
    }
  }

  @Test
  void timestampTimeoutIsKeptAsGiven() {
    TestGroupState<Integer> state = state(null, GroupStateTimeout.EventTimeTimeout());
    state.setTimeoutTimestamp(WATERMARK);
    assertThat(state.getTimeoutTimestampMs(), equalTo(Optional.of(WATERMARK)));
    state.setTimeoutTimestamp(60_000L);
    assertThat(state.getTimeoutTimestampMs(), equalTo(Optional.of(60_000L)));
  }

  @Test
  void timestampTimeoutMustBePositiveNotBeforeTheWatermarkAndInsideTheGlobalWindow() {
    TestGroupState<Integer> state = state(null, GroupStateTimeout.EventTimeTimeout());
    assertThrows(IllegalArgumentException.class, () -> state.setTimeoutTimestamp(0));
    assertThrows(IllegalArgumentException.class, () -> state.setTimeoutTimestamp(-1));
    IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
        () -> state.setTimeoutTimestamp(WATERMARK - 1));
    assertThat(early.getMessage(), containsString("watermark"));
    assertThrows(IllegalArgumentException.class,
        () -> state.setTimeoutTimestamp(GlobalWindow.INSTANCE.maxTimestamp().getMillis() + 1));
    assertThat(state.getTimeoutTimestampMs(), equalTo(Optional.empty()));
  }

  @Test
  void timestampTimeoutWithoutAWatermarkOnlyNeedsToBePositive() {
    TestGroupState<Integer> state = TestGroupState.create(Optional.empty(),
        GroupStateTimeout.EventTimeTimeout(), TICK, Optional.empty(), false);
    state.setTimeoutTimestamp(1);
    assertThat(state.getTimeoutTimestampMs(), equalTo(Optional.of(1L)));
    assertThrows(UnsupportedOperationException.class, state::getCurrentWatermarkMs);
  }

  @Test
  void timestampTimeoutNeedsEventTimeTimeout() {
    for (GroupStateTimeout other : new GroupStateTimeout[] {
        GroupStateTimeout.NoTimeout(), GroupStateTimeout.ProcessingTimeTimeout()}) {
      TestGroupState<Integer> state = state(null, other);
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
          () -> state.setTimeoutTimestamp(60_000L));
      assertThat(e.getMessage(), containsString("EventTimeTimeout"));
      assertThrows(UnsupportedOperationException.class, () -> state.setTimeoutTimestamp(-1L));
    }
  }

  @Test
  void removeKeepsTheTimeoutSetInTheCall() {
    TestGroupState<Integer> state = state(3, GroupStateTimeout.ProcessingTimeTimeout());
    state.setTimeoutDuration("5 seconds");
    state.remove();
    assertThat(state.getTimeoutTimestampMs(), equalTo(Optional.of(TICK + 5_000L)));
  }

  @Test
  void hasTimedOutAndTheClocksAreWhatTheCallWasGiven() {
    TestGroupState<Integer> timedOut = TestGroupState.create(Optional.of(1),
        GroupStateTimeout.ProcessingTimeTimeout(), TICK, Optional.of(WATERMARK), true);
    assertThat(timedOut.hasTimedOut(), equalTo(true));
    assertThat(timedOut.getCurrentProcessingTimeMs(), equalTo(TICK));
    assertThat(timedOut.getCurrentWatermarkMs(), equalTo(WATERMARK));
    assertThat(state(1, GroupStateTimeout.ProcessingTimeTimeout()).hasTimedOut(), equalTo(false));
  }

  @Test
  void aCallCannotTimeOutWithoutTimeouts() {
    assertThrows(IllegalArgumentException.class, () -> TestGroupState.create(Optional.empty(),
        GroupStateTimeout.NoTimeout(), TICK, Optional.empty(), true));
  }

  @Test
  void timeoutKindsSurviveSerialisation() throws Exception {
    for (GroupStateTimeout kind : new GroupStateTimeout[] {GroupStateTimeout.NoTimeout(),
        GroupStateTimeout.ProcessingTimeTimeout(), GroupStateTimeout.EventTimeTimeout()}) {
      GroupStateTimeout copy = org.apache.beam.sdk.util.SerializableUtils.clone(kind);
      assertThat(copy == kind, equalTo(true));
    }
  }
}
