package dev.signals.e2e;

import dev.signals.DeviceSignalCounter;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link DeviceSignalCounter#main} in a JVM of its own, as a user would (or any command,
 * such as a submit script): its stdout, its stderr and its exit code are what the tests check.
 * Each stdout line is kept with the wall-clock time it was read.
 *
 * <p>What differs per runner comes from system properties that the runner matrix in the pom sets:
 * {@code it.runnerArgs} (pipeline options, space-separated), {@code it.jvmArgsFile} (a file of
 * JVM flags, such as Spark's {@code .mvn/jvm.config}) and {@code it.logConfig} (log4j2 files).
 */
public final class LaunchedProgram {
  /** The project's directory (Maven runs the tests there), for its scripts. */
  static final Path PROJECT = Path.of(System.getProperty("it.projectDir", ".")).toAbsolutePath();

  /** One line of the program's stdout and when it was read (epoch millis). */
  record Line(long readAtMillis, String text) {}

  final long launchedAtMillis;
  public final List<Line> stdout;
  public final List<String> stderr;
  public final int exitCode;
  final long exitedAtMillis;

  private LaunchedProgram(long launchedAtMillis, List<Line> stdout, List<String> stderr,
      int exitCode, long exitedAtMillis) {
    this.launchedAtMillis = launchedAtMillis;
    this.stdout = stdout;
    this.stderr = stderr;
    this.exitCode = exitCode;
    this.exitedAtMillis = exitedAtMillis;
  }

  /** Runs the program with {@code args} (plus the runner's), waiting at most {@code timeoutSeconds}. */
  public static LaunchedProgram run(long timeoutSeconds, String... args) throws Exception {
    return start(command(args)).await(timeoutSeconds);
  }

  /** The command line that runs the program with {@code args} on the matrix's runner. */
  static List<String> command(String... args) throws IOException {
    return command(DeviceSignalCounter.class, args);
  }

  /**
   * Like {@link #command(String...)}, with another main class of the test classpath in front of
   * the program's (one that sets something up, then calls {@link DeviceSignalCounter#main}).
   */
  static List<String> command(Class<?> mainClass, String... args) throws IOException {
    return command(List.of(), mainClass, args);
  }

  /** Like {@link #command(Class, String...)}, with JVM flags after the runner's. */
  static List<String> command(List<String> jvmFlags, Class<?> mainClass, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    // The JVM's own warnings to stderr, as the scripts send them (scripts/lib/common.sh, jvm_logging).
    command.addAll(List.of("-Xlog:disable", "-Xlog:all=warning,jfr+startup=error:stderr:uptime,level,tags"));
    String jvmArgsFile = System.getProperty("it.jvmArgsFile", "");
    if (!jvmArgsFile.isEmpty()) {
      command.addAll(split(Files.readString(Path.of(jvmArgsFile))));
    }
    command.addAll(jvmFlags);
    command.add("-Dlog4j2.configurationFile=" + System.getProperty("it.logConfig", "log4j2.xml"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(split(System.getProperty("it.runnerArgs", "")));
    command.addAll(Arrays.asList(args));
    return command;
  }

  /** Starts any command (a script, say); its stdout lines are kept as they are read. */
  static Running start(List<String> command) throws IOException {
    return start(new ProcessBuilder(command));
  }

  /** Starts a command set up by the caller (its environment, say). */
  static Running start(ProcessBuilder builder) throws IOException {
    File stderrFile = File.createTempFile("program-stderr", ".log");
    stderrFile.deleteOnExit();
    long launchedAt = System.currentTimeMillis();
    Process process = builder
        .redirectError(stderrFile)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    List<Line> stdout = new ArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = lines.readLine()) != null; ) {
          synchronized (stdout) {
            stdout.add(new Line(System.currentTimeMillis(), line));
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "program-stdout");
    reader.start();
    return new Running(process, launchedAt, stdout, stderrFile, reader);
  }

  /**
   * A started command, not yet awaited. Closing it kills the command and whatever it started, if
   * still running, so that a test failing half-way leaves no JVM behind (use try-with-resources).
   */
  record Running(Process process, long launchedAtMillis, List<Line> stdout, File stderrFile,
      Thread reader) implements AutoCloseable {

    @Override
    public void close() throws InterruptedException {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** The stdout lines read so far, while the command runs. */
    List<String> stdoutTextSoFar() {
      synchronized (stdout) {
        return stdout.stream().map(Line::text).toList();
      }
    }

    List<String> stderrSoFar() throws IOException {
      return Files.readAllLines(stderrFile.toPath());
    }

    /**
     * Waits until a stderr line contains {@code text}; fails (with the stderr so far) if the
     * command ends or the time is up first.
     */
    void awaitStderrLine(String text, String what, int withinSeconds)
        throws IOException, InterruptedException {
      long deadline = System.currentTimeMillis() + withinSeconds * 1000L;
      while (stderrSoFar().stream().noneMatch(line -> line.contains(text))) {
        if (!process.isAlive() || System.currentTimeMillis() > deadline) {
          throw new AssertionError(what + ": no stderr line with \"" + text + "\" within "
              + withinSeconds + " s (exited: " + !process.isAlive() + "); stderr:\n"
              + String.join("\n", stderrSoFar()));
        }
        Thread.sleep(200);
      }
    }

    /** Waits for the exit; kills the command and fails after {@code timeoutSeconds}. */
    LaunchedProgram await(long timeoutSeconds) throws Exception {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        close();
        reader.join(5_000);
        throw new AssertionError("the program did not exit within " + timeoutSeconds
            + " s; stderr:\n" + String.join("\n", stderrSoFar()));
      }
      long exitedAt = System.currentTimeMillis();
      reader.join(5_000);
      List<Line> lines;
      synchronized (stdout) {
        lines = List.copyOf(stdout);
      }
      return new LaunchedProgram(launchedAtMillis, lines, stderrSoFar(), process.exitValue(), exitedAt);
    }
  }

  public List<String> stdoutText() {
    return stdout.stream().map(Line::text).toList();
  }

  /** For assertion messages: what the program said on stderr. */
  public String diagnostics() {
    return "exit code " + exitCode + "; stderr:\n" + String.join("\n", stderr);
  }

  private static List<String> split(String spaceSeparated) {
    return spaceSeparated.isBlank() ? List.of() : Arrays.asList(spaceSeparated.trim().split("\\s+"));
  }
}
