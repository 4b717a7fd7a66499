package dev.signals.console;

import org.joda.time.Instant;

/** How a tick's instant is written on the console: ISO-8601 in UTC, seconds unless millis matter. */
final class Ticks {
  private Ticks() {}

  static String iso(Instant tick) {
    return java.time.Instant.ofEpochMilli(tick.getMillis()).toString();
  }
}
