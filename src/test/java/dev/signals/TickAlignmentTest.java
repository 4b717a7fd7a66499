package dev.signals;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.both;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;

import dev.signals.CounterOptions.TickAlignment;
import java.lang.management.ManagementFactory;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** Where {@code --tickAlignment} puts the tick grid. */
class TickAlignmentTest {

  @Test
  void launchStartsTheGridAtTheFirstWholeSecondSinceThisJvmStarted() {
    long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    Instant origin = DeviceSignalCounter.tickOrigin(TickAlignment.launch);
    assertThat(origin.getMillis() % 1000, equalTo(0L));
    assertThat(origin.getMillis(), both(greaterThanOrEqualTo(jvmStart)).and(lessThan(jvmStart + 1000)));
  }

  @Test
  void clockStartsTheGridAtTheEpoch() {
    assertThat(DeviceSignalCounter.tickOrigin(TickAlignment.clock), equalTo(new Instant(0)));
  }
}
