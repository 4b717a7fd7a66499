package dev.signals.groupstate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
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
 * would otherwise hold a whole bundle's values here. Large values go on by their bytes: all the
 * shards' lists at once, when they hold as many bytes as {@link GroupValuesInBundleFn} holds at
 * most. Many slow keys keep the one pass per shard and bundle, which is what shards are for.
 */
final class GatherKeysInShardsFn<K, V, S>
    extends DoFn<KV<K, Arrival<V, S>>, KV<Integer, List<KV<K, Arrival<V, S>>>>> {
  private final Coder<K> keyCoder;
  private final int shards;
  private final long maxValuesPerKey;
  private final long maxBytes;
  private transient Map<Integer, Gathered<K, V, S>> perShard;
  /** The bytes of the values in {@code perShard}. */
  private transient long heldBytes;

  private static final class Gathered<K, V, S> {
    final List<KV<K, Arrival<V, S>>> arrivals = new ArrayList<>();
    long latestMillis = Long.MIN_VALUE;
    long bytes;

    void add(KV<K, Arrival<V, S>> arrival, long timestampMillis) {
      arrivals.add(arrival);
      latestMillis = Math.max(latestMillis, timestampMillis);
      if (!arrival.getValue().isInitialState()) {
        bytes += arrival.getValue().values().byteSize();
      }
    }
  }

  GatherKeysInShardsFn(Coder<K> keyCoder, int shards, long maxValuesPerKey) {
    this(keyCoder, shards, maxValuesPerKey,
        (long) GroupValuesInBundleFn.HELD_BATCHES * GroupValuesInBundleFn.BATCH_BYTES);
  }

  /** With a smaller {@code maxBytes}, tests see lists passed on for their bytes. */
  GatherKeysInShardsFn(Coder<K> keyCoder, int shards, long maxValuesPerKey, long maxBytes) {
    this.keyCoder = keyCoder;
    this.shards = shards;
    this.maxValuesPerKey = maxValuesPerKey;
    this.maxBytes = maxBytes;
  }

  @StartBundle
  public void startBundle() {
    perShard = new HashMap<>();
    heldBytes = 0;
  }

  @ProcessElement
  public void processElement(@Element KV<K, Arrival<V, S>> arrival, @Timestamp Instant timestamp,
      OutputReceiver<KV<Integer, List<KV<K, Arrival<V, S>>>>> out) {
    int shard = Shard.of(arrival.getKey(), keyCoder, shards);
    Gathered<K, V, S> gathered = perShard.computeIfAbsent(shard, s -> new Gathered<>());
    long bytesBefore = gathered.bytes;
    gathered.add(arrival, timestamp.getMillis());
    heldBytes += gathered.bytes - bytesBefore;
    if (!arrival.getValue().isInitialState() && arrival.getValue().values().count >= maxValuesPerKey) {
      perShard.remove(shard);
      heldBytes -= gathered.bytes;
      out.outputWithTimestamp(KV.of(shard, gathered.arrivals), new Instant(gathered.latestMillis));
    } else if (heldBytes >= maxBytes) {
      // Other shards' lists may be older than this element, and a runner refuses an output
      // earlier than its input: they take the element's timestamp.
      passOnAll(out::outputWithTimestamp, timestamp.getMillis());
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    passOnAll((list, timestamp) -> context.output(list, timestamp, GlobalWindow.INSTANCE), Long.MIN_VALUE);
  }

  /**
   * Every shard's list goes on, at its latest arrival's timestamp but not before {@code
   * notBeforeMillis}.
   */
  private void passOnAll(BiConsumer<KV<Integer, List<KV<K, Arrival<V, S>>>>, Instant> emit,
      long notBeforeMillis) {
    for (Map.Entry<Integer, Gathered<K, V, S>> shard : perShard.entrySet()) {
      emit.accept(KV.of(shard.getKey(), shard.getValue().arrivals),
          new Instant(Math.max(shard.getValue().latestMillis, notBeforeMillis)));
    }
    perShard.clear();
    heldBytes = 0;
  }
}
