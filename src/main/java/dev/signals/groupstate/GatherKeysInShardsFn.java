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
 * With {@link GroupsWithState#withKeyShards}: gathers a bundle's arrivals by the shard of their
 * key, so that the stateful step reads and writes each shard's state once per bundle. A key's
 * list at the per-key cap ({@link GroupValuesInBundleFn} passes such lists of a fast key on
 * within the bundle) is passed on at once, with what its shard gathered so far: a few fast keys
 * would otherwise hold a whole bundle's values here. Many slow keys keep the one pass per shard
 * and bundle, which is what shards are for.
 */
final class GatherKeysInShardsFn<K, V, S>
    extends DoFn<KV<K, Arrival<V, S>>, KV<Integer, List<KV<K, Arrival<V, S>>>>> {
  private final Coder<K> keyCoder;
  private final int shards;
  private final long maxValuesPerKey;
  private transient Map<Integer, Gathered<K, V, S>> perShard;

  private static final class Gathered<K, V, S> {
    final List<KV<K, Arrival<V, S>>> arrivals = new ArrayList<>();
    long latestMillis = Long.MIN_VALUE;
  }

  GatherKeysInShardsFn(Coder<K> keyCoder, int shards, long maxValuesPerKey) {
    this.keyCoder = keyCoder;
    this.shards = shards;
    this.maxValuesPerKey = maxValuesPerKey;
  }

  @StartBundle
  public void startBundle() {
    perShard = new HashMap<>();
  }

  @ProcessElement
  public void processElement(@Element KV<K, Arrival<V, S>> arrival, @Timestamp Instant timestamp,
      OutputReceiver<KV<Integer, List<KV<K, Arrival<V, S>>>>> out) {
    int shard = Shard.of(arrival.getKey(), keyCoder, shards);
    Gathered<K, V, S> gathered = perShard.computeIfAbsent(shard, s -> new Gathered<>());
    gathered.arrivals.add(arrival);
    gathered.latestMillis = Math.max(gathered.latestMillis, timestamp.getMillis());
    if (!arrival.getValue().isInitialState() && arrival.getValue().values().count >= maxValuesPerKey) {
      perShard.remove(shard);
      out.outputWithTimestamp(KV.of(shard, gathered.arrivals), new Instant(gathered.latestMillis));
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    for (Map.Entry<Integer, Gathered<K, V, S>> shard : perShard.entrySet()) {
      context.output(KV.of(shard.getKey(), shard.getValue().arrivals),
          new Instant(shard.getValue().latestMillis), GlobalWindow.INSTANCE);
    }
    perShard.clear();
  }
}
