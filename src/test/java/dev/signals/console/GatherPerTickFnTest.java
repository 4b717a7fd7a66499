package dev.signals.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import dev.signals.model.EventsCounted;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The gathering behind the table and the progress line, on the DirectRunner's test clock. */
@ExtendWith(TestPipelineExtension.class)
class GatherPerTickFnTest {
  private static final Instant T10 = Instant.parse("2026-11-25T15:00:10Z");
  private static final Instant T20 = Instant.parse("2026-11-25T15:00:20Z");
  /** What the recording subclass was handed, in order: "tick devices carried [late]". */
  private static final Queue<String> HANDED_OVER = new ConcurrentLinkedQueue<>();

  /** Records each hand-over; carries the number of hand-overs so far. */
  static class RecordingFn extends GatherPerTickFn<EventsCounted, Long> {
    RecordingFn() {
      super(EventsCounted.EventsCountedCoder.of(), VarLongCoder.of(), Duration.standardSeconds(1));
    }

    @Override
    Instant tickOf(EventsCounted report) {
      return report.tick();
    }

    @Override
    Long initial() {
      return 0L;
    }

    @Override
    Long onTick(Instant tick, List<EventsCounted> reports, boolean late, Long carried) {
      HANDED_OVER.add(Ticks.iso(tick) + " " + reports.stream().mapToInt(EventsCounted::deviceId)
          .sorted().boxed().toList() + " " + carried + (late ? " late" : ""));
      return carried + 1;
    }
  }

  @BeforeEach
  void clear() {
    HANDED_OVER.clear();
  }

  private static TimestampedValue<KV<Integer, EventsCounted>> report(int device, Instant tick) {
    return TimestampedValue.of(KV.of(0, new EventsCounted(device, 1, 1, tick)), tick);
  }

  @Test
  void reportsOfATickArrivingWithinTheDelayAreHandedOverTogetherAndLateOnesAfter(
      TestPipeline pipeline) {
    TestStream<KV<Integer, EventsCounted>> stream = TestStream.create(
            KvCoder.of(VarIntCoder.of(), EventsCounted.EventsCountedCoder.of()))
        .advanceProcessingTime(new Duration(BoundedWindow.TIMESTAMP_MIN_VALUE, T10.plus(5)))
        .addElements(report(2, T10), report(0, T10)) // one worker
        .advanceProcessingTime(Duration.millis(300))
        .addElements(report(1, T10)) // another worker, 300 ms later
        .advanceProcessingTime(Duration.millis(800)) // the 1 s delay has passed: hand over
        .addElements(report(3, T10)) // a straggler
        .advanceProcessingTime(Duration.standardSeconds(2))
        .advanceProcessingTime(new Duration(T10.plus(3105), T20.plus(5)))
        .addElements(report(0, T20))
        .advanceProcessingTime(Duration.standardSeconds(2))
        .advanceWatermarkToInfinity();

    pipeline.apply(stream).apply(ParDo.of(new RecordingFn()));
    pipeline.run().waitUntilFinish();

    assertThat(List.copyOf(HANDED_OVER), contains(
        "2026-11-25T15:00:10Z [0, 1, 2] 0",
        "2026-11-25T15:00:10Z [3] 1 late",
        "2026-11-25T15:00:20Z [0] 2"));
  }

  @Test
  void aLateProgressLineIncludesWhatWasLoggedForItsTick() {
    LogProgress.LogProgressPerTickFn progress =
        new LogProgress.LogProgressPerTickFn(Duration.standardSeconds(10), Duration.standardSeconds(1));
    KV<Long, TickTotals> afterFirst = progress.onTick(T10, List.of(new TickTotals(T10, 120, 6)),
        false, progress.initial());
    KV<Long, TickTotals> afterLate =
        progress.onTick(T10, List.of(new TickTotals(T10, 80, 4)), true, afterFirst);
    KV<Long, TickTotals> afterNext =
        progress.onTick(T20, List.of(new TickTotals(T20, 200, 10)), false, afterLate);

    assertThat(afterLate, equalTo(KV.of(200L, new TickTotals(T10, 200, 10))));
    assertThat(afterNext, equalTo(KV.of(400L, new TickTotals(T20, 200, 10))));
  }
}
