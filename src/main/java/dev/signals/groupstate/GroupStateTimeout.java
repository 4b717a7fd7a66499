package dev.signals.groupstate;

import java.io.Serializable;

/**
 * Which kind of timeout a {@link GroupsWithState} transform lets its function set, as in Spark's
 * {@code org.apache.spark.sql.streaming.GroupStateTimeout}:
 *
 * <pre>{@code
 * GroupsWithState.flatMap(fn)
 *     .triggeredEvery(Duration.standardSeconds(10))
 *     .withTimeout(GroupStateTimeout.ProcessingTimeTimeout());
 * }</pre>
 *
 * <ul>
 *   <li>{@link #NoTimeout()}: neither {@code setTimeoutDuration} nor {@code setTimeoutTimestamp}
 *       may be called (the default);
 *   <li>{@link #ProcessingTimeTimeout()}: {@code setTimeoutDuration}; the key is called with
 *       {@code hasTimedOut() == true} at the first tick at or after its call's tick plus the
 *       duration, if no values came for it before;
 *   <li>{@link #EventTimeTimeout()}: {@code setTimeoutTimestamp}; the key is called at the first
 *       tick after the watermark passes the timestamp. Not on the classic Spark runner in
 *       streaming mode, which rejects event-time timers: the pipeline fails when it is built.
 * </ul>
 */
@SuppressWarnings("MethodName") // Spark's names, so that a Spark user finds them
public final class GroupStateTimeout implements Serializable {
  private static final long serialVersionUID = 1L;

  enum Kind {
    NONE,
    PROCESSING_TIME,
    EVENT_TIME
  }

  private static final GroupStateTimeout NO_TIMEOUT = new GroupStateTimeout(Kind.NONE);
  private static final GroupStateTimeout PROCESSING_TIME = new GroupStateTimeout(Kind.PROCESSING_TIME);
  private static final GroupStateTimeout EVENT_TIME = new GroupStateTimeout(Kind.EVENT_TIME);

  private final Kind kind;

  private GroupStateTimeout(Kind kind) {
    this.kind = kind;
  }

  public static GroupStateTimeout NoTimeout() {
    return NO_TIMEOUT;
  }

  public static GroupStateTimeout ProcessingTimeTimeout() {
    return PROCESSING_TIME;
  }

  public static GroupStateTimeout EventTimeTimeout() {
    return EVENT_TIME;
  }

  Kind kind() {
    return kind;
  }

  /** One instance per kind, also after deserialisation. */
  private Object readResolve() {
    return switch (kind) {
      case NONE -> NO_TIMEOUT;
      case PROCESSING_TIME -> PROCESSING_TIME;
      case EVENT_TIME -> EVENT_TIME;
    };
  }

  @Override
  public String toString() {
    return switch (kind) {
      case NONE -> "NoTimeout";
      case PROCESSING_TIME -> "ProcessingTimeTimeout";
      case EVENT_TIME -> "EventTimeTimeout";
    };
  }
}
