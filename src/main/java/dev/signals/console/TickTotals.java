package dev.signals.console;

import dev.signals.model.Signal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Instant;

/** Part of one tick's progress: signals added and devices that reported, over some reports. */
@DefaultCoder(TickTotals.TickTotalsCoder.class)
public record TickTotals(Instant tick, long added, long devices) {

  TickTotals plus(TickTotals other) {
    return new TickTotals(tick, added + other.added, devices + other.devices);
  }

  /** Hand-written for the same reason as {@link Signal.SignalCoder}. */
  public static final class TickTotalsCoder extends CustomCoder<TickTotals> {
    private static final TickTotalsCoder INSTANCE = new TickTotalsCoder();

    public static TickTotalsCoder of() {
      return INSTANCE;
    }

    /** What {@code @DefaultCoder} looks up to find this coder. */
    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(TickTotals.class), INSTANCE);
    }

    @Override
    public void encode(TickTotals totals, OutputStream out) throws IOException {
      VarLongCoder.of().encode(totals.tick().getMillis(), out);
      VarLongCoder.of().encode(totals.added(), out);
      VarLongCoder.of().encode(totals.devices(), out);
    }

    @Override
    public TickTotals decode(InputStream in) throws IOException {
      Instant tick = Instant.ofEpochMilli(VarLongCoder.of().decode(in));
      return new TickTotals(tick, VarLongCoder.of().decode(in), VarLongCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
