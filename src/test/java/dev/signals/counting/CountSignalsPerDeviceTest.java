package dev.signals.counting;

import dev.signals.model.EventsCounted;
import dev.signals.model.Signal;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The counting transform under the DirectRunner's test clock. Reminders for whoever adds a case:
 * a processing-time timer fires only once the clock is strictly past it, and timers still pending
 * when the stream ends are dropped (so every case moves the clock past its last tick).
 */
@ExtendWith(TestPipelineExtension.class)
class CountSignalsPerDeviceTest {
  private static final Instant T0 = Instant.parse("2026-11-25T15:00:00Z");
  private static final Instant T10 = T0.plus(Duration.standardSeconds(10));
  private static final Instant T20 = T0.plus(Duration.standardSeconds(20));
  private static final Instant T30 = T0.plus(Duration.standardSeconds(30));

  private static Instant sec(Instant tick, int seconds) {
    return tick.plus(Duration.standardSeconds(seconds));
  }

  private static PCollection<EventsCounted> count(TestPipeline pipeline, TestStream<Signal> stream) {
    return pipeline.apply(stream).apply(CountSignalsPerDevice.every(Duration.standardSeconds(10)));
  }

  @Test
  void reportsEachDeviceOnceAtTheFirstTick(TestPipeline pipeline) {
    TestStream<Signal> stream = SignalStream.startingAt(sec(T0, 1))
        .signals(1, 3)
        .signals(2, 2)
        .clockJustPast(T10)
        .end();

    PAssert.that(count(pipeline, stream))
        .containsInAnyOrder(new EventsCounted(1, 3, 3, T10), new EventsCounted(2, 2, 2, T10));
    pipeline.run();
  }

  @Test
  void countsAccumulateAcrossTicks(TestPipeline pipeline) {
    TestStream<Signal> stream = SignalStream.startingAt(sec(T0, 1))
        .signals(7, 3)
        .clockJustPast(T10)
        .clockTo(sec(T10, 4))
        .signals(7, 2)
        .clockJustPast(T20)
        .signals(7, 1)
        .clockJustPast(T30)
        .end();

    PAssert.that(count(pipeline, stream))
        .containsInAnyOrder(
            new EventsCounted(7, 3, 3, T10), new EventsCounted(7, 5, 2, T20), new EventsCounted(7, 6, 1, T30));
    pipeline.run();
  }

  @Test
  void idleDeviceSkipsTheTickAndResumesWithItsCount(TestPipeline pipeline) {
    TestStream<Signal> stream = SignalStream.startingAt(sec(T0, 2))
        .signals(1, 1)
        .signals(2, 1)
        .clockJustPast(T10)
        .clockTo(sec(T10, 5))
        .signals(2, 1) // device 1 is silent between T10 and T20
        .clockJustPast(T20)
        .clockTo(sec(T20, 5))
        .signals(1, 2)
        .clockJustPast(T30)
        .end();

    PAssert.that(count(pipeline, stream))
        .containsInAnyOrder(
            new EventsCounted(1, 1, 1, T10),
            new EventsCounted(2, 1, 1, T10),
            new EventsCounted(2, 2, 1, T20),
            new EventsCounted(1, 3, 2, T30));
    pipeline.run();
  }

  @Test
  void interleavedDevicesKeepSeparateCounts(TestPipeline pipeline) {
    SignalStream stream = SignalStream.startingAt(sec(T0, 3));
    for (int i = 0; i < 30; i++) {
      stream.signals(i % 3, 1); // 0,1,2,0,1,2,...
    }
    stream.clockJustPast(T10).clockTo(sec(T10, 3));
    for (int i = 0; i < 10; i++) {
      stream.signals(i % 2, 1); // 0,1,0,1,...
    }
    stream.clockJustPast(T20);

    PAssert.that(count(pipeline, stream.end()))
        .containsInAnyOrder(
            new EventsCounted(0, 10, 10, T10),
            new EventsCounted(1, 10, 10, T10),
            new EventsCounted(2, 10, 10, T10),
            new EventsCounted(0, 15, 5, T20),
            new EventsCounted(1, 15, 5, T20));
    pipeline.run();
  }

  @Test
  void thousandDevicesReportOnTheSameTicks(TestPipeline pipeline) {
    SignalStream stream = SignalStream.startingAt(sec(T0, 1));
    List<EventsCounted> expected = new ArrayList<>();
    for (int device = 0; device < 1000; device++) {
      stream.signals(device, device % 7 + 1);
      expected.add(new EventsCounted(device, device % 7 + 1, device % 7 + 1, T10));
    }
    stream.clockJustPast(T10).clockTo(sec(T10, 1));
    for (int device = 0; device < 1000; device += 2) { // only even devices speak again
      stream.signals(device, 1);
      expected.add(new EventsCounted(device, device % 7 + 2, 1, T20));
    }
    stream.clockJustPast(T20);

    PAssert.that(count(pipeline, stream.end())).containsInAnyOrder(expected);
    pipeline.run();
  }

