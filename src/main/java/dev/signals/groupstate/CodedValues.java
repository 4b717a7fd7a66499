package dev.signals.groupstate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.VarInt;

/**
 * A batch of one key's values, coded with the values' coder when they are gathered, and decoded
 * only when the key's function reads them. In between (the shuffle, the runner's own coding of
 * elements and state, the state where they wait for their tick) the batch moves as bytes: the
 * classic Spark runner codes a stateful step's input and rewrites a whole bag cell on each add,
 * which would otherwise code every value again each time.
 *
 * @param <V> the values' type, as the function sees them
 */
final class CodedValues<V> {
  final int count;
  private final byte[] bytes;

  private CodedValues(int count, byte[] bytes) {
    this.count = count;
    this.bytes = bytes;
  }

  /** Codes {@code values} (tests, and anywhere a whole list is at hand). */
  static <V> CodedValues<V> of(List<V> values, Coder<V> coder) {
    Builder<V> builder = new Builder<>(coder);
    for (V value : values) {
      builder.add(value);
    }
    return builder.build();
  }

  /** The bytes the values take, coded. */
  int byteSize() {
    return bytes.length;
  }

  /** The values, decoded one by one as the iterator is read. */
  Iterator<V> decode(Coder<V> coder) {
    Input in = new Input(bytes);
    return new Iterator<>() {
      private int decoded;

      @Override
      public boolean hasNext() {
        return decoded < count;
      }

      @Override
      public V next() {
        if (decoded == count) {
          throw new NoSuchElementException();
        }
        decoded++;
        try {
          return coder.decode(in);
        } catch (IOException e) {
          throw new IllegalStateException("A waiting value could not be decoded with " + coder
              + " (value " + decoded + " of " + count + " in its batch)", e);
        }
      }
    };
  }

  /** The values of several batches, in turn. */
  static <V> Iterator<V> decodeAll(Iterable<CodedValues<V>> batches, Coder<V> coder) {
    Iterator<CodedValues<V>> each = batches.iterator();
    return new Iterator<>() {
      private Iterator<V> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && each.hasNext()) {
          current = each.next().decode(coder);
        }
        return current.hasNext();
      }

      @Override
      public V next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }

  /**
   * Codes values into a growing buffer of its own (value coders write a byte at a time: here
   * without the synchronised writes of {@link java.io.ByteArrayOutputStream}).
   */
  static final class Builder<V> extends OutputStream {
    /** The largest array a JVM reliably allocates. */
    static final int MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;
    private final Coder<V> coder;
    private byte[] buffer = new byte[32];
    private int size;
    private int count;

    Builder(Coder<V> coder) {
      this.coder = coder;
    }

    void add(V value) {
      try {
        coder.encode(value, this);
      } catch (IOException e) {
        throw new IllegalArgumentException("Value " + value + " could not be coded with " + coder, e);
      }
      count++;
    }

    int count() {
      return count;
    }

    /** Bytes written so far: where the next value starts. */
    int size() {
      return size;
    }

    /** Appends one value already coded with this builder's coder, from {@code source}. */
    void addCoded(Builder<V> source, int from, int to) {
      write(source.buffer, from, to - from);
      count++;
    }

    /** The bytes written so far, up to {@link #size()}: not a copy. */
    byte[] buffer() {
      return buffer;
    }

    /** Empties the builder for reuse, keeping its buffer unless it is over {@code maxKept} bytes. */
    void reset(int maxKept) {
      size = 0;
      count = 0;
      if (buffer.length > maxKept) {
        buffer = new byte[32];
      }
    }

    CodedValues<V> build() {
      return new CodedValues<>(count, Arrays.copyOf(buffer, size));
    }

    @Override
    public void write(int b) {
      if (size == buffer.length) {
        grow(1);
      }
      buffer[size++] = (byte) b;
    }

    @Override
    public void write(byte[] source, int offset, int length) {
      if (length > buffer.length - size) {
        grow(length);
      }
      System.arraycopy(source, offset, buffer, size, length);
      size += length;
    }

    private void grow(int needed) {
      buffer = Arrays.copyOf(buffer, newCapacity(buffer.length, size, needed, coder));
    }

    /**
     * Twice the buffer, or more if one write needs it. A batch goes on long before 2 GB (the most
     * a Java array holds), so only a value coded to nearly that much can pass it.
     */
    static int newCapacity(int capacity, int size, int needed, Coder<?> coder) {
      long required = (long) size + needed;
      if (required > MAX_ARRAY_BYTES) {
        throw new IllegalArgumentException("GroupsWithState cannot hold a value coded to nearly "
            + "2 GB or more (the most a Java array holds): a batch passed that while " + coder
            + " coded one value, and batches go on at " + (GroupValuesInBundleFn.BATCH_BYTES >> 20)
            + " MB otherwise; split such values before the transform");
      }
      return (int) Math.min(MAX_ARRAY_BYTES, Math.max(2L * capacity, required));
    }
  }

  /** Reads a batch's bytes without {@link java.io.ByteArrayInputStream}'s synchronised reads. */
  private static final class Input extends InputStream {
    private final byte[] bytes;
    private int position;

    Input(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read() {
      return position < bytes.length ? bytes[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] target, int offset, int length) {
      if (length == 0) {
        return 0;
      }
      if (position == bytes.length) {
        return -1;
      }
      int n = Math.min(length, bytes.length - position);
      System.arraycopy(bytes, position, target, offset, n);
      position += n;
      return n;
    }

    @Override
    public long skip(long n) {
      int skipped = (int) Math.max(0, Math.min(n, bytes.length - position));
      position += skipped;
      return skipped;
    }

    @Override
    public int available() {
      return bytes.length - position;
    }
  }

  /** A batch as its count, its length in bytes, and the bytes as the values' coder wrote them. */
  static final class CodedValuesCoder<V> extends AtomicCoder<CodedValues<V>> {
    @SuppressWarnings("rawtypes")
    private static final CodedValuesCoder INSTANCE = new CodedValuesCoder<>();

    @SuppressWarnings("unchecked")
    static <V> CodedValuesCoder<V> of() {
      return INSTANCE;
    }

    @Override
    public void encode(CodedValues<V> values, OutputStream out) throws IOException {
      VarInt.encode(values.count, out);
      VarInt.encode(values.bytes.length, out);
      out.write(values.bytes);
    }

    @Override
    public CodedValues<V> decode(InputStream in) throws IOException {
      int count = VarInt.decodeInt(in);
      int length = VarInt.decodeInt(in);
      if (count < 0 || length < 0) {
        throw new CoderException("not coded values: " + count + " values in " + length + " bytes");
      }
      byte[] bytes = new byte[length];
      int read = in.readNBytes(bytes, 0, length);
      if (read < length) {
        throw new CoderException("coded values end after " + read + " of their " + length + " bytes");
      }
      return new CodedValues<>(count, bytes);
    }

    @Override
    public void verifyDeterministic() {} // never a key
  }
}
