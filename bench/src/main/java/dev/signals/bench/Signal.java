package dev.signals.bench;

import java.io.Serializable;

/**
 * One reading from a device, as in Spark's demo: {@code Signal(timestamp, deviceId, value)}.
 * A bean (no-argument constructor, getters and setters) so that both Flink (POJO serializer) and
 * Spark ({@code Encoders.bean}) handle it with their own efficient serializers.
 */
public class Signal implements Serializable {
  private long timestamp;
  private int deviceId;
  private long value;

  public Signal() {}

  public Signal(long timestamp, int deviceId, long value) {
    this.timestamp = timestamp;
    this.deviceId = deviceId;
    this.value = value;
  }

  /** The signal for sequence number {@code seq}: the same device and value as the Beam pipeline's. */
  public static Signal of(long timestamp, long seq, int numDevices) {
    return new Signal(timestamp, Devices.deviceOf(seq, numDevices), seq % 10);
  }

  public long getTimestamp() { return timestamp; }
  public void setTimestamp(long timestamp) { this.timestamp = timestamp; }
  public int getDeviceId() { return deviceId; }
  public void setDeviceId(int deviceId) { this.deviceId = deviceId; }
  public long getValue() { return value; }
  public void setValue(long value) { this.value = value; }
}
