package dev.signals;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Writes a {@link TestStream} of signals in absolute processing time ("at 15:00:03, three
 * signals of device 1; then the clock moves to 15:00:10.001"), which is how the counting tests
 * think, instead of in the relative advances {@code TestStream} takes.
 */
final class SignalStream {
  private TestStream.Builder<Signal> builder;
  private Instant clock;
  private final List<TimestampedValue<Signal>> pending = new ArrayList<>();

  private SignalStream(Instant start) {
    // The DirectRunner's test clock starts at the minimum timestamp.
    this.builder = TestStream.create(Signal.SignalCoder.of())
        .advanceProcessingTime(new Duration(BoundedWindow.TIMESTAMP_MIN_VALUE, start));
    this.clock = start;
  }

  /** A stream whose processing-time clock stands at {@code start}. */
  static SignalStream startingAt(Instant start) {
    return new SignalStream(start);
  }

  /** {@code n} signals of one device, arriving at the current clock time. */
  SignalStream signals(int deviceId, int n) {
    for (int i = 0; i < n; i++) {
      pending.add(TimestampedValue.of(new Signal(clock, deviceId, i % 10), clock));
    }
    return this;
  }

  /** Moves the processing-time clock to {@code time}; timers at or before time - 1 ms fire. */
  SignalStream clockTo(Instant time) {
    flush();
    builder = builder.advanceProcessingTime(new Duration(clock, time));
    clock = time;
    return this;
  }

  /** Moves the clock just past {@code tick}: a timer fires once the clock is strictly past it. */
  SignalStream clockJustPast(Instant tick) {
    return clockTo(tick.plus(Duration.millis(1)));
  }

  TestStream<Signal> end() {
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
