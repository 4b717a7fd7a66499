package dev.signals.groupstate;

import java.util.Optional;

/**
 * A {@link GroupState} for unit-testing a function without a pipeline, like Spark's {@code
 * org.apache.spark.sql.streaming.TestGroupState}: build one as a call would see it, call the
 * function, then check what it did to the state.
 *
 * <pre>{@code
 * TestGroupState<Long> state = TestGroupState.create(Optional.of(41L),
 *     GroupStateTimeout.ProcessingTimeTimeout(), 10_000L, Optional.empty(), false);
 * Iterator<KV<String, Long>> out = countPerKey.call("a", List.of(1L).iterator(), state);
 * assertEquals(42L, state.get());
 * assertTrue(state.isUpdated());
 * assertEquals(Optional.of(70_000L), state.getTimeoutTimestampMs()); // set to 1 minute
 * }</pre>
 */
public final class TestGroupState<S> implements GroupState<S> {
  private final GroupStateImpl<S> state;

  private TestGroupState(GroupStateImpl<S> state) {
    this.state = state;
  }

  /**
   * The state a call sees.
   *
   * @param initialState the key's state before the call, or empty
   * @param timeout the transform's timeout kind
   * @param batchProcessingTimeMs the call's tick ({@link #getCurrentProcessingTimeMs()})
   * @param eventTimeWatermarkMs the watermark the call sees, or empty for none (then {@link
   *     #getCurrentWatermarkMs()} throws, as Spark's does without a watermark)
   * @param hasTimedOut whether the call is a timeout (not under {@code NoTimeout})
   */
  public static <S> TestGroupState<S> create(Optional<S> initialState, GroupStateTimeout timeout,
      long batchProcessingTimeMs, Optional<Long> eventTimeWatermarkMs, boolean hasTimedOut) {
    if (initialState == null || timeout == null || eventTimeWatermarkMs == null) {
      throw new IllegalArgumentException("initialState, timeout and eventTimeWatermarkMs must not be "
          + "null; use Optional.empty() and GroupStateTimeout.NoTimeout()");
    }
    return new TestGroupState<>(new GroupStateImpl<>(initialState, timeout, batchProcessingTimeMs,
        eventTimeWatermarkMs, hasTimedOut));
  }

  /** Whether the function called {@link #update} (and not {@link #remove} after it). */
  public boolean isUpdated() {
    return state.isUpdated();
  }

  /** Whether the function called {@link #remove} (and not {@link #update} after it). */
  public boolean isRemoved() {
    return state.isRemoved();
  }

  /** The timeout the function set in this call, in epoch millis, or empty if none. */
  public Optional<Long> getTimeoutTimestampMs() {
    long at = state.timeoutTimestampMs();
    return at == GroupStateImpl.NO_TIMESTAMP ? Optional.empty() : Optional.of(at);
  }

  @Override
  public boolean exists() {
    return state.exists();
  }

  @Override
  public S get() {
    return state.get();
  }

  @Override
  public Optional<S> getOption() {
    return state.getOption();
  }

  @Override
  public void update(S newState) {
    state.update(newState);
  }

  @Override
  public void remove() {
    state.remove();
  }

  @Override
  public boolean hasTimedOut() {
    return state.hasTimedOut();
  }

  @Override
  public void setTimeoutDuration(long durationMs) {
    state.setTimeoutDuration(durationMs);
  }

  @Override
  public void setTimeoutDuration(String duration) {
    state.setTimeoutDuration(duration);
  }

  @Override
  public void setTimeoutTimestamp(long timestampMs) {
    state.setTimeoutTimestamp(timestampMs);
  }

  @Override
  public long getCurrentProcessingTimeMs() {
    return state.getCurrentProcessingTimeMs();
  }

  @Override
  public long getCurrentWatermarkMs() {
    return state.getCurrentWatermarkMs();
  }

  @Override
  public String toString() {
    return state.toString();
  }
}