  /**
   * A signal processed at exactly a tick's instant, before that tick has fired, belongs to that
   * tick: both for a device whose timer is already armed and for one speaking for the first time
   * (its timer lands on the tick itself). Each device still reports once for the tick.
   */
  @Test
  void signalsRightAtATickBoundaryCountTowardsThatTickOnce(TestPipeline pipeline) {
    TestStream<Signal> stream = SignalStream.startingAt(sec(T0, 5))
        .signals(1, 1) // device 1's timer is armed for T10
        .clockTo(T10) // the clock stands exactly on T10: not yet fired
        .signals(1, 1)
        .signals(2, 1) // device 2's first signal
        .clockJustPast(T10) // T10 fires
        .signals(1, 1) // after the tick: belongs to T20
        .clockJustPast(T20)
        .end();

    PAssert.that(count(pipeline, stream))
        .containsInAnyOrder(
            new EventsCounted(1, 2, 2, T10), new EventsCounted(2, 1, 1, T10), new EventsCounted(1, 3, 1, T20));
    pipeline.run();
  }

  /**
   * Like Spark's ProcessingTimeTimeout: a device silent for the timeout (15 s) is reported as
   * expired at the first tick after it, loses its count, and starts from zero when it speaks.
   */
  @Test
  void aSilentDeviceExpiresAtTheNextTickAndStartsAgainFromZero(TestPipeline pipeline) {
    TestStream<Signal> stream = SignalStream.startingAt(sec(T0, 1))
        .signals(1, 2)
        .signals(2, 1)
        .clockJustPast(T10)
        .clockTo(sec(T10, 5))
        .signals(2, 1) // device 2 keeps speaking; device 1 falls silent at 15:00:01
        .clockTo(sec(T10, 6).plus(500)) // 15 s of silence have passed: expiry moves to T20
        .clockJustPast(T20)
        .clockTo(sec(T20, 5))
        .signals(1, 1)
        .signals(2, 1)
        .clockJustPast(T30)
        .end();

    PAssert.that(pipeline.apply(stream).apply(CountSignalsPerDevice.every(Duration.standardSeconds(10))
            .expiringAfter(Duration.standardSeconds(15))))
        .containsInAnyOrder(
            new EventsCounted(1, 2, 2, T10),
            new EventsCounted(2, 1, 1, T10),
            new EventsCounted(2, 2, 1, T20),
            new EventsCounted(1, 2, 0, T20, EventsCounted.Kind.EXPIRED),
            new EventsCounted(1, 1, 1, T30),
            new EventsCounted(2, 3, 1, T30));
    pipeline.run();
  }

  /**
   * Ticks from an origin (the program's launch): at the origin plus whole intervals, also for
   * expirations, and never on the clock's multiples of the interval.
   */
  @Test
  void ticksFallOnTheGridOfTheirOrigin(TestPipeline pipeline) {
    Instant origin = sec(T0, 3); // ticks at 15:00:13, :23, :33, ...
    TestStream<Signal> stream = SignalStream.startingAt(sec(T0, 5))
        .signals(1, 2)
        .signals(2, 1)
        .clockJustPast(sec(T10, 3))
        .clockTo(sec(T10, 5))
        .signals(2, 1) // device 1 falls silent at 15:00:05, device 2 keeps speaking
        .clockTo(sec(T20, 0).plus(500)) // 15 s of silence have passed: expiry moves to 15:00:23
        .clockJustPast(sec(T20, 3))
        .clockTo(sec(T20, 5))
        .signals(1, 1)
        .clockJustPast(sec(T30, 3))
        .end();

    PAssert.that(pipeline.apply(stream).apply(CountSignalsPerDevice.every(Duration.standardSeconds(10))
            .withTicksFrom(origin)
            .expiringAfter(Duration.standardSeconds(15))))
        .containsInAnyOrder(
            new EventsCounted(1, 2, 2, sec(T10, 3)),
            new EventsCounted(2, 1, 1, sec(T10, 3)),
            new EventsCounted(2, 2, 1, sec(T20, 3)),
            new EventsCounted(1, 2, 0, sec(T20, 3), EventsCounted.Kind.EXPIRED),
            new EventsCounted(1, 1, 1, sec(T30, 3)));
    pipeline.run();
  }
}
