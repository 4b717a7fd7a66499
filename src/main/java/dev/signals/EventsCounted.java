package dev.signals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Instant;

/**
 * A device's running count as reported at one tick: Spark's {@code EventsCounted(deviceId,
 * count)}, plus {@code added}, the signals counted since the device's previous report (their sum
 * over a tick is the progress line's throughput), and the {@code tick} it belongs to, so that
 * reports gathered from several workers can be put back into one table per tick.
 *
 * <p>{@code isFinal}: the device's last report once a bounded input ({@code --numEvents}) is all
 * counted; its {@code tick} is then the wall-clock instant of the report, not a grid point.
 */
@DefaultCoder(EventsCounted.EventsCountedCoder.class)
public record EventsCounted(int deviceId, long count, long added, Instant tick, boolean isFinal) {

  /** A report at a tick of the grid. */
  public EventsCounted(int deviceId, long count, long added, Instant tick) {
    this(deviceId, count, added, tick, false);
  }

  /** Hand-written for the same reason as {@link Signal.SignalCoder}. */
  public static final class EventsCountedCoder extends CustomCoder<EventsCounted> {
    private static final EventsCountedCoder INSTANCE = new EventsCountedCoder();

    public static EventsCountedCoder of() {
      return INSTANCE;
    }

    /** What {@code @DefaultCoder} looks up to find this coder. */
    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(EventsCounted.class), INSTANCE);
    }

    @Override
    public void encode(EventsCounted counted, OutputStream out) throws IOException {
      VarIntCoder.of().encode(counted.deviceId(), out);
      VarLongCoder.of().encode(counted.count(), out);
      VarLongCoder.of().encode(counted.added(), out);
      VarLongCoder.of().encode(counted.tick().getMillis(), out);
      BooleanCoder.of().encode(counted.isFinal(), out);
    }

    @Override
    public EventsCounted decode(InputStream in) throws IOException {
      int deviceId = VarIntCoder.of().decode(in);
      long count = VarLongCoder.of().decode(in);
      long added = VarLongCoder.of().decode(in);
      Instant tick = Instant.ofEpochMilli(VarLongCoder.of().decode(in));
      boolean isFinal = BooleanCoder.of().decode(in);
      return new EventsCounted(deviceId, count, added, tick, isFinal);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
