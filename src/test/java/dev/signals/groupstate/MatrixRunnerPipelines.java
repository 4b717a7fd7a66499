package dev.signals.groupstate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
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

/**
 * Pipelines built, never run, on the runner of the pom's runner matrix ({@code it.runnerArgs}),
 * for what the transform checks when a pipeline is built.
 */
final class MatrixRunnerPipelines {
  /** The matrix's runner and its options; empty outside the end-to-end runs. */
  static final String RUNNER_ARGS = System.getProperty("it.runnerArgs", "");

  private MatrixRunnerPipelines() {}

  /**
   * Applies the transform of a function without outputs, ticking every second and set up by
   * {@code setUp}, to an endless input of three keys, on the matrix's runner with {@code extraArgs}.
   */
  static void applyToEndlessInput(UnaryOperator<GroupsWithState<Long, Long, Long, Long>> setUp,
      String... extraArgs) {
    List<String> args = new ArrayList<>(Arrays.asList(RUNNER_ARGS.split(" ")));
    args.addAll(Arrays.asList(extraArgs));
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).create());
    PCollection<KV<Long, Long>> endless = pipeline
        .apply(GenerateSequence.from(0).withRate(10, Duration.standardSeconds(1)))
        .apply(WithKeys.of((Long seq) -> seq % 3).withKeyType(TypeDescriptors.longs()))
        .setCoder(KvCoder.of(VarLongCoder.of(), VarLongCoder.of()));
    FlatMapGroupsWithStateFunction<Long, Long, Long, Long> noOutput =
        (key, values, state) -> Collections.emptyIterator();
    endless.apply(setUp.apply(GroupsWithState.flatMap(noOutput)
        .triggeredEvery(Duration.standardSeconds(1))
        .withStateCoder(VarLongCoder.of())
        .withOutputCoder(VarLongCoder.of())));
  }
}
