package dev.signals.groupstate;

import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The state of one key, handed to the user's function at each call: Spark's {@code
 * org.apache.spark.sql.streaming.GroupState}, with its rules.
 *
 * <pre>{@code
 * (key, values, state) -> {
 *   if (state.hasTimedOut()) {          // called with no values: the key was silent too long
 *     state.remove();
 *     return Collections.emptyIterator();
 *   }
 *   long count = state.getOption().orElse(0L);
 *   while (values.hasNext()) { values.next(); count++; }
 *   state.update(count);                // kept for the key's next call
 *   state.setTimeoutDuration("1 minute"); // every call clears the timeout: set it again
 *   return List.of(KV.of(key, count)).iterator();
 * }
 * }</pre>
 *
 * <p>Only the function's own call may use it; what {@link #update} and {@link #remove} do is
 * saved when the call returns. State lives until the function removes it: there is no hidden
 * expiry.
 */
public interface GroupState<S> {

  /** Whether the key has state: set by {@link #update}, or by the initial state, not removed. */
  boolean exists();

  /**
   * The key's state.
   *
   * @throws NoSuchElementException if it has none ({@link #exists()} is false)
   */
  S get();

  /** The key's state, or empty if it has none. */
  Optional<S> getOption();

  /**
   * Replaces the key's state; the next call sees {@code newState}.
   *
   * @throws IllegalArgumentException if {@code newState} is null (use {@link #remove()})
   */
  void update(S newState);

  /**
   * Drops the key's state: the key's next call starts with none. A timeout set in this call is
   * kept, so that the timed-out call still comes (then with {@code exists() == false}).
   */
  void remove();

  /**
   * Whether this call is a timeout: no values came for the key and the timeout set in its
   * previous call has passed. The iterator of values is then empty.
   */
  boolean hasTimedOut();

  /**
   * With {@link GroupStateTimeout#ProcessingTimeTimeout()}: call the key again, with no values
   * and {@link #hasTimedOut()} true, at the first tick at or after this call's tick ({@link
   * #getCurrentProcessingTimeMs()}) plus {@code durationMs}, unless values come for it first.
   * Every call starts with no timeout: set it on each call that wants one.
   *
   * @throws IllegalArgumentException if {@code durationMs} is 0 or less
   * @throws UnsupportedOperationException if the transform was not built with {@code
   *     ProcessingTimeTimeout}
   */
  void setTimeoutDuration(long durationMs);

  /**
   * {@link #setTimeoutDuration(long)} with the duration as text: {@code "10 seconds"}, {@code "1
   * minute"}, {@code "1 hour 30 minutes"}, {@code "500 milliseconds"} (units: millisecond,
   * second, minute, hour, day, week, singular or plural; months and years are not fixed lengths
   * and are refused, as Spark refuses them).
   *
   * @throws IllegalArgumentException if the text is not such a duration, or is 0 or less
   * @throws UnsupportedOperationException if the transform was not built with {@code
   *     ProcessingTimeTimeout}
   */
  void setTimeoutDuration(String duration);

  /**
   * With {@link GroupStateTimeout#EventTimeTimeout()}: call the key again, with no values and
   * {@link #hasTimedOut()} true, at the first tick after the watermark passes {@code
   * timestampMs}, unless values come for it first. Every call starts with no timeout.
   *
   * @throws IllegalArgumentException if {@code timestampMs} is 0 or less, earlier than {@link
   *     #getCurrentWatermarkMs()}, or past the end of Beam's global window
   * @throws UnsupportedOperationException if the transform was not built with {@code
   *     EventTimeTimeout}
   */
  void setTimeoutTimestamp(long timestampMs);

  /**
   * The instant of this call's tick, in epoch millis: the same for every key called at one tick.
   * (A key called before its tick because it has more values waiting than the transform keeps,
   * see {@link GroupsWithState#withMaxPendingValuesPerKey}, sees the tick its values were waiting
   * for; the last call of a bounded input sees the wall clock.)
   */
  long getCurrentProcessingTimeMs();

  /**
   * The event-time watermark, as far as this key has seen it, in epoch millis. Beam does not show
   * a step its input watermark, so this is a lower bound: the newest event-time timer this key
   * saw fire (its timeout timestamp in a timed-out call), or {@code
   * BoundedWindow.TIMESTAMP_MIN_VALUE} before any. In the last call of a bounded input it is
   * {@code BoundedWindow.TIMESTAMP_MAX_VALUE}: the input is complete.
   */
  long getCurrentWatermarkMs();
}
