package dev.signals.kafka;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IsoInstantsTest {
  private static final long YEAR_0 = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
  private static final long YEAR_10000 = Instant.parse("+10000-01-01T00:00:00Z").getEpochSecond();

  @Test
  void agreesWithInstantParseOnRandomInstantsOfEveryYearAndFractionLength() {
    Random random = new Random(20261205);
    for (int i = 0; i < 100_000; i++) {
      Instant instant = Instant.ofEpochSecond(YEAR_0 + (long) (random.nextDouble() * (YEAR_10000 - YEAR_0)),
          random.nextInt(1_000_000_000));
      String text = DateTimeFormatter.ISO_INSTANT.format(instant); // 0, 3, 6 or 9 digits
      String seconds = text.substring(0, 19);
      String nanos = String.format("%09d", instant.getNano());
      int digits = random.nextInt(10); // 0 to 9 digits, cut from the nanos
      String cut = digits == 0 ? seconds + "Z" : seconds + "." + nanos.substring(0, digits) + "Z";
      for (String form : new String[] {text, cut}) {
        assertThat(form, IsoInstants.epochMillis(form), equalTo(Instant.parse(form).toEpochMilli()));
      }
    }
  }

  @Test
  void theEdgesOfTheCommonForm() {
    for (String text : new String[] {"1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z",
        "0000-01-01T00:00:00.000000001Z", "9999-12-31T23:59:59.999999999Z", "2024-02-29T12:00:00.5Z"}) {
      assertThat(text, IsoInstants.epochMillis(text), equalTo(Instant.parse(text).toEpochMilli()));
    }
  }

  /** Valid or not, Instant.parse decides these (the caller falls back to it). */
  @ParameterizedTest
  @ValueSource(strings = {"2026-12-03T16:00:00.123+01:00", "2026-12-03t15:00:00z",
      "2026-12-03T15:00:60Z", "2026-02-30T00:00:00Z", "2026-12-03T24:00:00Z", "2026-13-03T00:00:00Z",
      "2026-12-03T15:00:00.Z", "2026-12-03T15:00:00.1234567890Z", "2026-12-03T15:00:00", "+12026-12-03T15:00:00Z",
      "2026-12-03T15:0a:00Z", "2026-12-03 15:00:00Z", "2026-12-03T15:00:00.12a4Z", "noon", ""})
  void leavesEveryOtherTextToInstantParse(String text) {
    assertThat(text, IsoInstants.epochMillis(text), equalTo(IsoInstants.NOT_THE_COMMON_FORM));
  }
}
