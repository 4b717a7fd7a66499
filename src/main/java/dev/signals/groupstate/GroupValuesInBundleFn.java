package dev.signals.groupstate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/**
 * Gathers the values of each key within a bundle into one list, so that the stateful step adds
 * to a key's state once per bundle rather than once per value (the Spark runner rewrites a whole
 * bag cell on every add). A key's list is passed on as soon as it holds {@code maxPerKey} values,
 * which bounds what a bundle keeps.
 */
final class GroupValuesInBundleFn<K, V, S> extends DoFn<KV<K, V>, KV<K, Arrival<V, S>>> {
  private final Coder<K> keyCoder;
  private final long maxPerKey;
  /** By the key's structural value, which equals where the encoded keys do. */
  private transient Map<Object, Gathered<K, V>> perKey;

  private static final class Gathered<K, V> {
    final K key;
    final List<V> values = new ArrayList<>();
    long latestMillis = Long.MIN_VALUE;

    Gathered(K key) {
      this.key = key;
    }
  }

  GroupValuesInBundleFn(Coder<K> keyCoder, long maxPerKey) {
    this.keyCoder = keyCoder;
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
    Gathered<K, V> gathered = perKey.computeIfAbsent(structural, k -> new Gathered<>(element.getKey()));
    gathered.values.add(element.getValue());
    gathered.latestMillis = Math.max(gathered.latestMillis, timestamp.getMillis());
    if (gathered.values.size() >= maxPerKey) {
      perKey.remove(structural);
      out.outputWithTimestamp(KV.of(gathered.key, Arrival.values(gathered.values)),
          new Instant(gathered.latestMillis));
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    for (Gathered<K, V> gathered : perKey.values()) {
      context.output(KV.of(gathered.key, Arrival.values(gathered.values)),
          new Instant(gathered.latestMillis), GlobalWindow.INSTANCE);
    }
    perKey.clear();
  }
}
