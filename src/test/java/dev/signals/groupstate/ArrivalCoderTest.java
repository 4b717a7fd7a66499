package dev.signals.groupstate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/** The values between the two steps of GroupsWithState, and initial states, survive the coder. */
class ArrivalCoderTest {
  private final Arrival.ArrivalCoder<String, Long> coder =
      Arrival.ArrivalCoder.of(StringUtf8Coder.of(), VarLongCoder.of());

  @Test
  void batchesOfValuesOfEverySizeComeBackInOrder() throws Exception {
    // The last batch is larger than the coder's first buffer, which then has to grow.
    for (int size : new int[] {0, 1, 31, 32, 10_000, 200_000}) {
      List<String> values = LongStream.range(0, size).mapToObj(i -> "value-" + i).collect(Collectors.toList());
      Arrival<String, Long> decoded = CoderUtils.clone(coder, Arrival.values(values));
      assertThat(decoded.isInitialState(), equalTo(false));
      assertThat(decoded.values(), equalTo(values));
    }
  }

  @Test
  void anInitialStateComesBackAsOne() throws Exception {
    Arrival<String, Long> decoded = CoderUtils.clone(coder, Arrival.initialState(42L));
    assertThat(decoded.isInitialState(), equalTo(true));
    assertThat(decoded.initialState(), equalTo(42L));
  }

  @Test
  void twoArrivalsInOneStreamComeBackApart() throws Exception {
    ListCoder<Arrival<String, Long>> pair = ListCoder.of(coder);
    List<Arrival<String, Long>> decoded = CoderUtils.clone(pair,
        List.of(Arrival.values(List.of("a", "b")), Arrival.values(List.of("c"))));
    assertThat(decoded.get(0).values(), equalTo(List.of("a", "b")));
    assertThat(decoded.get(1).values(), equalTo(List.of("c")));
  }

  @Test
  void bytesThatAreNotAnArrivalAreRefused() {
    IOException refused = assertThrows(IOException.class,
        () -> coder.decode(new ByteArrayInputStream(new byte[] {7})));
    assertThat(refused.getMessage(), containsString("not an encoded Arrival"));
  }
}
