package dev.signals.groupstate;

import java.io.Serializable;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells when a tick timer armed long ago has not fired, so that the caller arms it again.
 *
 * <p>A key (or shard) with its tick timer armed does not arm it again when more values come: one
 * timer per key is what keeps the runner's timer bookkeeping small. If that timer went missing,
 * the key's values would wait for ever. Runners keep timers with state, through restores too, so
 * this should never happen; a timer missing after a Flink restore was nevertheless seen once,
 * with {@code --fasterCopy=true}, which {@link GroupsWithState} now refuses (docs/known-limits.md).
 * The guard stays as a net. It notes when the timer was armed (wall clock) and, when values
 * come long after its tick should have fired, says so: the caller arms it again, the counter
 * {@code lostTickTimersArmedAgain} counts it and a warning is logged (the first time, then at
 * most once a minute per DoFn instance). Only a timer far later than a runner's lateness under
 * load counts as lost; one merely late and set again would move to the next tick, not be lost.
 */
final class LostTickGuard implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(GroupsWithState.class);
  private static final long LOG_EVERY_MS = 60_000;

  /** Ticks later than this are not late but lost: ten intervals, and at least a minute. */
  static final int INTERVALS = 10;
  static final long AT_LEAST_MS = 60_000;

  private final long lostAfterMs;
  private final Counter armedAgain = Metrics.counter(GroupsWithState.class, "lostTickTimersArmedAgain");
  // A DoFn instance is called by one thread at a time: plain fields, per instance.
  private long lastWarnedMs;
  private long lostSinceWarned;
  private int warnings;

  LostTickGuard(TickGrid grid) {
    this.lostAfterMs = Math.max(INTERVALS * grid.interval().getMillis(), AT_LEAST_MS);
  }

  /**
   * Whether a tick timer armed at {@code armedAtMs} (wall clock, or {@link KeyBook#NONE} when
   * unknown) should long have fired by {@code nowMs}; counts and logs it when so, naming the
   * timer's owner as {@code what} (key or shard) and {@code which} (no string is built otherwise:
   * this runs for every arrival).
   */
  boolean lost(long armedAtMs, long nowMs, String what, Object which) {
    if (armedAtMs == KeyBook.NONE || nowMs - armedAtMs <= lostAfterMs) {
      return false;
    }
    armedAgain.inc();
    lostSinceWarned++;
    if (warnings == 0 || nowMs - lastWarnedMs >= LOG_EVERY_MS) {
      LOG.warn("The tick timer of {} {} was armed {} s ago and never fired; armed"
          + " it again ({} such timer(s) here since the last warning, counter"
          + " lostTickTimersArmedAgain)", what, which, (nowMs - armedAtMs) / 1000, lostSinceWarned);
      lastWarnedMs = nowMs;
      lostSinceWarned = 0;
      warnings++;
    }
    return true;
  }

  /** How many warnings were logged (for tests). */
  int warnings() {
    return warnings;
  }
}
