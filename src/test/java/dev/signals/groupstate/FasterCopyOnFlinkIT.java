package dev.signals.groupstate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * On the Flink runner of the pom's runner matrix ({@code it.runnerArgs}): {@code --fasterCopy=true}
 * with state on the heap is refused when the pipeline is built (see
 * {@code GroupsWithState#rejectSharedStateObjectsOnFlink}), in both layouts; without it, or with
 * state in RocksDB, the transform is built. Builds pipelines; runs none.
 */
class FasterCopyOnFlinkIT {
  private static final String RUNNER_ARGS = System.getProperty("it.runnerArgs", "");

  private static void applyWith(int keyShards, String... flinkArgs) {
    List<String> args = new ArrayList<>(Arrays.asList(RUNNER_ARGS.split(" ")));
    args.addAll(Arrays.asList(flinkArgs));
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).create());
    PCollection<KV<Long, Long>> endless = pipeline
        .apply(GenerateSequence.from(0).withRate(10, Duration.standardSeconds(1)))
        .apply(WithKeys.of((Long seq) -> seq % 3).withKeyType(TypeDescriptors.longs()))
        .setCoder(KvCoder.of(VarLongCoder.of(), VarLongCoder.of()));
    FlatMapGroupsWithStateFunction<Long, Long, Long, Long> noOutput =
        (key, values, state) -> Collections.emptyIterator();
    GroupsWithState<Long, Long, Long, Long> transform = GroupsWithState.flatMap(noOutput)
        .triggeredEvery(Duration.standardSeconds(1))
        .withStateCoder(VarLongCoder.of())
        .withOutputCoder(VarLongCoder.of());
    endless.apply(keyShards > 0 ? transform.withKeyShards(keyShards) : transform);
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
