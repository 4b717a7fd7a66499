package dev.signals.groupstate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.util.CoderUtils;

/**
 * With {@link GroupsWithState#withKeyShards}: the keys of one shard, each with its state and its
 * {@link KeyBook}, in one state cell that a bundle reads and writes once; and the shard's own
 * bookkeeping of its timers.
 */
final class Shard<K, S> {
  /** One key of the shard. */
  static final class Entry<K, S> {
    final K key;
    /** The user's state, or null when the key has none (update(null) is refused). */
    S state;
    final KeyBook book;

    Entry(K key, S state, KeyBook book) {
      this.key = key;
      this.state = state;
      this.book = book;
    }
  }

  /**
   * How many shards the transform had when this one was written: a key's shard depends on it,
   * so state written with another number cannot be read (see {@link #checked}).
   */
  final int shards;
  /** By the key's structural value, which equals where the encoded keys do. */
  final Map<Object, Entry<K, S>> keys = new HashMap<>();
  /** The tick timer is set for the next tick: values or initial states wait. */
  boolean tickArmed;
  /** When the tick timer was last armed (wall clock), for {@link LostTickGuard}, or NONE. */
  long tickArmedAtMs = KeyBook.NONE;
  /** The early timer is set: a key has more values waiting than the cap. */
  boolean earlyArmed;
  /** Bounded input: the end-of-input timer is set. */
  boolean endTimerSet;
  /** Bounded input: the last calls are made; nothing more happens. */
  boolean ended;
  /** The newest event time the watermark passed, as the shard's event timers saw it, or NONE. */
  long watermarkMs = KeyBook.NONE;

  Shard(int shards) {
    this.shards = shards;
  }

  /** Notes that the tick timer was just armed, at {@code nowMs} on the wall clock. */
  void tickArmed(long nowMs) {
    tickArmed = true;
    tickArmedAtMs = nowMs;
  }

  /**
   * The shard read from state, or null; refused when it was written with another number of
   * shards (a checkpoint restored into a pipeline with another {@code withKeyShards}), whose keys
   * would be looked for in other shards and start again from no state.
   */
  static <K, S> Shard<K, S> checked(Shard<K, S> shard, int shards) {
    if (shard != null && shard.shards != shards) {
      throw new IllegalStateException("GroupsWithState state was written with withKeyShards("
          + shard.shards + ") and this pipeline has withKeyShards(" + shards + "): a key's shard "
          + "depends on the number of shards, so restore it with " + shard.shards
          + " shards, or start without this checkpoint");
    }
    return shard;
  }

  Entry<K, S> entry(K key, Coder<K> keyCoder) {
    return keys.computeIfAbsent(keyCoder.structuralValue(key), k -> new Entry<>(key, null, new KeyBook()));
  }

  /**
   * The shard of a key, from its encoded form: the same on every worker and after a restore
   * (a key's own hashCode need not be, an enum's for one).
   */
  static <K> int of(K key, Coder<K> keyCoder, int shards) {
    try {
      int hash = Arrays.hashCode(CoderUtils.encodeToByteArray(keyCoder, key));
      hash ^= hash >>> 16;
      hash *= 0x85ebca6b;
      hash ^= hash >>> 13;
      return Math.floorMod(hash, shards);
    } catch (CoderException e) {
      throw new IllegalStateException("Cannot encode key " + key + " to find its shard", e);
    }
  }

  static final class ShardCoder<K, S> extends CustomCoder<Shard<K, S>> {
    private static final int TICK_ARMED = 1;
    private static final int EARLY_ARMED = 1 << 1;
    private static final int END_TIMER_SET = 1 << 2;
    private static final int ENDED = 1 << 3;
    private static final int HAS_WATERMARK = 1 << 4;
    private static final int HAS_TICK_ARMED_AT = 1 << 5; // absent in shards written before it

    private final Coder<K> keyCoder;
    private final Coder<S> stateCoder;

    private ShardCoder(Coder<K> keyCoder, Coder<S> stateCoder) {
      this.keyCoder = keyCoder;
      this.stateCoder = stateCoder;
    }

    static <K, S> ShardCoder<K, S> of(Coder<K> keyCoder, Coder<S> stateCoder) {
      return new ShardCoder<>(keyCoder, stateCoder);
    }

    @Override
    public void encode(Shard<K, S> shard, OutputStream out) throws IOException {
      int flags = (shard.tickArmed ? TICK_ARMED : 0)
          | (shard.earlyArmed ? EARLY_ARMED : 0)
          | (shard.endTimerSet ? END_TIMER_SET : 0)
          | (shard.ended ? ENDED : 0)
          | (shard.watermarkMs != KeyBook.NONE ? HAS_WATERMARK : 0)
          | (shard.tickArmed && shard.tickArmedAtMs != KeyBook.NONE ? HAS_TICK_ARMED_AT : 0);
      VarIntCoder.of().encode(flags, out);
      VarIntCoder.of().encode(shard.shards, out);
      if (shard.watermarkMs != KeyBook.NONE) {
        VarLongCoder.of().encode(shard.watermarkMs, out);
      }
      if ((flags & HAS_TICK_ARMED_AT) != 0) {
        VarLongCoder.of().encode(shard.tickArmedAtMs, out);
      }
      VarIntCoder.of().encode(shard.keys.size(), out);
      for (Entry<K, S> entry : shard.keys.values()) {
        keyCoder.encode(entry.key, out);
        KeyBook.KeyBookCoder.of().encode(entry.book, out);
        out.write(entry.state == null ? 0 : 1);
        if (entry.state != null) {
          stateCoder.encode(entry.state, out);
        }
      }
    }

    @Override
    public Shard<K, S> decode(InputStream in) throws IOException {
      int flags = VarIntCoder.of().decode(in);
      Shard<K, S> shard = new Shard<>(VarIntCoder.of().decode(in));
      shard.tickArmed = (flags & TICK_ARMED) != 0;
      shard.earlyArmed = (flags & EARLY_ARMED) != 0;
      shard.endTimerSet = (flags & END_TIMER_SET) != 0;
      shard.ended = (flags & ENDED) != 0;
      if ((flags & HAS_WATERMARK) != 0) {
        shard.watermarkMs = VarLongCoder.of().decode(in);
      }
      if ((flags & HAS_TICK_ARMED_AT) != 0) {
        shard.tickArmedAtMs = VarLongCoder.of().decode(in);
      }
      int size = VarIntCoder.of().decode(in);
      for (int i = 0; i < size; i++) {
        K key = keyCoder.decode(in);
        KeyBook book = KeyBook.KeyBookCoder.of().decode(in);
        int hasState = in.read();
        if (hasState < 0) {
          throw new IOException("not an encoded Shard: it ends inside key " + key);
        }
        S state = hasState == 1 ? stateCoder.decode(in) : null;
        shard.keys.put(keyCoder.structuralValue(key), new Entry<>(key, state, book));
      }
      return shard;
    }

    @Override
    public void verifyDeterministic() {} // never a key
  }
}
