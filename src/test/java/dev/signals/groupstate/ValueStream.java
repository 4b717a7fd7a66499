package dev.signals.groupstate;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * A {@link TestStream} of (key, value) in absolute processing time ("at 15:00:03, key a gets 1
 * and 2; then the clock moves just past 15:00:10"), instead of the relative advances TestStream
 * takes. Values carry the clock's time as their event time unless told otherwise.
 */
final class ValueStream {
  private TestStream.Builder<KV<String, Integer>> builder;
  private Instant clock;
  private final List<TimestampedValue<KV<String, Integer>>> pending = new ArrayList<>();

  private ValueStream(Instant start) {
    // The DirectRunner's test clock starts at the minimum timestamp.
    this.builder = TestStream.create(KvCoder.of(StringUtf8Coder.of(), VarIntCoder.of()))
        .advanceProcessingTime(new Duration(BoundedWindow.TIMESTAMP_MIN_VALUE, start));
    this.clock = start;
  }

  static ValueStream startingAt(Instant start) {
    return new ValueStream(start);
  }

  /** Values for {@code key}, arriving now, with now as their event time. */
  ValueStream values(String key, int... values) {
    return valuesAt(clock, key, values);
  }

  /** Values for {@code key}, arriving now, with {@code eventTime} as their timestamp. */
  ValueStream valuesAt(Instant eventTime, String key, int... values) {
    for (int value : values) {
      pending.add(TimestampedValue.of(KV.of(key, value), eventTime));
    }
    return this;
  }

  /** Moves the processing-time clock to {@code time}; timers at or before time - 1 ms fire. */
  ValueStream clockTo(Instant time) {
    flush();
    builder = builder.advanceProcessingTime(new Duration(clock, time));
    clock = time;
    return this;
  }

  /** Moves the clock just past {@code tick}: a timer fires once the clock is strictly past it. */
  ValueStream clockJustPast(Instant tick) {
    return clockTo(tick.plus(Duration.millis(1)));
  }

  ValueStream watermarkTo(Instant watermark) {
    flush();
    builder = builder.advanceWatermarkTo(watermark);
    return this;
  }

  TestStream<KV<String, Integer>> end() {
    flush();
    return builder.advanceWatermarkToInfinity();
  }

  private void flush() {
    if (!pending.isEmpty()) {
      builder = builder.addElements(
          pending.get(0), pending.subList(1, pending.size()).toArray(TimestampedValue[]::new));
      pending.clear();
    }
  }
}
