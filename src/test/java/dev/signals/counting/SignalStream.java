package dev.signals.counting;

import dev.signals.model.Signal;
import dev.signals.testing.ClockedStream;
import org.joda.time.Instant;

/** Signals in a {@link ClockedStream}: "at 15:00:03, three signals of device 1". */
final class SignalStream extends ClockedStream<Signal, SignalStream> {
  private SignalStream(Instant start) {
    super(Signal.SignalCoder.of(), start);
  }

  /** A stream whose processing-time clock stands at {@code start}. */
  static SignalStream startingAt(Instant start) {
    return new SignalStream(start);
  }

  /** {@code n} signals of one device, arriving at the current clock time. */
  SignalStream signals(int deviceId, int n) {
    for (int i = 0; i < n; i++) {
      add(new Signal(clock(), deviceId, i % 10), clock());
    }
    return this;
  }
}
