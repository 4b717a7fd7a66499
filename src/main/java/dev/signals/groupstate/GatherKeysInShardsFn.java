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
 * key, so that the stateful step reads and writes each shard's state once per bundle.
 */
final class GatherKeysInShardsFn<K, V, S>
    extends DoFn<KV<K, Arrival<V, S>>, KV<Integer, List<KV<K, Arrival<V, S>>>>> {
  private final Coder<K> keyCoder;
  private final int shards;
  private transient Map<Integer, Gathered<K, V, S>> perShard;

  private static final class Gathered<K, V, S> {
    final List<KV<K, Arrival<V, S>>> arrivals = new ArrayList<>();
    long latestMillis = Long.MIN_VALUE;
  }

  GatherKeysInShardsFn(Coder<K> keyCoder, int shards) {
    this.keyCoder = keyCoder;
    this.shards = shards;
  }

  @StartBundle
  public void startBundle() {
    perShard = new HashMap<>();
  }

  @ProcessElement
  public void processElement(@Element KV<K, Arrival<V, S>> arrival, @Timestamp Instant timestamp) {
    Gathered<K, V, S> gathered =
        perShard.computeIfAbsent(Shard.of(arrival.getKey(), keyCoder, shards), shard -> new Gathered<>());
    gathered.arrivals.add(arrival);
    gathered.latestMillis = Math.max(gathered.latestMillis, timestamp.getMillis());
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
