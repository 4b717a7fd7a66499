package dev.signals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * What the restore tests ({@link FaultToleranceIT}, {@link ClusterIT}) compare: the counts the
 * reports of one or more runs end with, against the histogram of the device function over the
 * seqs that were counted; and when a runner last wrote a checkpoint.
 */
final class ExactCounts {
  private ExactCounts() {}

  /** Per device, the count of its report with the latest tick; a later run wins a tie. */
  static Map<Integer, Long> latestCounts(List<List<String>> outputs) {
    Map<Integer, Long> latestTick = new HashMap<>();
    Map<Integer, Long> count = new HashMap<>();
    for (List<String> output : outputs) {
      for (String line : output) {
        Matcher report = TickReportChecks.JSON_LINE.matcher(line);
        if (!report.matches()) {
          continue;
        }
        long tick = java.time.Instant.parse(report.group(1)).toEpochMilli();
        int device = Integer.parseInt(report.group(2));
        if (tick >= latestTick.getOrDefault(device, Long.MIN_VALUE)) {
          latestTick.put(device, tick);
          count.put(device, Long.parseLong(report.group(3)));
        }
      }
    }
    return count;
  }

  static long total(Map<Integer, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Per device, how many of the seqs 0..n-1 belong to it: what an exact run ends with. */
  static Map<Integer, Long> histogram(long n, int numDevices) {
    Map<Integer, Long> expected = new HashMap<>();
    for (long seq = 0; seq < n; seq++) {
      expected.merge(ToSignal.deviceOf(seq, numDevices), 1L, Long::sum);
    }
    return expected;
  }

  /**
   * When the newest complete checkpoint was written (epoch millis), 0 if none yet. The runners
   * delete temporary files while we look: a file gone mid-walk means "look again".
   */
  static long newestCheckpoint(Path dir, String runner) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(file -> runner.equals("flink")
              ? file.getFileName().toString().equals("_metadata")
              : file.getFileName().toString().matches("checkpoint-\\d+"))
          .mapToLong(file -> file.toFile().lastModified())
          .max().orElse(0);
    } catch (IOException | UncheckedIOException vanished) {
      return 0;
    }
  }
}
