package dev.signals.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.both;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;

import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

class ToSignalTest {

  @Test
  void theSameSequenceNumberAlwaysGoesToTheSameDevice() {
    for (long seq = 0; seq < 10_000; seq++) {
      assertThat(ToSignal.deviceOf(seq, 10), equalTo(ToSignal.deviceOf(seq, 10)));
    }
    // Pinned values: a change to the device function changes every published expectation.
    assertThat(ToSignal.mix64(0), equalTo(0xE220A8397B1DCDAFL));
    assertThat(ToSignal.deviceOf(0, 10), equalTo((int) Math.floorMod(0xE220A8397B1DCDAFL, 10L)));
  }

  @Test
  void devicesStayInRangeForAnyDeviceCount() {
    for (int numDevices : new int[] {1, 2, 10, 1000, 1_000_000, Integer.MAX_VALUE}) {
      for (long seq = 0; seq < 20_000; seq++) {
        assertThat(ToSignal.deviceOf(seq, numDevices),
            both(greaterThanOrEqualTo(0)).and(lessThan(numDevices)));
      }
    }
    assertThat(ToSignal.deviceOf(Long.MAX_VALUE, 10), both(greaterThanOrEqualTo(0)).and(lessThan(10)));
  }

  /** Chi-square over 100,000 consecutive seqs: far below the 0.1% critical value, every device used. */
  @Test
  void devicesAreRoughlyUniform() {
    for (int numDevices : new int[] {10, 100, 1000}) {
      long[] counts = new long[numDevices];
      int n = 100_000;
      for (long seq = 0; seq < n; seq++) {
        counts[ToSignal.deviceOf(seq, numDevices)]++;
      }
      double expected = (double) n / numDevices;
      double chiSquare = 0;
      for (long count : counts) {
        assertThat("every device receives signals", count > 0, equalTo(true));
        chiSquare += (count - expected) * (count - expected) / expected;
      }
      // Critical value at p = 0.001 is below df + 4.5 * sqrt(2 df) for these df.
      int df = numDevices - 1;
      assertThat("chi-square for " + numDevices + " devices", chiSquare,
          lessThan(df + 4.5 * Math.sqrt(2.0 * df)));
    }
  }

  @Test
  @ExtendWith(TestPipelineExtension.class)
  void signalCarriesTheElementTimestampAndValueSeqModTen(TestPipeline pipeline) {
    Instant at = Instant.parse("2026-11-25T15:00:03Z");
    PAssert.that(pipeline
            .apply(Create.timestamped(TimestampedValue.of(42L, at), TimestampedValue.of(7L, at)))
            .apply(ParDo.of(new ToSignal(10))))
        .containsInAnyOrder(
            new Signal(at, ToSignal.deviceOf(42, 10), 2), new Signal(at, ToSignal.deviceOf(7, 10), 7));
    pipeline.run();
  }
}
