package dev.signals.kafka;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signals.model.Signal;
import dev.signals.kafka.SignalJson.MalformedSignalException;
import dev.signals.kafka.SignalJson.Problem;
import java.nio.charset.StandardCharsets;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SignalJsonTest {

  @Test
  void aSignalGoesToJsonAndBack() throws Exception {
    Signal signal = new Signal(Instant.parse("2026-12-03T15:00:00.123Z"), 3, 7);
    String json = SignalJson.format(signal);
    assertThat(json, equalTo("{\"timestamp\":\"2026-12-03T15:00:00.123Z\",\"deviceId\":3,\"value\":7}"));
    assertThat(SignalJson.parse(bytes(json)), equalTo(signal));
  }

  @Test
  void theTimestampMayBeEpochMillisAndOtherFieldsAreIgnored() throws Exception {
    assertThat(SignalJson.parse(bytes("{\"timestamp\":1764774000123,\"deviceId\":3,\"value\":-2,\"unit\":\"C\"}")),
        equalTo(new Signal(Instant.ofEpochMilli(1764774000123L), 3, -2)));
  }

  @Test
  void timestampsInOtherIsoFormsAreReadToo() throws Exception {
    Signal expected = new Signal(Instant.parse("2026-12-03T15:00:00.123Z"), 3, 7);
    for (String timestamp : new String[] {"2026-12-03T16:00:00.123+01:00", "2026-12-03t15:00:00.123456z"}) {
      assertThat(timestamp, SignalJson.parse(bytes("{\"timestamp\":\"" + timestamp + "\",\"deviceId\":3,\"value\":7}")),
          equalTo(expected));
    }
  }

  @Test
  void nestedFieldsAreSkippedAndARepeatedFieldKeepsItsLastValue() throws Exception {
    String json = "{\"meta\":{\"deviceId\":99,\"tags\":[1,{\"value\":2}]},\"timestamp\":0,"
        + "\"deviceId\":4,\"value\":1,\"value\":5,\"deviceId\":3}";
    assertThat(SignalJson.parse(bytes(json)), equalTo(new Signal(Instant.ofEpochMilli(0), 3, 5)));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "not json                                                   | NOT_JSON      | not a JSON object",
      "[1, 2]                                                     | NOT_JSON      | the value is not an object",
      "{\"deviceId\":3,\"value\":1                                | NOT_JSON      | not a JSON object",
      "{\"deviceId\":3,\"value\":1}                               | MISSING_FIELD | no \"timestamp\"",
      "{\"timestamp\":0,\"deviceId\":null,\"value\":1}            | MISSING_FIELD | no \"deviceId\"",
      "{\"timestamp\":0,\"deviceId\":3}                           | MISSING_FIELD | no \"value\"",
      "{\"timestamp\":\"noon\",\"deviceId\":3,\"value\":1}        | WRONG_TYPE    | \"timestamp\" must be an ISO-8601 instant or epoch milliseconds",
      "{\"timestamp\":\"+300000000-01-01T00:00:00Z\",\"deviceId\":3,\"value\":1} | WRONG_TYPE    | \"timestamp\" must be an ISO-8601 instant",
      "{\"timestamp\":0,\"deviceId\":\"3\",\"value\":1}           | WRONG_TYPE    | \"deviceId\" must be a whole number in int range",
      "{\"timestamp\":0,\"deviceId\":3000000000,\"value\":1}      | WRONG_TYPE    | \"deviceId\" must be a whole number in int range",
      "{\"timestamp\":0,\"deviceId\":3,\"value\":1.5}             | WRONG_TYPE    | \"value\" must be a whole number",
      "{\"timestamp\":0,\"deviceId\":{\"id\":3},\"value\":1}      | WRONG_TYPE    | \"deviceId\" must be a whole number in int range, got {\"id\":3}",
      "{\"timestamp\":[0],\"deviceId\":3,\"value\":1}             | WRONG_TYPE    | \"timestamp\" must be an ISO-8601 instant or epoch milliseconds, got [0]",
      "{\"timestamp\":\"2026-02-30T00:00:00Z\",\"deviceId\":3,\"value\":1} | WRONG_TYPE | got \"2026-02-30T00:00:00Z\"",
      "{\"timestamp\":0,\"deviceId\":3,\"value\":99999999999999999999} | WRONG_TYPE | \"value\" must be a whole number",
      "{\"timestamp\":0,\"deviceId\":3,\"value\":1,                | NOT_JSON      | not a JSON object",
      "{\"timestamp\":0,\"deviceId\":3,\"value\":1,\"x\":[1,       | NOT_JSON      | not a JSON object",
      "\"a string\"                                                 | NOT_JSON      | the value is not an object"})
  void aRecordThatIsNotASignalSaysWhy(String value, Problem problem, String says) {
    MalformedSignalException bad = assertThrows(MalformedSignalException.class,
        () -> SignalJson.parse(bytes(value.trim())));
    assertThat(bad.problem, equalTo(problem));
    assertThat(bad.getMessage(), containsString(says));
  }

  @Test
  void anEmptyRecordIsNotASignal() {
    assertThat(assertThrows(MalformedSignalException.class, () -> SignalJson.parse(null)).problem,
        equalTo(Problem.NOT_JSON));
    assertThat(assertThrows(MalformedSignalException.class, () -> SignalJson.parse(new byte[0])).problem,
        equalTo(Problem.NOT_JSON));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
