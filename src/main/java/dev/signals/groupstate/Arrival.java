package dev.signals.groupstate;

import dev.signals.groupstate.CodedValues.CodedValuesCoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;

/**
 * What reaches a key's state: a batch of its values (coded, see {@link CodedValues}), or its row
 * of the initial state. Both come through one input so that one stateful step sees them in the
 * order they arrive.
 */
final class Arrival<V, S> {
  private final CodedValues<V> values;
  private final S initialState;

  private Arrival(CodedValues<V> values, S initialState) {
    this.values = values;
    this.initialState = initialState;
  }

  static <V, S> Arrival<V, S> values(CodedValues<V> values) {
    return new Arrival<>(values, null);
  }

  static <V, S> Arrival<V, S> initialState(S state) {
    return new Arrival<>(null, state);
  }

  boolean isInitialState() {
    return values == null;
  }

  CodedValues<V> values() {
    return values;
  }

  S initialState() {
    return initialState;
  }

  static final class ArrivalCoder<V, S> extends CustomCoder<Arrival<V, S>> {
    private static final int VALUES = 0;
    private static final int INITIAL_STATE = 1;

    private final Coder<S> stateCoder;

    private ArrivalCoder(Coder<S> stateCoder) {
      this.stateCoder = stateCoder;
    }

    static <V, S> ArrivalCoder<V, S> of(Coder<S> stateCoder) {
      return new ArrivalCoder<>(stateCoder);
    }

    @Override
    public void encode(Arrival<V, S> arrival, OutputStream out) throws IOException {
      if (arrival.isInitialState()) {
        out.write(INITIAL_STATE);
        stateCoder.encode(arrival.initialState(), out);
        return;
      }
      out.write(VALUES);
      CodedValuesCoder.<V>of().encode(arrival.values(), out);
    }

    @Override
    public Arrival<V, S> decode(InputStream in) throws IOException {
      int tag = in.read();
      return switch (tag) {
        case VALUES -> Arrival.values(CodedValuesCoder.<V>of().decode(in));
        case INITIAL_STATE -> Arrival.initialState(stateCoder.decode(in));
        default -> throw new IOException("not an encoded Arrival: tag " + tag);
      };
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(stateCoder);
    }

    @Override
    public void verifyDeterministic() {} // never a key
  }
}
