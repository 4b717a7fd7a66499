package dev.signals.groupstate;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads {@code "10 seconds"}, {@code "1 hour 30 minutes"}: Spark's interval strings, fixed units only. */
final class TimeoutDurations {
  private static final Pattern PART = Pattern.compile("\\s*(\\d+)\\s*([a-z]+)\\s*");
  private static final Map<String, Long> MILLIS_PER_UNIT = Map.ofEntries(
      Map.entry("millisecond", 1L), Map.entry("ms", 1L),
      Map.entry("second", 1_000L), Map.entry("sec", 1_000L), Map.entry("s", 1_000L),
      Map.entry("minute", 60_000L), Map.entry("min", 60_000L),
      Map.entry("hour", 3_600_000L), Map.entry("h", 3_600_000L),
      Map.entry("day", 86_400_000L), Map.entry("d", 86_400_000L),
      Map.entry("week", 604_800_000L));

  private TimeoutDurations() {}

  static long parseMillis(String duration) {
    if (duration == null) {
      throw new IllegalArgumentException("Timeout duration must not be null");
    }
    String text = duration.trim().toLowerCase(Locale.ROOT);
    if (text.startsWith("interval ")) {
      text = text.substring("interval ".length());
    }
    Matcher part = PART.matcher(text);
    long millis = 0;
    int at = 0;
    boolean any = false;
    while (at < text.length() && part.find(at) && part.start() == at) {
      String unit = part.group(2);
      Long perUnit = MILLIS_PER_UNIT.get(unit.endsWith("s") && unit.length() > 3 ? unit.substring(0, unit.length() - 1) : unit);
      if (perUnit == null) {
        throw new IllegalArgumentException(unit.startsWith("month") || unit.startsWith("year")
            ? "Timeout duration '" + duration + "' has months or years, which have no fixed length; "
                + "give it in days or smaller units"
            : "Timeout duration '" + duration + "' has an unknown unit '" + unit + "'; use milliseconds, "
                + "seconds, minutes, hours, days or weeks, e.g. \"10 seconds\"");
      }
      try {
        millis = Math.addExact(millis, Math.multiplyExact(Long.parseLong(part.group(1)), perUnit));
      } catch (ArithmeticException | NumberFormatException e) {
        throw new IllegalArgumentException("Timeout duration '" + duration + "' is too long");
      }
      at = part.end();
      any = true;
    }
    if (!any || at != text.length()) {
      throw new IllegalArgumentException("Timeout duration '" + duration
          + "' is not a duration; write it like \"10 seconds\" or \"1 hour 30 minutes\"");
    }
    if (millis <= 0) {
      throw new IllegalArgumentException("Timeout duration must be positive, got '" + duration + "'");
    }
    return millis;
  }
}
