package dev.signals.model;

import org.apache.beam.sdk.transforms.DoFn;
import org.joda.time.Instant;

/**
 * Turns the rate source's sequence number into a {@link Signal}.
 *
 * <p>Spark's demo draws the device with {@code rand()}. A Beam transform must give the same
 * output when a runner retries a bundle, so the device is a hash of the sequence number instead:
 * every run is reproducible, and the expected counts of any prefix of the stream can be computed.
 */
public class ToSignal extends DoFn<Long, Signal> {
  private final int numDevices;

  public ToSignal(int numDevices) {
    this.numDevices = numDevices;
  }

  @ProcessElement
  public void processElement(
      @Element Long seq, @Timestamp Instant timestamp, OutputReceiver<Signal> out) {
    out.output(new Signal(timestamp, deviceOf(seq, numDevices), seq % 10));
  }

  /** The device that sequence number {@code seq} belongs to, in {@code [0, numDevices)}. */
  public static int deviceOf(long seq, int numDevices) {
    return (int) Math.floorMod(mix64(seq), (long) numDevices);
  }

  /** SplitMix64's finaliser: consecutive inputs land on unrelated, evenly spread outputs. */
  static long mix64(long seq) {
    long z = seq + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
