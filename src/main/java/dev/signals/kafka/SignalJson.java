package dev.signals.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signals.model.Signal;
import java.io.IOException;
import java.time.DateTimeException;
import org.joda.time.Instant;

/**
 * A {@link Signal} as a Kafka record's value: {@code
 * {"timestamp":"2026-12-03T15:00:00.123Z","deviceId":3,"value":7}}. The timestamp is an ISO-8601
 * instant or epoch milliseconds; {@code deviceId} an int; {@code value} a whole number. Other
 * fields are ignored.
 */
public final class SignalJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SignalJson() {}

  /** Why a record is not a signal; the dead-letter topic's records carry the name in a header. */
  public enum Problem {
    NOT_JSON("not a JSON object"),
    MISSING_FIELD("a field is missing"),
    WRONG_TYPE("a field has the wrong type");

    final String description;

    Problem(String description) {
      this.description = description;
    }
  }

  /** Thrown by {@link #parse} for a record that is not a signal; the message says what is wrong. */
  public static final class MalformedSignalException extends Exception {
    public final Problem problem;

    MalformedSignalException(Problem problem, String detail) {
      super(problem.description + ": " + detail);
      this.problem = problem;
    }
  }

  public static String format(Signal signal) {
    ObjectNode node = JSON.createObjectNode();
    node.put("timestamp", signal.timestamp().toString());
    node.put("deviceId", signal.deviceId());
    node.put("value", signal.value());
    return node.toString();
  }

  public static Signal parse(byte[] value) throws MalformedSignalException {
    if (value == null || value.length == 0) {
      throw new MalformedSignalException(Problem.NOT_JSON, "the record has no value");
    }
    JsonNode node;
    try {
      node = JSON.readTree(value);
    } catch (JsonProcessingException e) {
      throw new MalformedSignalException(Problem.NOT_JSON, e.getOriginalMessage());
    } catch (IOException e) {
      throw new MalformedSignalException(Problem.NOT_JSON, String.valueOf(e.getMessage()));
    }
    if (node == null || !node.isObject()) {
      throw new MalformedSignalException(Problem.NOT_JSON, "the value is not an object: " + abbreviate(value));
    }
    Instant timestamp = timestamp(field(node, "timestamp"));
    JsonNode deviceId = field(node, "deviceId");
    if (!deviceId.canConvertToInt() || !deviceId.isIntegralNumber()) {
      throw wrongType("deviceId", "a whole number in int range", deviceId);
    }
    JsonNode signalValue = field(node, "value");
    if (!signalValue.isIntegralNumber() || !signalValue.canConvertToLong()) {
      throw wrongType("value", "a whole number", signalValue);
    }
    return new Signal(timestamp, deviceId.intValue(), signalValue.longValue());
  }

  private static JsonNode field(JsonNode node, String name) throws MalformedSignalException {
    JsonNode field = node.get(name);
    if (field == null || field.isNull()) {
      throw new MalformedSignalException(Problem.MISSING_FIELD, "no \"" + name + "\"");
    }
    return field;
  }

  private static Instant timestamp(JsonNode field) throws MalformedSignalException {
    if (field.isIntegralNumber() && field.canConvertToLong()) {
      return Instant.ofEpochMilli(field.longValue());
    }
    if (field.isTextual()) {
      try {
        return Instant.ofEpochMilli(java.time.Instant.parse(field.textValue()).toEpochMilli());
      } catch (DateTimeException | ArithmeticException e) {
        // not an instant, or one beyond what epoch milliseconds hold: the message below
      }
    }
    throw wrongType("timestamp", "an ISO-8601 instant or epoch milliseconds", field);
  }

  private static MalformedSignalException wrongType(String name, String expected, JsonNode got) {
    return new MalformedSignalException(Problem.WRONG_TYPE,
        "\"" + name + "\" must be " + expected + ", got " + got);
  }

  private static String abbreviate(byte[] value) {
    String text = new String(value, java.nio.charset.StandardCharsets.UTF_8);
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }
}
