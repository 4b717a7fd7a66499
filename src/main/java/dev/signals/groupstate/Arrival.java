package dev.signals.groupstate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * What reaches a key's state: a batch of its values, or its row of the initial state. Both come
 * through one input so that one stateful step sees them in the order they arrive.
 */
final class Arrival<V, S> {
  private final List<V> values;
  private final S initialState;

  private Arrival(List<V> values, S initialState) {
    this.values = values;
    this.initialState = initialState;
  }

  static <V, S> Arrival<V, S> values(List<V> values) {
    return new Arrival<>(values, null);
  }

  static <V, S> Arrival<V, S> initialState(S state) {
    return new Arrival<>(null, state);
  }

  boolean isInitialState() {
    return values == null;
  }

  List<V> values() {
    return values;
  }

  S initialState() {
    return initialState;
  }

  static final class ArrivalCoder<V, S> extends CustomCoder<Arrival<V, S>> {
    private static final int VALUES = 0;
    private static final int INITIAL_STATE = 1;
    /** Each thread's buffer for a batch of values (see {@link #encode}). */
    private static final ThreadLocal<ValuesBuffer> BUFFERS = ThreadLocal.withInitial(ValuesBuffer::new);

    private final Coder<V> valueCoder;
    private final Coder<S> stateCoder;

    private ArrivalCoder(Coder<V> valueCoder, Coder<S> stateCoder) {
      this.valueCoder = valueCoder;
      this.stateCoder = stateCoder;
    }

    static <V, S> ArrivalCoder<V, S> of(Coder<V> valueCoder, Coder<S> stateCoder) {
      return new ArrivalCoder<>(valueCoder, stateCoder);
    }

    /**
     * A batch of values is coded into a buffer of this thread's, then handed to the runner's
     * stream in one write: value coders write a byte at a time, and each byte written straight
     * to a runner's stream (or through ListCoder's synchronised DataOutputStream) costs a call
     * through the runner's stream wrappers.
     */
    @Override
    public void encode(Arrival<V, S> arrival, OutputStream out) throws IOException {
      if (arrival.isInitialState()) {
        out.write(INITIAL_STATE);
        stateCoder.encode(arrival.initialState(), out);
        return;
      }
      out.write(VALUES);
      List<V> values = arrival.values();
      VarInt.encode(values.size(), out);
      ValuesBuffer buffer = BUFFERS.get();
      buffer.reset();
      for (V value : values) {
        valueCoder.encode(value, buffer);
      }
      buffer.writeTo(out);
    }

    @Override
    public Arrival<V, S> decode(InputStream in) throws IOException {
      int tag = in.read();
      return switch (tag) {
        case VALUES -> Arrival.values(decodeValues(in));
        case INITIAL_STATE -> Arrival.initialState(stateCoder.decode(in));
        default -> throw new IOException("not an encoded Arrival: tag " + tag);
      };
    }

    private List<V> decodeValues(InputStream in) throws IOException {
      int size = VarInt.decodeInt(in);
      if (size < 0) {
        throw new CoderException("not an encoded Arrival: " + size + " values");
      }
      List<V> values = new ArrayList<>(Math.min(size, 1 << 16));
      for (int i = 0; i < size; i++) {
        values.add(valueCoder.decode(in));
      }
      return values;
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(valueCoder, stateCoder);
    }

    @Override
    public void verifyDeterministic() {} // never a key
  }

  /**
   * A growable byte buffer without {@link java.io.ByteArrayOutputStream}'s synchronised writes;
   * one that grew past {@link #KEPT_CAPACITY} is given up at the next reset.
   */
  private static final class ValuesBuffer extends OutputStream {
    private static final int INITIAL_CAPACITY = 1 << 16;
    private static final int KEPT_CAPACITY = 1 << 22;
    private byte[] bytes = new byte[INITIAL_CAPACITY];
    private int size;

    void reset() {
      if (bytes.length > KEPT_CAPACITY) {
        bytes = new byte[INITIAL_CAPACITY];
      }
      size = 0;
    }

    void writeTo(OutputStream out) throws IOException {
      out.write(bytes, 0, size);
    }

    @Override
    public void write(int b) {
      if (size == bytes.length) {
        grow(1);
      }
      bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] source, int offset, int length) {
      if (length > bytes.length - size) {
        grow(length);
      }
      System.arraycopy(source, offset, bytes, size, length);
      size += length;
    }

    private void grow(int needed) {
      bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 8,
          Math.max(2L * bytes.length, (long) size + needed)));
    }
  }
}
