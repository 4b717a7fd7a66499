package dev.signals.groupstate;

import dev.signals.testing.ClockedStream;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/** (key, value) pairs in a {@link ClockedStream}: "at 15:00:03, key a gets 1 and 2". */
final class ValueStream extends ClockedStream<KV<String, Integer>, ValueStream> {
  private ValueStream(Instant start) {
    super(KvCoder.of(StringUtf8Coder.of(), VarIntCoder.of()), start);
  }

  static ValueStream startingAt(Instant start) {
    return new ValueStream(start);
  }

  /** Values for {@code key}, arriving now, with now as their event time. */
  ValueStream values(String key, int... values) {
    return valuesAt(clock(), key, values);
  }

  /** Values for {@code key}, arriving now, with {@code eventTime} as their timestamp. */
  ValueStream valuesAt(Instant eventTime, String key, int... values) {
    for (int value : values) {
      add(KV.of(key, value), eventTime);
    }
    return this;
  }
}
