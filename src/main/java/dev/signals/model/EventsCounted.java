package dev.signals.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
 * <p>{@code kind} says why the report was made; see {@link Kind}.
 */
@DefaultCoder(EventsCounted.EventsCountedCoder.class)
public record EventsCounted(int deviceId, long count, long added, Instant tick, Kind kind) {

  /**
   * Why a device reports. Each kind has a fixed {@code code}, which is what the coder writes (in
   * state, between workers, in checkpoints): a new kind takes a new code, and no code changes, or
   * restored checkpoints would decode to the wrong kind.
   */
  public enum Kind {
    /** It received signals since its previous report; {@code tick} is a point of the grid. */
    TICK(0),
    /**
     * A bounded input ({@code --numEvents}) is all counted: the device's last report. {@code
     * tick} is the wall-clock instant of the report, not a grid point.
     */
    FINAL(1),
    /**
     * It was silent for {@code --deviceTimeoutSeconds} and lost its state, like Spark's {@code
     * GroupStateTimeout.ProcessingTimeTimeout}; {@code count} is what it had. {@code tick} is the
     * first tick at or after the timeout.
     */
    EXPIRED(2);

    private final int code;

    Kind(int code) {
      this.code = code;
    }

    int code() {
      return code;
    }

    static Kind ofCode(int code) throws IOException {
      for (Kind kind : values()) {
        if (kind.code == code) {
          return kind;
        }
      }
      throw new IOException("not an encoded EventsCounted: no report kind has code " + code);
    }
  }

  /** A report at a tick of the grid. */
  public EventsCounted(int deviceId, long count, long added, Instant tick) {
    this(deviceId, count, added, tick, Kind.TICK);
  }

  public boolean isFinal() {
    return kind == Kind.FINAL;
  }

  public boolean isExpired() {
    return kind == Kind.EXPIRED;
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
      VarIntCoder.of().encode(counted.kind().code(), out);
    }

    @Override
    public EventsCounted decode(InputStream in) throws IOException {
      int deviceId = VarIntCoder.of().decode(in);
      long count = VarLongCoder.of().decode(in);
      long added = VarLongCoder.of().decode(in);
      Instant tick = Instant.ofEpochMilli(VarLongCoder.of().decode(in));
      Kind kind = Kind.ofCode(VarIntCoder.of().decode(in));
      return new EventsCounted(deviceId, count, added, tick, kind);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
