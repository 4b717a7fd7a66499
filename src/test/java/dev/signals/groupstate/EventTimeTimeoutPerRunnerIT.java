package dev.signals.groupstate;

import static dev.signals.groupstate.MatrixRunnerPipelines.RUNNER_ARGS;
import static dev.signals.groupstate.MatrixRunnerPipelines.applyToEndlessInput;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * With the runner of the pom's runner matrix ({@code it.runnerArgs}): an event-time timeout on
 * an endless input is refused when the pipeline is built on the classic Spark runner, which would
 * reject it only once running ("EVENT_TIME not yet supported in streaming mode"), and accepted on
 * Direct and Flink. Builds pipelines; runs none.
 */
class EventTimeTimeoutPerRunnerIT {
  private static final boolean SPARK = RUNNER_ARGS.contains("SparkRunner");

  private static void applyWith(GroupStateTimeout timeout) {
    applyToEndlessInput(transform -> transform.withTimeout(timeout));
  }

  @Test
  void eventTimeTimeoutIsRefusedAtBuildTimeOnSparkStreamingOnly() {
    if (SPARK) {
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
          () -> applyWith(GroupStateTimeout.EventTimeTimeout()));
      assertThat(e.getMessage(), containsString("ProcessingTimeTimeout()"));
    } else {
      assertDoesNotThrow(() -> applyWith(GroupStateTimeout.EventTimeTimeout()));
    }
  }

  @Test
  void processingTimeTimeoutIsAcceptedEverywhere() {
    assertDoesNotThrow(() -> applyWith(GroupStateTimeout.ProcessingTimeTimeout()));
  }
}
