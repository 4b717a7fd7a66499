package dev.signals.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * {@link ToSignal#deviceOf} has two copies outside the pipeline, on purpose: the native baselines'
 * {@code bench/.../Devices.java} (they must not depend on Beam) and {@code scripts/lib/final_counts.py}
 * (the soak's exactness check). Both must spread seqs over devices exactly as the pipeline does,
 * or the benchmark compares different workloads and the soak's verdict is wrong.
 */
class DeviceFunctionCopiesTest {
  private static final int[] DEVICE_COUNTS = {1, 10, 37, 1_000, 100_000, 1_000_000};
  private static final int SEQS = 2_000;

  @Test
  void theBaselinesCopyInBenchGivesTheSameDevices() throws Exception {
    Path source = Path.of("bench/src/main/java/dev/signals/bench/Devices.java");
    Path classes = Files.createTempDirectory("devices-copy");
    int compiled = ToolProvider.getSystemJavaCompiler()
        .run(null, null, null, "-d", classes.toString(), source.toString());
    assertThat("javac " + source, compiled, equalTo(0));
    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()})) {
      Method deviceOf = loader.loadClass("dev.signals.bench.Devices")
          .getMethod("deviceOf", long.class, int.class);
      List<Integer> copy = new ArrayList<>();
      for (int numDevices : DEVICE_COUNTS) {
        for (long seq = 0; seq < SEQS; seq++) {
          copy.add((Integer) deviceOf.invoke(null, seq, numDevices));
        }
      }
      assertThat(copy, equalTo(pipelineDevices()));
    }
  }

  @Test
  void theSoaksPythonCopyGivesTheSameDevices() throws Exception {
    String program = "import sys; sys.path.insert(0, 'scripts/lib'); import final_counts\n"
        + "for d in " + Arrays.toString(DEVICE_COUNTS) + ":\n"
        + "    for s in range(" + SEQS + "): print(final_counts.device_of(s, d))\n";
    Process python = new ProcessBuilder("python3", "-c", program).redirectErrorStream(true).start();
    String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat("python3 finished", python.waitFor(30, TimeUnit.SECONDS), equalTo(true));
    assertThat(out, python.exitValue(), equalTo(0));
    List<Integer> copy = out.lines().map(Integer::valueOf).toList();
    assertThat(copy, equalTo(pipelineDevices()));
  }

  private static List<Integer> pipelineDevices() {
    List<Integer> devices = new ArrayList<>();
    for (int numDevices : DEVICE_COUNTS) {
      for (long seq = 0; seq < SEQS; seq++) {
        devices.add(ToSignal.deviceOf(seq, numDevices));
      }
    }
    return devices;
  }
}
