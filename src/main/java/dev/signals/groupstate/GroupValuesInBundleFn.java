package dev.signals.groupstate;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
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
 * until the key's call. A key's batch is passed on as soon as it holds {@code maxPerKey} values
 * or {@link #BATCH_BYTES} of them, and all the batches a bundle holds once they take {@link
 * #HELD_BATCHES} times that: what a bundle keeps is bounded whatever the values' size.
 *
 * <p>A bundle of many keys is gathered in two passes. Each key's batch is its own few objects
 * somewhere on the heap, and with keys in the ten thousands, finding and growing it for every
 * value costs a cache miss or two (on Flink, at 100,000 devices, most of the step's time). So
 * once a bundle has {@code manyKeys} keys, further values are appended to one of {@link
 * #PARTITIONS} partitions by their key's hash, each value coded after its key's bytes, one after
 * the other, with no object kept per value. A partition is gathered into its keys' batches when
 * it is full or the bundle ends, by the keys' bytes (as the runners key their state), with only
 * the keys of one partition at hand. The batches passed on are the same, though a key may get
 * one from the first pass and one each time its partition is gathered.
 *
 * <p>It takes a key and a value from each element: a {@code KV}'s, or, with {@link
 * GroupsWithState#keyedBy}, the user's key function's and the element itself (one step fewer
 * than keying each element in a step of its own, which a runner pays per element).
 *
 * @param <T> an element of the input
 */
final class GroupValuesInBundleFn<T, K, V, S> extends DoFn<T, KV<K, Arrival<V, S>>> {
  /** The default of {@code manyKeys}: keys a bundle gathers directly before it partitions. */
  static final int MANY_KEYS = 4096;
  /** The default of {@code partitionValues}: values a partition holds before it is gathered. */
  static final int PARTITION_VALUES = 16_384;
  static final int PARTITIONS = 64;
  /** The default of {@code batchBytes}: a key's batch goes on once its values take this many bytes. */
  static final int BATCH_BYTES = 16 << 20;
  /** The batches gathered directly all go on once they take this many times {@code batchBytes}. */
  static final int HELD_BATCHES = 4;
  /** The default of {@code partitionBytes}: a partition is gathered once it holds this many bytes. */
  static final int PARTITION_BYTES = 1 << 20;

  private final SerializableFunction<T, K> keyOf;
  private final SerializableFunction<T, V> valueOf;
  private final Coder<K> keyCoder;
  private final Coder<V> valueCoder;
  private final long maxPerKey;
  private final int manyKeys;
  private final int partitionValues;
  private final int batchBytes;
  private final int partitionBytes;
  /** By the key's structural value, which equals where the encoded keys do. */
  private transient Map<Object, Gathered<K, V>> perKey;
  /** Once a bundle has had many keys, these two; null before. Kept from bundle to bundle. */
  private transient Partition<K, V>[] partitions;
  private transient KeyTable<K, V> keyTable;
  /** Whether this bundle is past {@code manyKeys}. */
  private transient boolean partitioning;
  /** The bytes of the batches in {@code perKey}. */
  private transient long heldBytes;

  private static final class Gathered<K, V> {
    final K key;
    final CodedValues.Builder<V> values;
    long latestMillis = Long.MIN_VALUE;

    Gathered(K key, Coder<V> valueCoder) {
      this.key = key;
      this.values = new CodedValues.Builder<>(valueCoder);
    }
  }

  /**
   * Values in arrival order, each coded after its key's bytes, one after the other, with its
   * key's hash and its timestamp: no object per value is kept. Its arrays grow as needed up to
   * the most it holds, and are kept from bundle to bundle.
   */
  private static final class Partition<K, V> {
    final CodedValues.Builder<V> bytes;
    final int maxSize;
    final int maxBytes;
    int[] keyEnds = new int[64];
    int[] ends = new int[64];
    int[] hashes = new int[64];
    long[] millis = new long[64];
    int size;

    Partition(Coder<V> valueCoder, int maxSize, int maxBytes) {
      this.bytes = new CodedValues.Builder<>(valueCoder);
      this.maxSize = maxSize;
      this.maxBytes = maxBytes;
    }

    void add(Coder<K> keyCoder, K key, int hash, V value, long timestampMillis) {
      if (size == ends.length) {
        int capacity = Math.min(maxSize, 2 * size);
        keyEnds = Arrays.copyOf(keyEnds, capacity);
        ends = Arrays.copyOf(ends, capacity);
        hashes = Arrays.copyOf(hashes, capacity);
        millis = Arrays.copyOf(millis, capacity);
      }
      try {
        keyCoder.encode(key, bytes);
      } catch (IOException e) {
        throw new IllegalArgumentException("Key " + key + " could not be coded with " + keyCoder, e);
      }
      keyEnds[size] = bytes.size();
      bytes.add(value);
      ends[size] = bytes.size();
      hashes[size] = hash;
      millis[size] = timestampMillis;
      size++;
    }

    int start(int i) {
      return i == 0 ? 0 : ends[i - 1];
    }

    /** Full of values, or of bytes (large values): a partition's buffer is kept between bundles. */
    boolean full() {
      return size == maxSize || bytes.size() >= maxBytes;
    }

    /** Empty; a buffer grown far past {@code maxBytes} by a large value is not kept. */
    void clear() {
      bytes.reset((int) Math.min(Integer.MAX_VALUE, 2L * maxBytes));
      size = 0;
    }
  }

  /**
   * A partition's keys while it is gathered, by the hash of their structural value and the bytes
   * of their first value's key (the runner's keys are those bytes, too). Open addressing over
   * arrays, kept from one partition to the next.
   */
  private static final class KeyTable<K, V> {
    int[] hashes = new int[256];
    int[] keyStarts = new int[256];
    int[] keyEnds = new int[256];
    Gathered<K, V>[] gathered = newGathered(256);
    int keys;

    @SuppressWarnings("unchecked")
    private static <K, V> Gathered<K, V>[] newGathered(int size) {
      return (Gathered<K, V>[]) new Gathered<?, ?>[size];
    }

    /** The slot of value {@code i}'s key in {@code partition}: its own, or a free one. */
    int slotOf(Partition<K, V> partition, int i) {
      int hash = partition.hashes[i];
      int keyStart = partition.start(i);
      int keyEnd = partition.keyEnds[i];
      byte[] bytes = partition.bytes.buffer();
      int mask = gathered.length - 1;
      for (int slot = slotHash(hash) & mask; ; slot = (slot + 1) & mask) {
        if (gathered[slot] == null) {
          return slot;
        }
        if (hashes[slot] == hash
            && Arrays.equals(bytes, keyStarts[slot], keyEnds[slot], bytes, keyStart, keyEnd)) {
          return slot;
        }
      }
    }

    void put(int slot, Partition<K, V> partition, int i, Gathered<K, V> newlyGathered) {
      hashes[slot] = partition.hashes[i];
      keyStarts[slot] = partition.start(i);
      keyEnds[slot] = partition.keyEnds[i];
      gathered[slot] = newlyGathered;
      keys++;
    }

    /** Room for another key at most half full; slots found before are void after it. */
    boolean grewForOneMore() {
      if (2 * (keys + 1) <= gathered.length) {
        return false;
      }
      Gathered<K, V>[] old = gathered;
      int[] oldHashes = hashes;
      int[] oldStarts = keyStarts;
      int[] oldEnds = keyEnds;
      int size = 2 * old.length;
      gathered = newGathered(size);
      hashes = new int[size];
      keyStarts = new int[size];
      keyEnds = new int[size];
      int mask = size - 1;
      for (int j = 0; j < old.length; j++) {
        if (old[j] != null) {
          int slot = slotHash(oldHashes[j]) & mask;
          while (gathered[slot] != null) {
            slot = (slot + 1) & mask;
          }
          gathered[slot] = old[j];
          hashes[slot] = oldHashes[j];
          keyStarts[slot] = oldStarts[j];
          keyEnds[slot] = oldEnds[j];
        }
      }
      return true;
    }

    void clear() {
      Arrays.fill(gathered, null);
      keys = 0;
    }

    /**
     * A slot's hash: all of the key's hash bits mixed into the low ones (Murmur3's finaliser).
     * The partition took the high bits of another mix, and hash codes with zeros at the bottom
     * (multiples of 1,000, say) would otherwise fall on a few slots.
     */
    private static int slotHash(int hash) {
      hash ^= hash >>> 16;
      hash *= 0x85EBCA6B;
      hash ^= hash >>> 13;
      hash *= 0xC2B2AE35;
      return hash ^ (hash >>> 16);
    }
  }

  /** Where a batch goes: the element's receiver, or the bundle's end. */
  private interface Emit<K, V, S> {
    void emit(KV<K, Arrival<V, S>> batch, Instant timestamp);
  }

  GroupValuesInBundleFn(SerializableFunction<T, K> keyOf, SerializableFunction<T, V> valueOf,
      Coder<K> keyCoder, Coder<V> valueCoder, long maxPerKey) {
    this(keyOf, valueOf, keyCoder, valueCoder, maxPerKey, MANY_KEYS, PARTITION_VALUES, BATCH_BYTES,
        PARTITION_BYTES);
  }

  /** With smaller limits, tests see both passes, and batches and partitions full of bytes. */
  GroupValuesInBundleFn(SerializableFunction<T, K> keyOf, SerializableFunction<T, V> valueOf,
      Coder<K> keyCoder, Coder<V> valueCoder, long maxPerKey, int manyKeys, int partitionValues,
      int batchBytes, int partitionBytes) {
    this.keyOf = keyOf;
    this.valueOf = valueOf;
    this.keyCoder = keyCoder;
    this.valueCoder = valueCoder;
    this.maxPerKey = maxPerKey;
    this.manyKeys = manyKeys;
    this.partitionValues = partitionValues;
    this.batchBytes = batchBytes;
    this.partitionBytes = partitionBytes;
  }

  @StartBundle
  public void startBundle() {
    perKey = new HashMap<>();
    heldBytes = 0;
    partitioning = false;
    if (partitions != null) {
      for (Partition<K, V> partition : partitions) {
        partition.clear(); // empty unless the last bundle failed half-way
      }
    }
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
    if (partitioning) {
      int hash = structural.hashCode();
      Partition<K, V> partition = partitions[partitionOf(hash)];
      partition.add(keyCoder, key, hash, valueOf.apply(element), timestamp.getMillis());
      if (partition.full()) {
        gather(partition, emitWhileAt(timestamp, out));
      }
      return;
    }
    Gathered<K, V> gathered = perKey.get(structural);
    if (gathered == null) {
      if (perKey.size() == manyKeys) {
        startPartitioning(emitWhileAt(timestamp, out));
        processElement(element, timestamp, out);
        return;
      }
      gathered = new Gathered<>(key, valueCoder);
      perKey.put(structural, gathered);
    }
    int sizeBefore = gathered.values.size();
    gathered.values.add(valueOf.apply(element));
    heldBytes += gathered.values.size() - sizeBefore;
    gathered.latestMillis = Math.max(gathered.latestMillis, timestamp.getMillis());
    if (full(gathered)) {
      perKey.remove(structural);
      heldBytes -= gathered.values.size();
      out.outputWithTimestamp(batchOf(gathered), new Instant(gathered.latestMillis));
    } else if (heldBytes >= (long) HELD_BATCHES * batchBytes) {
      passOn(perKey, emitWhileAt(timestamp, out));
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    Emit<K, V, S> emit = (batch, timestamp) -> context.output(batch, timestamp, GlobalWindow.INSTANCE);
    passOn(perKey, emit);
    if (partitioning) {
      for (Partition<K, V> partition : partitions) {
        gather(partition, emit);
      }
    }
  }

  /**
   * Passes batches on while an element at {@code timestamp} is processed. Other keys' batches may
   * be older than the element, and a runner refuses an output earlier than its input: they take
   * the element's timestamp.
   */
  private Emit<K, V, S> emitWhileAt(Instant timestamp, OutputReceiver<KV<K, Arrival<V, S>>> out) {
    return (batch, latest) -> out.outputWithTimestamp(batch, latest.isBefore(timestamp) ? timestamp : latest);
  }

  /** The keys gathered directly go on; the rest of the bundle is partitioned. */
  @SuppressWarnings("unchecked")
  private void startPartitioning(Emit<K, V, S> emit) {
    passOn(perKey, emit);
    if (partitions == null) {
      partitions = new Partition[PARTITIONS];
      for (int i = 0; i < PARTITIONS; i++) {
        partitions[i] = new Partition<>(valueCoder, partitionValues, partitionBytes);
      }
      keyTable = new KeyTable<>();
    }
    partitioning = true;
  }

  /** A partition's values into their keys' batches, which go on; the partition is emptied. */
  private void gather(Partition<K, V> partition, Emit<K, V, S> emit) {
    if (partition.size == 0) {
      return;
    }
    KeyTable<K, V> table = keyTable;
    for (int i = 0; i < partition.size; i++) {
      int slot = table.slotOf(partition, i);
      Gathered<K, V> gathered = table.gathered[slot];
      if (gathered == null) {
        if (table.grewForOneMore()) {
          slot = table.slotOf(partition, i);
        }
        gathered = new Gathered<>(keyOf(partition, i), valueCoder);
        table.put(slot, partition, i, gathered);
      }
      gathered.values.addCoded(partition.bytes, partition.keyEnds[i], partition.ends[i]);
      gathered.latestMillis = Math.max(gathered.latestMillis, partition.millis[i]);
      if (full(gathered)) {
        emit.emit(batchOf(gathered), new Instant(gathered.latestMillis));
        table.gathered[slot] = new Gathered<>(gathered.key, valueCoder); // the key's next batch
      }
    }
    for (Gathered<K, V> gathered : table.gathered) {
      if (gathered != null && gathered.values.count() > 0) {
        emit.emit(batchOf(gathered), new Instant(gathered.latestMillis));
      }
    }
    table.clear();
    partition.clear();
  }

  /** Value {@code i}'s key, decoded from its bytes (once per key and partition). */
  private K keyOf(Partition<K, V> partition, int i) {
    int start = partition.start(i);
    try {
      return keyCoder.decode(new ByteArrayInputStream(partition.bytes.buffer(), start,
          partition.keyEnds[i] - start));
    } catch (IOException e) {
      throw new IllegalStateException("A key coded with " + keyCoder + " could not be decoded", e);
    }
  }

  private void passOn(Map<Object, Gathered<K, V>> gatheredByKey, Emit<K, V, S> emit) {
    for (Gathered<K, V> gathered : gatheredByKey.values()) {
      emit.emit(batchOf(gathered), new Instant(gathered.latestMillis));
    }
    gatheredByKey.clear();
    heldBytes = 0;
  }

  /** A batch at the per-key cap, or one whose bytes reached {@code batchBytes}, goes on at once. */
  private boolean full(Gathered<K, V> gathered) {
    return gathered.values.count() >= maxPerKey || gathered.values.size() >= batchBytes;
  }

  private KV<K, Arrival<V, S>> batchOf(Gathered<K, V> gathered) {
    return KV.of(gathered.key, Arrival.values(gathered.values.build()));
  }

  /** The partition of a key: the high bits of its structural value's hash times the golden ratio. */
  private static int partitionOf(int hash) {
    return (hash * 0x9E3779B9) >>> (Integer.SIZE - Integer.numberOfTrailingZeros(PARTITIONS));
  }
}
