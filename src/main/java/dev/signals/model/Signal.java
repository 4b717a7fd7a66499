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
 * One reading from a device: the row that Spark's rate source becomes in the demo
 * ({@code Signal(timestamp, deviceId, value)}).
 */
@DefaultCoder(Signal.SignalCoder.class)
public record Signal(Instant timestamp, int deviceId, long value) {

  /**
   * Hand-written because Beam's schema inference does not see a record's components (it yields
   * an empty schema); varints keep an element to a few bytes. The three varints are written as
   * {@link VarLongCoder} and {@link VarIntCoder} write them, but put together first and handed to
   * the stream in one write: those coders write a byte at a time, each a call on the stream.
   */
  public static final class SignalCoder extends CustomCoder<Signal> {
    private static final SignalCoder INSTANCE = new SignalCoder();

    public static SignalCoder of() {
      return INSTANCE;
    }

    /** What {@code @DefaultCoder} looks up to find this coder. */
    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(Signal.class), INSTANCE);
    }

    /** Two varint longs of up to 10 bytes each and a varint int of up to 5. */
    private static final int MAX_BYTES = 25;

    @Override
    public void encode(Signal signal, OutputStream out) throws IOException {
      byte[] bytes = new byte[MAX_BYTES];
      int size = putVarLong(bytes, 0, signal.timestamp().getMillis());
      size = putVarLong(bytes, size, Integer.toUnsignedLong(signal.deviceId()));
      size = putVarLong(bytes, size, signal.value());
      out.write(bytes, 0, size);
    }

    /** Beam's varint: 7 bits a byte, lowest first, the top bit set on all but the last. */
    private static int putVarLong(byte[] bytes, int at, long value) {
      while ((value & ~0x7FL) != 0) {
        bytes[at++] = (byte) ((value & 0x7F) | 0x80);
        value >>>= 7;
      }
      bytes[at++] = (byte) value;
      return at;
    }

    @Override
    public Signal decode(InputStream in) throws IOException {
      Instant timestamp = Instant.ofEpochMilli(VarLongCoder.of().decode(in));
      int deviceId = VarIntCoder.of().decode(in);
      long value = VarLongCoder.of().decode(in);
      return new Signal(timestamp, deviceId, value);
    }

    @Override
    public void verifyDeterministic() {}
  }
}
