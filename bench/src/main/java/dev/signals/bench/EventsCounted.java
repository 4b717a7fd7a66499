package dev.signals.bench;

import java.io.Serializable;

/** A device's running count at a tick; printed as the Beam pipeline's {@code --output=jsonl} line. */
public class EventsCounted implements Serializable {
  private long tick;
  private int deviceId;
  private long count;

  public EventsCounted() {}

  public EventsCounted(long tick, int deviceId, long count) {
    this.tick = tick;
    this.deviceId = deviceId;
    this.count = count;
  }

  /** {@code {"tick":"2026-11-26T08:42:10Z","deviceId":4,"count":6}}, as the pipeline prints it. */
  public String toJson() {
    return "{\"tick\":\"" + java.time.Instant.ofEpochMilli(tick) + "\",\"deviceId\":" + deviceId
        + ",\"count\":" + count + "}";
  }

  public long getTick() { return tick; }
  public void setTick(long tick) { this.tick = tick; }
  public int getDeviceId() { return deviceId; }
  public void setDeviceId(int deviceId) { this.deviceId = deviceId; }
  public long getCount() { return count; }
  public void setCount(long count) { this.count = count; }
}
