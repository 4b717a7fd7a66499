package dev.signals.console;

import dev.signals.cli.Launcher;
import java.util.concurrent.atomic.AtomicLong;
import org.joda.time.Instant;

/**
 * Whether the runner keeps up with the ticks, as seen in this JVM: how long signals have waited
 * for a report of a tick after them. Every signal is reported at the next tick, so on a runner
 * that keeps up this stays below about one interval. The rate source never idles, so signals
 * always wait; the Kafka source's step notes when it hands on signals (a topic may idle);
 * {@link LogProgress} notes the ticks reported. The {@link Launcher} reads it when the
 * pipeline runs in its own JVM, to stop a DirectRunner that has fallen behind instead of leaving
 * the user with a silent program. (The DirectRunner looks at the timers of every key after each
 * bundle; with enough devices reporting per tick it stops getting anywhere.)
 */
public final class TickWatch {
  private static final long NONE = Long.MIN_VALUE;
  private static final AtomicLong LATEST_REPORTED_TICK = new AtomicLong(NONE);
  /** When the first signal after the latest reported tick was seen (stale if not after it). */
  private static final AtomicLong UNREPORTED_SINCE = new AtomicLong(NONE);
  /** Set for a source that never idles: then signals always wait for the next tick. */
  private static volatile long alwaysSignalsSince = NONE;

  private TickWatch() {}

  /**
   * The source never idles (the rate source): from {@code nowMillis} on, signals are always
   * waiting for the next tick, even when a stalled runner has stopped reading them too.
   */
  public static void signalsAlwaysWaitingFrom(long nowMillis) {
    alwaysSignalsSince = nowMillis;
  }

  /** A source that may idle handed on signals at {@code nowMillis}. */
  public static void signalsSeen(long nowMillis) {
    long since = UNREPORTED_SINCE.get();
    if (since == NONE || since <= LATEST_REPORTED_TICK.get()) {
      UNREPORTED_SINCE.compareAndSet(since, nowMillis);
    }
  }

  /** Reports of {@code tick} reached the progress step. */
  static void tickReported(Instant tick) {
    if (tick.getMillis() > LATEST_REPORTED_TICK.get()) {
      LATEST_REPORTED_TICK.accumulateAndGet(tick.getMillis(), Math::max);
    }
  }

  /** How long signals have waited for a tick's report: 0 if none is waiting. */
  public static long waitingMillis(long nowMillis) {
    long reported = LATEST_REPORTED_TICK.get();
    long since;
    if (alwaysSignalsSince != NONE) {
      since = Math.max(alwaysSignalsSince, reported);
    } else {
      since = UNREPORTED_SINCE.get();
      if (since == NONE || since <= reported) {
        return 0;
      }
    }
    return Math.max(0, nowMillis - since);
  }
}
