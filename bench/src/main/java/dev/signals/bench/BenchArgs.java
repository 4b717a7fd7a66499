package dev.signals.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * The baselines' command line, {@code --name=value} like the pipeline's: {@code --numDevices}
 * (default 10), {@code --runSeconds} (default 0: until killed), {@code --triggerIntervalSeconds}
 * (default 10), plus what a baseline reads with {@link #longValue}.
 */
public final class BenchArgs {
  private final Map<String, String> values = new HashMap<>();

  public BenchArgs(String[] args) {
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("expected --name=value, got '" + arg + "'");
      }
      values.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
  }

  public String stringValue(String name, String defaultValue) {
    return values.getOrDefault(name, defaultValue);
  }

  public long longValue(String name, long defaultValue) {
    String value = values.get(name);
    return value == null ? defaultValue : Long.parseLong(value);
  }

  public int numDevices() { return (int) longValue("numDevices", 10); }
  public long runSeconds() { return longValue("runSeconds", 0); }
  public long triggerIntervalMillis() { return longValue("triggerIntervalSeconds", 10) * 1000; }

  /** Sleeps for {@code --runSeconds} (forever if 0), then lets the caller stop the job. */
  public void awaitEnd() throws InterruptedException {
    long seconds = runSeconds();
    if (seconds <= 0) {
      Thread.currentThread().join();
    }
    Thread.sleep(seconds * 1000);
  }
}
