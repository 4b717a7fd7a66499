package dev.signals.groupstate;

import java.io.Serializable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/** The ticks: every {@code interval} from {@code origin}, before and after it. */
final class TickGrid implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long intervalMs;
  private final long originMs;

  TickGrid(Duration interval, Instant origin) {
    this.intervalMs = interval.getMillis();
    this.originMs = origin.getMillis();
  }

  Duration interval() {
    return Duration.millis(intervalMs);
  }

  /**
   * What {@code Timer.offset} needs for {@code align(interval)} to land on this grid: Beam's
   * align() picks the next instant t with (t + offset) a multiple of the interval.
   */
  Duration alignOffset() {
    return Duration.millis(Math.floorMod(-originMs, intervalMs));
  }

  /** The tick at or before {@code millis}. */
  long atOrBefore(long millis) {
    return millis - Math.floorMod(millis - originMs, intervalMs);
  }

  /** The tick at or after {@code millis}. */
  long atOrAfter(long millis) {
    long before = atOrBefore(millis);
    return before == millis ? millis : before + intervalMs;
  }
}
