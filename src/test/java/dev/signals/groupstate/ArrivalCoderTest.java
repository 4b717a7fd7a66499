package dev.signals.groupstate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.beam.sdk.coders.BigEndianLongCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/** The values between the two steps of GroupsWithState, and initial states, survive the coder. */
class ArrivalCoderTest {
  private final Arrival.ArrivalCoder<String, Long> coder = Arrival.ArrivalCoder.of(VarLongCoder.of());

  @Test
  void batchesOfValuesOfEverySizeComeBackInOrder() throws Exception {
    // The larger batches outgrow the first buffer of the values' builder, which then has to grow.
    for (int size : new int[] {0, 1, 31, 32, 10_000, 200_000}) {
      List<String> values = LongStream.range(0, size).mapToObj(i -> "value-" + i).collect(Collectors.toList());
      Arrival<String, Long> decoded = CoderUtils.clone(coder, Arrival.values(coded(values)));
      assertThat(decoded.isInitialState(), equalTo(false));
      assertThat(decoded.values().count, equalTo(size));
      assertThat(decoded(decoded), equalTo(values));
    }
  }

  @Test
  void aValuePastTwoGigabytesIsAClearError() {
    int max = CodedValues.Builder.MAX_ARRAY_BYTES;
    assertThat(CodedValues.Builder.newCapacity(1 << 30, 1 << 30, 1, VarLongCoder.of()), equalTo(max));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CodedValues.Builder.newCapacity(max, max, 1, VarLongCoder.of()));
    assertThat(e.getMessage(), containsString("nearly 2 GB"));
    assertThat(e.getMessage(), containsString("VarLongCoder"));
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
        List.of(Arrival.values(coded(List.of("a", "b"))), Arrival.values(coded(List.of("c")))));
    assertThat(decoded(decoded.get(0)), equalTo(List.of("a", "b")));
    assertThat(decoded(decoded.get(1)), equalTo(List.of("c")));
  }

  @Test
  void severalBatchesAreReadInTurnAndEachValueOnce() {
    Iterator<String> values = CodedValues.decodeAll(
        List.of(coded(List.of("a", "b")), coded(List.of()), coded(List.of("c"))), StringUtf8Coder.of());
    List<String> read = new ArrayList<>();
    values.forEachRemaining(read::add);
    assertThat(read, equalTo(List.of("a", "b", "c")));
    assertThrows(NoSuchElementException.class, values::next);
  }

  @Test
  void valuesCodedWithAnotherCoderAreAClearError() {
    CodedValues<String> strings = coded(List.of("a"));
    @SuppressWarnings({"unchecked", "rawtypes"})
    Iterator<Long> asLongs = ((CodedValues) strings).decode(BigEndianLongCoder.of());
    IllegalStateException refused = assertThrows(IllegalStateException.class, asLongs::next);
    assertThat(refused.getMessage(), containsString("could not be decoded with BigEndianLongCoder"));
  }

  @Test
  void bytesThatAreNotAnArrivalAreRefused() {
    IOException refused = assertThrows(IOException.class,
        () -> coder.decode(new ByteArrayInputStream(new byte[] {7})));
    assertThat(refused.getMessage(), containsString("not an encoded Arrival"));
  }

  private static CodedValues<String> coded(List<String> values) {
    return CodedValues.of(values, StringUtf8Coder.of());
  }

  private static List<String> decoded(Arrival<String, Long> arrival) {
    List<String> values = new ArrayList<>();
    arrival.values().decode(StringUtf8Coder.of()).forEachRemaining(values::add);
    return values;
  }
}
