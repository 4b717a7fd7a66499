package dev.signals.cli;

import dev.signals.console.TickWatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the pipeline until it is stopped: after {@code --runSeconds}, or by Ctrl-C.
 *
 * <p>The trap: runners disagree on whether {@code Pipeline.run()} returns for an unbounded job.
 * The DirectRunner (with its default {@code --blockOnRun}) and Flink in attached mode block in
 * it; Spark returns at once. So {@code run()} goes on a thread of its own, the main thread keeps
 * the clock, and stopping does not depend on {@code run()} ever returning. A runner's shutdown
 * hooks can also hang (a local Spark driver took 90 s), so exit is bounded by a halt.
 *
 * <p>A detached job (a Flink cluster with {@code --attachedMode=false}) is the exception: once
 * {@code run()} has handed it to the cluster, we exit and leave it running there.
 */
public final class Launcher {
  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);
  static final int EXIT_OK = 0;
  static final int EXIT_PIPELINE_FAILED = 1;
  /** The DirectRunner fell too far behind its ticks to catch up (see {@link TickWatch}). */
  static final int EXIT_FELL_BEHIND = 3;
  static final int EXIT_INTERRUPTED = 130;
  /** How long cancelling a job and the runner's shutdown hooks may take before we halt. */
  private static final long STOP_GRACE_MILLIS = 5_000;

  private Launcher() {}

  /** The code the JVM exits with; Ctrl-C (SIGINT/SIGTERM) leaves it at 130. */
  private static volatile int exitCode = EXIT_INTERRUPTED;

  /**
   * Runs, then exits the JVM with 0 after {@code runFor} (zero = until Ctrl-C), 1 on failure;
   * {@code detached}: exits 0 once the job is submitted, without stopping it. An endless run on
   * the DirectRunner whose signals wait more than three intervals (and at least 30 s) for their
   * tick's report exits with one line saying so and {@value #EXIT_FELL_BEHIND}.
   */
  public static void runUntilStopped(Pipeline pipeline, Duration runFor, boolean detached,
      Duration tickInterval) {
    AtomicReference<PipelineResult> started = new AtomicReference<>();
    CompletableFuture<Void> finished = new CompletableFuture<>();
    Thread job = new Thread(() -> {
      try {
        PipelineResult result = pipeline.run();
        started.set(result);
        if (!detached) {
          result.waitUntilFinish();
        }
        finished.complete(null);
      } catch (Throwable failure) {
        finished.completeExceptionally(failure);
      }
    }, "pipeline-run");
    job.setDaemon(true);

    // Every way out (end of --runSeconds, failure, Ctrl-C) passes through the JVM's shutdown.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      haltAfterGrace();
      if (!detached) {
        cancel(started.get());
      }
      System.out.flush();
    }, "stop-job"));
    job.start();

    try {
      awaitFinished(finished, runFor, watchesTicks(pipeline, detached) ? waitLimitMillis(tickInterval) : 0);
      if (detached) {
        System.err.println("Submitted: the job runs on the cluster by itself now (" + started.get()
            + "); stop it with the cluster's tools.");
      } else {
        LOG.info("The pipeline finished by itself.");
      }
      exitCode = EXIT_OK;
    } catch (TimeoutException endOfRun) {
      LOG.info("Ran for {} s as asked; stopping.", runFor.getStandardSeconds());
      exitCode = EXIT_OK;
    } catch (FellBehindException fellBehind) {
      System.err.printf("error: the DirectRunner has fallen behind: its reports are %d s late "
          + "(ticks every %d s). It looks at the timers of every device after each bundle and "
          + "cannot keep up with this many devices reporting per tick; run on Flink or Spark "
          + "(scripts/run.sh flink|spark ...), or lower --numDevices or --rowsPerSecond.%n",
          fellBehind.waitedMillis / 1000, tickInterval.getStandardSeconds());
      exitCode = EXIT_FELL_BEHIND;
    } catch (ExecutionException failed) {
      LOG.error("The pipeline failed.", failed.getCause());
      System.err.println("error: the pipeline failed: " + rootCause(failed));
      exitCode = EXIT_PIPELINE_FAILED;
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
    System.exit(exitCode);
  }

  /**
   * Returns when the job finishes; a {@link TimeoutException} when {@code runFor} (if not zero)
   * is over, a {@link FellBehindException} once signals have waited more than {@code
   * waitLimitMillis} (if not zero) for their tick's report ({@link TickWatch}).
   */
  private static void awaitFinished(CompletableFuture<Void> finished, Duration runFor,
      long waitLimitMillis) throws ExecutionException, InterruptedException, TimeoutException,
      FellBehindException {
    long end = runFor.getMillis() > 0 ? System.currentTimeMillis() + runFor.getMillis() : Long.MAX_VALUE;
    while (true) {
      long left = end - System.currentTimeMillis();
      if (left <= 0) {
        throw new TimeoutException();
      }
      try {
        finished.get(Math.min(left, 1_000), TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException stillRunning) {
        long waited = TickWatch.waitingMillis(System.currentTimeMillis());
        if (waitLimitMillis > 0 && waited > waitLimitMillis) {
          throw new FellBehindException(waited);
        }
      }
    }
  }

  private static final class FellBehindException extends Exception {
    final long waitedMillis;

    FellBehindException(long waitedMillis) {
      this.waitedMillis = waitedMillis;
    }
  }

  /**
   * Only the DirectRunner, endless: it is the one that cannot catch up (Flink and Spark can add
   * workers, and report restored ticks late after a restart by design), it runs in this JVM, and
   * a bounded run reports its ticks only once all input is read.
   */
  private static boolean watchesTicks(Pipeline pipeline, boolean detached) {
    PipelineOptions options = pipeline.getOptions();
    return !detached && options.getRunner().getSimpleName().equals("DirectRunner")
        && options.as(StreamingOptions.class).isStreaming();
  }

  /** Their tick comes within one interval; three, and at least 30 s, is far behind. */
  private static long waitLimitMillis(Duration tickInterval) {
    return Math.max(3 * tickInterval.getMillis(), 30_000);
  }

  private static void cancel(PipelineResult result) {
    if (result == null) {
      return; // run() has not returned: the JVM's exit stops the job
    }
    try {
      result.cancel();
    } catch (Exception e) {
      LOG.debug("Cancelling the job failed; exiting anyway.", e);
    }
  }

  /** Exit no later than the grace period from now, even if a shutdown hook hangs. */
  private static void haltAfterGrace() {
    Thread halter = new Thread(() -> {
      try {
        Thread.sleep(STOP_GRACE_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      System.out.flush();
      Runtime.getRuntime().halt(exitCode);
    }, "halt-after-grace");
    halter.setDaemon(true);
    halter.start();
  }

  private static Throwable rootCause(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause;
  }
}
