package dev.signals.groupstate;

import static dev.signals.groupstate.MatrixRunnerPipelines.RUNNER_ARGS;
import static dev.signals.groupstate.MatrixRunnerPipelines.applyToEndlessInput;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * On the Flink runner of the pom's runner matrix ({@code it.runnerArgs}): {@code --fasterCopy=true}
 * with state on the heap is refused when the pipeline is built (see
 * {@code GroupsWithState#rejectSharedStateObjectsOnFlink}), in both layouts; without it, or with
 * state in RocksDB, the transform is built. Builds pipelines; runs none.
 */
class FasterCopyOnFlinkIT {
  private static void applyWith(int keyShards, String... flinkArgs) {
    applyToEndlessInput(transform -> keyShards > 0 ? transform.withKeyShards(keyShards) : transform,
        flinkArgs);
  }

  @Test
  void fasterCopyWithStateOnTheHeapIsRefusedAtBuildTime() {
    assumeTrue(RUNNER_ARGS.contains("FlinkRunner"), "a Flink option");
    for (int keyShards : new int[] {0, 4}) {
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
          () -> applyWith(keyShards, "--fasterCopy=true"));
      assertThat(e.getMessage(), containsString("drop --fasterCopy=true"));
    }
  }

  @Test
  void withoutFasterCopyOrWithStateInRocksDbTheTransformIsBuilt() {
    assumeTrue(RUNNER_ARGS.contains("FlinkRunner"), "a Flink option");
    assertDoesNotThrow(() -> applyWith(0));
    assertDoesNotThrow(() -> applyWith(0, "--fasterCopy=false"));
    assertDoesNotThrow(() -> applyWith(4, "--fasterCopy=true", "--stateBackend=rocksdb",
        "--stateBackendStoragePath=file:///tmp/unused"));
  }
}
