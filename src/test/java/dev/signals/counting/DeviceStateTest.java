package dev.signals.counting;

import dev.signals.counting.CountSignalsPerDevice.DeviceState;
import org.apache.beam.sdk.testing.CoderProperties;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The tuned counter's per-device state, as its checkpoints hold it. */
class DeviceStateTest {
  private static final Instant AT = Instant.parse("2026-11-25T15:00:10Z");

  @Test
  void deviceStateRoundTrips() throws Exception {
    for (DeviceState state : new DeviceState[] {
        DeviceState.NEW,
        DeviceState.NEW.counted(7),
        DeviceState.NEW.counted(7).reportedAtTick(AT).counted(3),
        DeviceState.NEW.counted(7).reportedFinal(),
        DeviceState.NEW.counted(Long.MAX_VALUE).reportedAtTick(new Instant(0))}) {
      CoderProperties.coderDecodeEncodeEqual(DeviceState.CODER, state);
    }
  }
}
