package dev.signals.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.instanceOf;

import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.testing.CoderProperties;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** A tick's totals, which the progress line is made of, cross workers with their own coder. */
class TickTotalsTest {
  @Test
  void tickTotalsRoundTrip() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(
        TickTotals.TickTotalsCoder.of(), new TickTotals(Instant.parse("2026-11-25T15:00:10Z"), 200, 10));
  }

  @Test
  void theirCoderIsFoundWithoutBeingNamed() throws Exception {
    assertThat(CoderRegistry.createDefault().getCoder(TickTotals.class),
        instanceOf(TickTotals.TickTotalsCoder.class));
  }
}
