package dev.signals.groupstate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.ListCoder;

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

    private final ListCoder<V> valuesCoder;
    private final Coder<S> stateCoder;

    private ArrivalCoder(Coder<V> valueCoder, Coder<S> stateCoder) {
      this.valuesCoder = ListCoder.of(valueCoder);
      this.stateCoder = stateCoder;
    }

    static <V, S> ArrivalCoder<V, S> of(Coder<V> valueCoder, Coder<S> stateCoder) {
      return new ArrivalCoder<>(valueCoder, stateCoder);
    }

    @Override
    public void encode(Arrival<V, S> arrival, OutputStream out) throws IOException {
      if (arrival.isInitialState()) {
        out.write(INITIAL_STATE);
        stateCoder.encode(arrival.initialState(), out);
      } else {
        out.write(VALUES);
        valuesCoder.encode(arrival.values(), out);
      }
    }

    @Override
    public Arrival<V, S> decode(InputStream in) throws IOException {
      int tag = in.read();
      return switch (tag) {
        case VALUES -> Arrival.values(valuesCoder.decode(in));
        case INITIAL_STATE -> Arrival.initialState(stateCoder.decode(in));
        default -> throw new IOException("not an encoded Arrival: tag " + tag);
      };
    }

    @Override
    public void verifyDeterministic() {} // never a key
  }
}
