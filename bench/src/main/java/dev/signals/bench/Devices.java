package dev.signals.bench;

/**
 * The device a sequence number belongs to: a copy of {@code dev.signals.model.ToSignal.deviceOf} in the
 * pipeline (kept in step by hand; the baselines must not depend on Beam), so that the baselines
 * spread signals over devices exactly as the Beam pipeline does.
 */
public final class Devices {
  private Devices() {}

  public static int deviceOf(long seq, int numDevices) {
    return (int) Math.floorMod(mix64(seq), (long) numDevices);
  }

  /** SplitMix64's finaliser. */
  static long mix64(long seq) {
    long z = seq + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
