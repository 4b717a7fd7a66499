package dev.signals.groupstate;

import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/**
 * Gathers the values of each key within a bundle into one batch, so that the stateful step adds
 * to a key's state once per bundle rather than once per value (the Spark runner rewrites a whole
 * bag cell on every add). The values are coded as they come ({@link CodedValues}) and stay coded
 * until the key's call. A key's batch is passed on as soon as it holds {@code maxPerKey} values,
 * which bounds what a bundle keeps.
 */
final class GroupValuesInBundleFn<K, V, S> extends DoFn<KV<K, V>, KV<K, Arrival<V, S>>> {
  private final Coder<K> keyCoder;
  private final Coder<V> valueCoder;
  private final long maxPerKey;
  /** By the key's structural value, which equals where the encoded keys do. */
  private transient Map<Object, Gathered<K, V>> perKey;

  private static final class Gathered<K, V> {
    final K key;
    final CodedValues.Builder<V> values;
    long latestMillis = Long.MIN_VALUE;

    Gathered(K key, Coder<V> valueCoder) {
      this.key = key;
      this.values = new CodedValues.Builder<>(valueCoder);
    }
  }

  GroupValuesInBundleFn(Coder<K> keyCoder, Coder<V> valueCoder, long maxPerKey) {
    this.keyCoder = keyCoder;
    this.valueCoder = valueCoder;
    this.maxPerKey = maxPerKey;
  }

  @StartBundle
  public void startBundle() {
    perKey = new HashMap<>();
  }

  @ProcessElement
  public void processElement(@Element KV<K, V> element, @Timestamp Instant timestamp,
      OutputReceiver<KV<K, Arrival<V, S>>> out) {
    Object structural = keyCoder.structuralValue(element.getKey());
    Gathered<K, V> gathered = perKey.get(structural);
    if (gathered == null) {
      gathered = new Gathered<>(element.getKey(), valueCoder);
      perKey.put(structural, gathered);
    }
    gathered.values.add(element.getValue());
    gathered.latestMillis = Math.max(gathered.latestMillis, timestamp.getMillis());
    if (gathered.values.count() >= maxPerKey) {
      perKey.remove(structural);
      out.outputWithTimestamp(KV.of(gathered.key, Arrival.values(gathered.values.build())),
          new Instant(gathered.latestMillis));
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    for (Gathered<K, V> gathered : perKey.values()) {
      context.output(KV.of(gathered.key, Arrival.values(gathered.values.build())),
          new Instant(gathered.latestMillis), GlobalWindow.INSTANCE);
    }
    perKey.clear();
  }
}
