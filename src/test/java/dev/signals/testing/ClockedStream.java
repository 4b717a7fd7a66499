package dev.signals.testing;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Writes a {@link TestStream} in absolute processing time ("at 15:00:03, these elements; then the
 * clock moves just past 15:00:10"), which is how tick tests think, instead of in the relative
 * advances {@code TestStream} takes. Subclasses add their own ways to make elements.
 */
public abstract class ClockedStream<T, SELF extends ClockedStream<T, SELF>> {
  private TestStream.Builder<T> builder;
  private Instant clock;
  private final List<TimestampedValue<T>> pending = new ArrayList<>();

  protected ClockedStream(Coder<T> coder, Instant start) {
    // The DirectRunner's test clock starts at the minimum timestamp.
    this.builder = TestStream.create(coder)
        .advanceProcessingTime(new Duration(BoundedWindow.TIMESTAMP_MIN_VALUE, start));
    this.clock = start;
  }

  @SuppressWarnings("unchecked")
  private SELF self() {
    return (SELF) this;
  }

  /** The processing-time clock now. */
  protected Instant clock() {
    return clock;
  }

  /** An element arriving at the current clock time, with {@code eventTime} as its timestamp. */
  protected SELF add(T element, Instant eventTime) {
    pending.add(TimestampedValue.of(element, eventTime));
    return self();
  }

  /** Moves the processing-time clock to {@code time}; timers at or before time - 1 ms fire. */
  public SELF clockTo(Instant time) {
    flush();
    builder = builder.advanceProcessingTime(new Duration(clock, time));
    clock = time;
    return self();
  }

  /** Moves the clock just past {@code tick}: a timer fires once the clock is strictly past it. */
  public SELF clockJustPast(Instant tick) {
    return clockTo(tick.plus(Duration.millis(1)));
  }

  public SELF watermarkTo(Instant watermark) {
    flush();
    builder = builder.advanceWatermarkTo(watermark);
    return self();
  }

  public TestStream<T> end() {
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
