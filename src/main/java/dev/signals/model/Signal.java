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
   * an empty schema); varints keep an element to a few bytes.
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

    @Override
    public void encode(Signal signal, OutputStream out) throws IOException {
      VarLongCoder.of().encode(signal.timestamp().getMillis(), out);
      VarIntCoder.of().encode(signal.deviceId(), out);
      VarLongCoder.of().encode(signal.value(), out);
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
