package dev.signals.testing;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.signals.console.ConsoleSink;
import dev.signals.model.EventsCounted.Kind;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One report of the program's {@code --output=jsonl} stream (also a report's value on Kafka), as
 * {@link ConsoleSink#jsonLine} writes it: the one parser of that stream the tests share. A line
 * is a report only with exactly the fields of its kind, of the right types; {@code added} is
 * known for tick reports only (-1 otherwise).
 */
public record JsonlReport(long tickMillis, int deviceId, long count, long added, Kind kind) {
  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
  private static final Set<String> TICK_FIELDS = Set.of("tick", "deviceId", "count", "added");
  private static final Set<String> FINAL_FIELDS = Set.of("tick", "deviceId", "count", "final");
  private static final Set<String> EXPIRED_FIELDS = Set.of("tick", "deviceId", "count", "expired");

  /** The report on {@code line}, or empty when the line is not one. */
  public static Optional<JsonlReport> parse(String line) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException notJson) {
      return Optional.empty();
    }
    if (node == null || !node.isObject()) {
      return Optional.empty();
    }
    Set<String> fields = new HashSet<>();
    node.fieldNames().forEachRemaining(fields::add);
    Kind kind = fields.equals(TICK_FIELDS) ? Kind.TICK
        : fields.equals(FINAL_FIELDS) && node.get("final").asBoolean(false) ? Kind.FINAL
        : fields.equals(EXPIRED_FIELDS) && node.get("expired").asBoolean(false) ? Kind.EXPIRED
        : null;
    JsonNode tick = node.get("tick");
    JsonNode deviceId = node.get("deviceId");
    JsonNode count = node.get("count");
    JsonNode added = node.get("added");
    if (kind == null || !tick.isTextual() || !deviceId.isInt() || !count.isIntegralNumber()
        || (kind == Kind.TICK && !added.isIntegralNumber())) {
      return Optional.empty();
    }
    try {
      return Optional.of(new JsonlReport(Instant.parse(tick.asText()).toEpochMilli(), deviceId.intValue(),
          count.longValue(), kind == Kind.TICK ? added.longValue() : -1, kind));
    } catch (DateTimeParseException notAnInstant) {
      return Optional.empty();
    }
  }

  /** The report on {@code line}; fails the test when the line is not one. */
  public static JsonlReport of(String line) {
    Optional<JsonlReport> report = parse(line);
    assertThat("a report: " + line, report.isPresent(), equalTo(true));
    return report.get();
  }

  /** The tick report on {@code line}; fails the test when the line is anything else. */
  public static JsonlReport tickReport(String line) {
    JsonlReport report = of(line);
    assertThat("a tick report: " + line, report.kind(), equalTo(Kind.TICK));
    return report;
  }

  /** The tick reports among {@code lines}, in their order; other lines are left out. */
  public static List<JsonlReport> tickReports(List<String> lines) {
    List<JsonlReport> reports = new ArrayList<>();
    for (String line : lines) {
      parse(line).filter(report -> report.kind() == Kind.TICK).ifPresent(reports::add);
    }
    return reports;
  }
}
