package dev.signals.e2e;

import dev.signals.model.ToSignal;
import dev.signals.testing.JsonlReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the restore tests ({@link FaultToleranceIT}, {@link ClusterIT}) compare: the counts the
 * reports of one or more runs end with, against the histogram of the device function over the
 * seqs that were counted; when a runner last wrote a checkpoint; and waits for either.
 */
final class ExactCounts {
  private ExactCounts() {}

  /** Per device, the count of its report with the latest tick; a later run wins a tie. */
  static Map<Integer, Long> latestCounts(List<List<String>> outputs) {
    Map<Integer, Long> latestTick = new HashMap<>();
    Map<Integer, Long> count = new HashMap<>();
    for (List<String> output : outputs) {
      for (JsonlReport report : JsonlReport.tickReports(output)) {
        if (report.tickMillis() >= latestTick.getOrDefault(report.deviceId(), Long.MIN_VALUE)) {
          latestTick.put(report.deviceId(), report.tickMillis());
          count.put(report.deviceId(), report.count());
        }
      }
    }
    return count;
  }

  /** Per device, the count of its first report. */
  static Map<Integer, Long> firstReportPerDevice(List<String> output) {
    Map<Integer, Long> first = new HashMap<>();
    for (JsonlReport report : JsonlReport.tickReports(output)) {
      first.putIfAbsent(report.deviceId(), report.count());
    }
    return first;
  }

  /**
   * Where a device's tick reports, in the order given, do not follow on from each other: each
   * report's count less its {@code added} must be the device's previous count (0 before the
   * first), and its tick later than the previous one's. A report repeated or lost (say, after a
   * restore, by a sink that is not exactly once) breaks the chain. Empty when all is well.
   */
  static List<String> brokenChains(List<String> reports) {
    Map<Integer, Long> previousCount = new HashMap<>();
    Map<Integer, Long> previousTick = new HashMap<>();
    List<String> broken = new ArrayList<>();
    for (JsonlReport report : JsonlReport.tickReports(reports)) {
      int device = report.deviceId();
      long before = previousCount.getOrDefault(device, 0L);
      if (report.count() - report.added() != before
          || report.tickMillis() <= previousTick.getOrDefault(device, Long.MIN_VALUE)) {
        broken.add("device " + device + ": after count " + before + " came " + report);
      }
      previousCount.put(device, report.count());
      previousTick.put(device, report.tickMillis());
    }
    return broken;
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

  /**
   * Waits until the latest counts of the {@code earlier} runs' reports and {@code program}'s add
   * up to at least {@code total}; fails (with the program's stderr) if it ends or the time is up.
   */
  static void awaitTotal(List<List<String>> earlier, LaunchedProgram.Running program, long total,
      int withinSeconds) throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + withinSeconds * 1000L;
    while (true) {
      List<List<String>> soFar = new ArrayList<>(earlier);
      soFar.add(program.stdoutTextSoFar());
      if (total(latestCounts(soFar)) >= total) {
        return;
      }
      if (!program.process().isAlive() || System.currentTimeMillis() > deadline) {
        throw new AssertionError("the counts did not reach " + total + " within " + withinSeconds
            + " s:\n" + String.join("\n", program.stderrSoFar()));
      }
      Thread.sleep(200);
    }
  }

  /**
   * Waits until {@code runner} completes a checkpoint in {@code dir} after {@code millis} (epoch);
   * fails (with the program's stderr) if the program ends or the time is up.
   */
  static void awaitCheckpointNewerThan(Path dir, String runner, long millis,
      LaunchedProgram.Running program, int withinSeconds) throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + withinSeconds * 1000L;
    while (newestCheckpoint(dir, runner) <= millis) {
      if (!program.process().isAlive() || System.currentTimeMillis() > deadline) {
        throw new AssertionError(runner + " completed no checkpoint after " + millis + " within "
            + withinSeconds + " s:\n" + String.join("\n", program.stderrSoFar()));
      }
      Thread.sleep(200);
    }
  }
}
