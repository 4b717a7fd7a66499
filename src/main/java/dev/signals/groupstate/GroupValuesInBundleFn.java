package dev.signals.groupstate;

import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/**
 * Gathers the values of each key within a bundle into one batch, so that the stateful step adds
 * to a key's state once per bundle rather than once per value (the Spark runner rewrites a whole
 * bag cell on every add). The values are coded as they come ({@link CodedValues}) and stay coded
 * until the key's call. A key's batch is passed on as soon as it holds {@code maxPerKey} values,
 * which bounds what a bundle keeps.
 *
 * <p>It takes a key and a value from each element: a {@code KV}'s, or, with {@link
 * GroupsWithState#keyedBy}, the user's key function's and the element itself (one step fewer
 * than keying each element in a step of its own, which a runner pays per element).
 *
 * @param <T> an element of the input
 */
final class GroupValuesInBundleFn<T, K, V, S> extends DoFn<T, KV<K, Arrival<V, S>>> {
  private final SerializableFunction<T, K> keyOf;
  private final SerializableFunction<T, V> valueOf;
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

  GroupValuesInBundleFn(SerializableFunction<T, K> keyOf, SerializableFunction<T, V> valueOf,
      Coder<K> keyCoder, Coder<V> valueCoder, long maxPerKey) {
    this.keyOf = keyOf;
    this.valueOf = valueOf;
    this.keyCoder = keyCoder;
    this.valueCoder = valueCoder;
    this.maxPerKey = maxPerKey;
  }

  @StartBundle
  public void startBundle() {
    perKey = new HashMap<>();
  }

  @ProcessElement
  public void processElement(@Element T element, @Timestamp Instant timestamp,
      OutputReceiver<KV<K, Arrival<V, S>>> out) {
    K key = keyOf.apply(element);
    if (key == null) {
      throw new IllegalArgumentException("GroupsWithState: no key (null) for " + element
          + "; every element needs a key (keyedBy's function, or the KV's own)");
    }
    Object structural = keyCoder.structuralValue(key);
    Gathered<K, V> gathered = perKey.get(structural);
    if (gathered == null) {
      gathered = new Gathered<>(key, valueCoder);
      perKey.put(structural, gathered);
    }
    gathered.values.add(valueOf.apply(element));
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
