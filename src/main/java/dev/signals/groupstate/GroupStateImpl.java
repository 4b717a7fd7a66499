package dev.signals.groupstate;

import dev.signals.groupstate.GroupStateTimeout.Kind;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;

/**
 * The {@link GroupState} of one call: what the function read, updated, removed and which timeout
 * it set, for the transform (or a test) to read back when the call returns. Spark's {@code
 * GroupStateImpl}, rule for rule.
 */
final class GroupStateImpl<S> implements GroupState<S> {
  /** Spark's marker for "no timestamp": no timeout set, or no watermark. */
  static final long NO_TIMESTAMP = -1L;

  private final GroupStateTimeout timeout;
  private final long processingTimeMs;
  private final Optional<Long> watermarkMs;
  private final boolean timedOut;
  private S value;
  private boolean updated;
  private boolean removed;
  private long timeoutTimestampMs = NO_TIMESTAMP;

  GroupStateImpl(Optional<S> value, GroupStateTimeout timeout, long processingTimeMs,
      Optional<Long> watermarkMs, boolean timedOut) {
    if (timedOut && timeout.kind() == Kind.NONE) {
      throw new IllegalArgumentException("a call cannot have timed out under NoTimeout");
    }
    this.value = value.orElse(null);
    this.timeout = timeout;
    this.processingTimeMs = processingTimeMs;
    this.watermarkMs = watermarkMs;
    this.timedOut = timedOut;
  }

  @Override
  public boolean exists() {
    return value != null;
  }

  @Override
  public S get() {
    if (value == null) {
      throw new NoSuchElementException("State is either not defined or has already been removed");
    }
    return value;
  }

  @Override
  public Optional<S> getOption() {
    return Optional.ofNullable(value);
  }

  @Override
  public void update(S newState) {
    if (newState == null) {
      throw new IllegalArgumentException("'null' is not a valid state value; use remove() to drop the state");
    }
    value = newState;
    updated = true;
    removed = false;
  }

  @Override
  public void remove() {
    value = null;
    updated = false;
    removed = true;
  }

  @Override
  public boolean hasTimedOut() {
    return timedOut;
  }

  @Override
  public void setTimeoutDuration(long durationMs) {
    requireTimeout(Kind.PROCESSING_TIME, "setTimeoutDuration", "ProcessingTimeTimeout()");
    if (durationMs <= 0) {
      throw new IllegalArgumentException("Timeout duration must be positive, got " + durationMs + " ms");
    }
    timeoutTimestampMs = processingTimeMs + durationMs;
  }

  @Override
  public void setTimeoutDuration(String duration) {
    requireTimeout(Kind.PROCESSING_TIME, "setTimeoutDuration", "ProcessingTimeTimeout()"); // before the text, as Spark
    setTimeoutDuration(TimeoutDurations.parseMillis(duration));
  }

  @Override
  public void setTimeoutTimestamp(long timestampMs) {
    requireTimeout(Kind.EVENT_TIME, "setTimeoutTimestamp", "EventTimeTimeout()");
    if (timestampMs <= 0) {
      throw new IllegalArgumentException("Timeout timestamp must be positive, got " + timestampMs);
    }
    if (watermarkMs.isPresent() && timestampMs < watermarkMs.get()) {
      throw new IllegalArgumentException("Timeout timestamp (" + timestampMs
          + ") cannot be earlier than the current watermark (" + watermarkMs.get() + ")");
    }
    long lastInGlobalWindow = GlobalWindow.INSTANCE.maxTimestamp().getMillis();
    if (timestampMs > lastInGlobalWindow) {
      throw new IllegalArgumentException("Timeout timestamp (" + timestampMs
          + ") is past the end of Beam's global window (" + lastInGlobalWindow + ")");
    }
    timeoutTimestampMs = timestampMs;
  }

  private void requireTimeout(Kind kind, String method, String factory) {
    if (timeout.kind() != kind) {
      throw new UnsupportedOperationException(method + " needs the transform built with "
          + "withTimeout(GroupStateTimeout." + factory + "); it has " + timeout);
    }
  }

  @Override
  public long getCurrentProcessingTimeMs() {
    return processingTimeMs;
  }

  @Override
  public long getCurrentWatermarkMs() {
    return watermarkMs.orElseThrow(() -> new UnsupportedOperationException(
        "this state was created without a watermark"));
  }

  boolean isUpdated() {
    return updated;
  }

  boolean isRemoved() {
    return removed;
  }

  /** The timeout this call set, or {@link #NO_TIMESTAMP}: every call starts without one. */
  long timeoutTimestampMs() {
    return timeoutTimestampMs;
  }

  GroupStateTimeout timeout() {
    return timeout;
  }

  /** As Spark prints it, which the seed's {@code println(s"State: $state")} shows. */
  @Override
  public String toString() {
    return "GroupState(" + (value == null ? "<undefined>" : String.valueOf(value)) + ")";
  }
}
