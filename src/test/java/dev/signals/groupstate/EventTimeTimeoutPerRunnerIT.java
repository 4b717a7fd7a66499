package dev.signals.groupstate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Collections;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * With the runner of the pom's runner matrix ({@code it.runnerArgs}): an event-time timeout on
 * an endless input is refused when the pipeline is built on the classic Spark runner, which would
 * reject it only once running ("EVENT_TIME not yet supported in streaming mode"), and accepted on
 * Direct and Flink. Builds pipelines; runs none.
 */
class EventTimeTimeoutPerRunnerIT {
  private static final boolean SPARK = System.getProperty("it.runnerArgs", "").contains("SparkRunner");

  private static void applyWith(GroupStateTimeout timeout) {
    PipelineOptions options =
        PipelineOptionsFactory.fromArgs(System.getProperty("it.runnerArgs", "").split(" ")).create();
    Pipeline pipeline = Pipeline.create(options);
    PCollection<KV<Long, Long>> endless = pipeline
        .apply(GenerateSequence.from(0).withRate(10, Duration.standardSeconds(1)))
        .apply(WithKeys.of((Long seq) -> seq % 3).withKeyType(TypeDescriptors.longs()))
        .setCoder(KvCoder.of(VarLongCoder.of(), VarLongCoder.of()));
    FlatMapGroupsWithStateFunction<Long, Long, Long, Long> noOutput =
        (key, values, state) -> Collections.emptyIterator();
    endless.apply(GroupsWithState.flatMap(noOutput)
        .triggeredEvery(Duration.standardSeconds(1))
        .withTimeout(timeout)
        .withStateCoder(VarLongCoder.of())
        .withOutputCoder(VarLongCoder.of()));
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
