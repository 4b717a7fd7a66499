package dev.signals.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.CoderUtils;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The model's coders: what checkpoints and shuffles hold. */
class CodersTest {
  private static final Instant AT = Instant.parse("2026-11-25T15:00:10Z");

  @Test
  void signalRoundTrips() throws Exception {
    for (Signal signal : new Signal[] {
        new Signal(AT, 3, 7),
        new Signal(new Instant(0), 0, 0),
        new Signal(BoundedWindow.TIMESTAMP_MIN_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE),
        new Signal(BoundedWindow.TIMESTAMP_MAX_VALUE, -1, -1)}) {
      CoderProperties.coderDecodeEncodeEqual(Signal.SignalCoder.of(), signal);
    }
  }

  /** Checkpoints written before the signal's coding was one write still decode: the same bytes. */
  @Test
  void aSignalIsCodedAsThreeVarintsOfBeamsCoders() throws Exception {
    for (Signal signal : new Signal[] {
        new Signal(AT, 3, 7),
        new Signal(new Instant(0), 0, 0),
        new Signal(new Instant(127), 128, 16_383),
        new Signal(BoundedWindow.TIMESTAMP_MIN_VALUE, Integer.MIN_VALUE, Long.MIN_VALUE),
        new Signal(BoundedWindow.TIMESTAMP_MAX_VALUE, -1, -1)}) {
      ByteArrayOutputStream varints = new ByteArrayOutputStream();
      VarLongCoder.of().encode(signal.timestamp().getMillis(), varints);
      VarIntCoder.of().encode(signal.deviceId(), varints);
      VarLongCoder.of().encode(signal.value(), varints);
      assertThat(signal.toString(), CoderUtils.encodeToByteArray(Signal.SignalCoder.of(), signal),
          equalTo(varints.toByteArray()));
    }
  }

  @Test
  void eventsCountedRoundTrips() throws Exception {
    for (EventsCounted counted : new EventsCounted[] {
        new EventsCounted(3, 42, 5, AT),
        new EventsCounted(0, 0, 0, new Instant(0)),
        new EventsCounted(5, 9, 0, AT, EventsCounted.Kind.EXPIRED),
        new EventsCounted(6, 9, 2, AT, EventsCounted.Kind.FINAL),
        new EventsCounted(Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, BoundedWindow.TIMESTAMP_MAX_VALUE)}) {
      CoderProperties.coderDecodeEncodeEqual(EventsCounted.EventsCountedCoder.of(), counted);
    }
  }

  /** What checkpoints hold: a report's kind is written as its fixed code, whatever the enum's order. */
  @Test
  void aReportsKindIsWrittenAsItsFixedCode() throws Exception {
    assertThat(lastByte(new EventsCounted(1, 1, 1, AT, EventsCounted.Kind.TICK)), equalTo((byte) 0));
    assertThat(lastByte(new EventsCounted(1, 1, 1, AT, EventsCounted.Kind.FINAL)), equalTo((byte) 1));
    assertThat(lastByte(new EventsCounted(1, 1, 1, AT, EventsCounted.Kind.EXPIRED)), equalTo((byte) 2));
    byte[] unknownKind = CoderUtils.encodeToByteArray(EventsCounted.EventsCountedCoder.of(), new EventsCounted(1, 1, 1, AT));
    unknownKind[unknownKind.length - 1] = 9;
    IOException refused = assertThrows(IOException.class,
        () -> EventsCounted.EventsCountedCoder.of().decode(new ByteArrayInputStream(unknownKind)));
    assertThat(refused.getMessage(), containsString("no report kind has code 9"));
  }

  private static byte lastByte(EventsCounted counted) throws Exception {
    byte[] bytes = CoderUtils.encodeToByteArray(EventsCounted.EventsCountedCoder.of(), counted);
    return bytes[bytes.length - 1];
  }

  @Test
  void codersAreFoundWithoutBeingNamed() throws Exception {
    CoderRegistry registry = CoderRegistry.createDefault();
    assertThat(registry.getCoder(Signal.class), instanceOf(Signal.SignalCoder.class));
    assertThat(registry.getCoder(EventsCounted.class), instanceOf(EventsCounted.EventsCountedCoder.class));
  }
}
