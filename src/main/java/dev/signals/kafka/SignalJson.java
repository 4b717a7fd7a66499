package dev.signals.kafka;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
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

  /**
   * The signal in a record's value, read in one pass with Jackson's streaming parser (a tree per
   * record cost as much as the rest of the Flink pipeline). The three fields are taken as they
   * come when they have the expected type; anything else is kept as a tree, only to name it in
   * the message (a null field counts as missing).
   */
  public static Signal parse(byte[] value) throws MalformedSignalException {
    if (value == null || value.length == 0) {
      throw new MalformedSignalException(Problem.NOT_JSON, "the record has no value");
    }
    Fields fields = new Fields();
    try (JsonParser parser = JSON.createParser(value)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new MalformedSignalException(Problem.NOT_JSON,
            "the value is not an object: " + abbreviate(value));
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken token = parser.nextToken();
        switch (name) {
          case "timestamp" -> fields.readTimestamp(parser, token);
          case "deviceId" -> fields.readDeviceId(parser, token);
          case "value" -> fields.readValue(parser, token);
          default -> parser.skipChildren();
        }
      }
      if (parser.currentToken() != JsonToken.END_OBJECT) {
        throw new MalformedSignalException(Problem.NOT_JSON, "the object does not end: " + abbreviate(value));
      }
    } catch (JsonProcessingException e) {
      throw new MalformedSignalException(Problem.NOT_JSON, e.getOriginalMessage());
    } catch (IOException e) {
      throw new MalformedSignalException(Problem.NOT_JSON, String.valueOf(e.getMessage()));
    }
    return fields.signal();
  }

  /** The three fields as read: a value of the expected type, or else what came (null: not seen). */
  private static final class Fields {
    long timestampMillis;
    String timestampText;
    JsonNode timestampNode;
    boolean timestampFast;
    int deviceId;
    JsonNode deviceIdNode;
    boolean deviceIdFast;
    long signalValue;
    JsonNode signalValueNode;
    boolean signalValueFast;

    // A field seen twice keeps the last, as a tree keeps it.
    void readTimestamp(JsonParser parser, JsonToken token) throws IOException {
      timestampFast = false;
      timestampText = null;
      timestampNode = null;
      if (token == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
        timestampMillis = parser.getLongValue();
        timestampFast = true;
      } else if (token == JsonToken.VALUE_STRING) {
        timestampText = parser.getText();
      } else {
        timestampNode = parser.readValueAsTree();
      }
    }

    void readDeviceId(JsonParser parser, JsonToken token) throws IOException {
      deviceIdFast = token == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == JsonParser.NumberType.INT;
      if (deviceIdFast) {
        deviceId = parser.getIntValue();
        deviceIdNode = null;
      } else {
        deviceIdNode = parser.readValueAsTree();
      }
    }

    void readValue(JsonParser parser, JsonToken token) throws IOException {
      signalValueFast = token == JsonToken.VALUE_NUMBER_INT
          && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER;
      if (signalValueFast) {
        signalValue = parser.getLongValue();
        signalValueNode = null;
      } else {
        signalValueNode = parser.readValueAsTree();
      }
    }

    Signal signal() throws MalformedSignalException {
      Instant timestamp;
      if (timestampFast) {
        timestamp = Instant.ofEpochMilli(timestampMillis);
      } else if (timestampText != null) {
        timestamp = timestampFromText(timestampText);
      } else {
        throw wrongType("timestamp", "an ISO-8601 instant or epoch milliseconds", field(timestampNode, "timestamp"));
      }
      if (!deviceIdFast) {
        throw wrongType("deviceId", "a whole number in int range", field(deviceIdNode, "deviceId"));
      }
      if (!signalValueFast) {
        throw wrongType("value", "a whole number", field(signalValueNode, "value"));
      }
      return new Signal(timestamp, deviceId, signalValue);
    }
  }

  /** What came for a field that is not of its type; a field missing or null is named so. */
  private static JsonNode field(JsonNode field, String name) throws MalformedSignalException {
    if (field == null || field.isNull()) {
      throw new MalformedSignalException(Problem.MISSING_FIELD, "no \"" + name + "\"");
    }
    return field;
  }

  private static Instant timestampFromText(String text) throws MalformedSignalException {
    long millis = IsoInstants.epochMillis(text);
    if (millis != IsoInstants.NOT_THE_COMMON_FORM) {
      return Instant.ofEpochMilli(millis);
    }
    try {
      return Instant.ofEpochMilli(java.time.Instant.parse(text).toEpochMilli());
    } catch (DateTimeException | ArithmeticException e) {
      // not an instant, or one beyond what epoch milliseconds hold
      throw wrongType("timestamp", "an ISO-8601 instant or epoch milliseconds", TextNode.valueOf(text));
    }
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
