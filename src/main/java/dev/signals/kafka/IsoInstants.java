package dev.signals.kafka;

import java.time.DateTimeException;
import java.time.LocalDate;

/**
 * Epoch milliseconds of an instant in the form producers write by far the most often,
 * {@code 2026-12-03T15:00:00.123Z} (UTC, four-digit year, a fraction of 0 to 9 digits), read by
 * position. {@code java.time.Instant.parse} takes every ISO-8601 form, but through a general
 * formatter that cost more than the rest of the Flink pipeline per signal; callers use it for
 * anything this does not take ({@link #NOT_THE_COMMON_FORM}).
 */
final class IsoInstants {
  /** Returned for a text not in the common form (which may still be a valid instant). */
  static final long NOT_THE_COMMON_FORM = Long.MIN_VALUE;

  private IsoInstants() {}

  /** The instant's epoch milliseconds (fraction truncated, as {@code toEpochMilli}). */
  static long epochMillis(String text) {
    int length = text.length();
    // yyyy-MM-ddTHH:mm:ss then Z, or .f{1,9} then Z
    if (length < 20 || length > 30 || text.charAt(length - 1) != 'Z'
        || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
        || text.charAt(13) != ':' || text.charAt(16) != ':') {
      return NOT_THE_COMMON_FORM;
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 7);
    int day = digits(text, 8, 10);
    int hour = digits(text, 11, 13);
    int minute = digits(text, 14, 16);
    int second = digits(text, 17, 19);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59
        || second < 0 || second > 59) {
      return NOT_THE_COMMON_FORM; // a leap second (60) among them: Instant.parse decides
    }
    int millis = 0;
    if (length > 20) {
      int fractionDigits = length - 21; // between the '.' and the 'Z'
      if (text.charAt(19) != '.' || fractionDigits < 1) {
        return NOT_THE_COMMON_FORM;
      }
      int fraction = digits(text, 20, length - 1);
      if (fraction < 0) {
        return NOT_THE_COMMON_FORM;
      }
      millis = digits(text, 20, 20 + Math.min(3, fractionDigits));
      for (int i = fractionDigits; i < 3; i++) {
        millis *= 10;
      }
    } else if (text.charAt(19) != 'Z') {
      return NOT_THE_COMMON_FORM;
    }
    long epochDay;
    try {
      epochDay = LocalDate.of(year, month, day).toEpochDay();
    } catch (DateTimeException noSuchDay) {
      return NOT_THE_COMMON_FORM; // Instant.parse refuses it with its own words
    }
    return ((epochDay * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
  }

  /** The decimal number in {@code text[from, to)}, or -1 if a character is not an ASCII digit. */
  private static int digits(String text, int from, int to) {
    int number = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      number = number * 10 + (c - '0');
    }
    return number;
  }
}
