package dev.signals.groupstate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signals.testing.ClockedStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline.PipelineExecutionException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The transform under the DirectRunner's test clock, with Spark's calling rules. Each function
 * here describes its calls as text, {@code "a@10 [1, 2] sum=3"}: key, the call's tick in seconds
 * after T0, the values it got (sorted), and the state it left. Reminders: a processing-time timer
 * fires once the clock is strictly past it, and timers still pending when the stream ends are
 * dropped, so every case moves the clock past its last tick.
 */
@ExtendWith(TestPipelineExtension.class)
class GroupsWithStateTest {
  private static final Instant T0 = Instant.parse("2026-11-25T15:00:00Z");
  private static final Duration TEN_SECONDS = Duration.standardSeconds(10);

  private static Instant at(int seconds) {
    return T0.plus(Duration.standardSeconds(seconds));
  }

  /** Sums the values into the state; a value of -1 removes it instead. */
  private static Iterator<String> sum(String key, Iterator<Integer> values, GroupState<Integer> state) {
    List<Integer> seen = drain(values);
    if (seen.contains(-1)) {
      state.remove();
      return List.of(describe(key, seen, state)).iterator();
    }
    int sum = state.getOption().orElse(0);
    for (int value : seen) {
      sum += value;
    }
    state.update(sum);
    return List.of(describe(key, seen, state)).iterator();
  }

  /**
   * Sums like {@link #sum}, and sets a 15 s timeout on every call whose values include a
   * positive one; a timed-out call says so and drops the state.
   */
  private static Iterator<String> sumWithTimeout(String key, Iterator<Integer> values,
      GroupState<Integer> state) {
    if (state.hasTimedOut()) {
      String described = describe(key, List.of(), state) + " timedOut";
      state.remove();
      return List.of(described).iterator();
    }
    List<Integer> seen = drain(values);
    state.update(state.getOption().orElse(0) + seen.stream().mapToInt(Integer::intValue).sum());
    if (seen.stream().anyMatch(value -> value > 0)) {
      state.setTimeoutDuration("15 seconds");
    }
    return List.of(describe(key, seen, state)).iterator();
  }

  private static List<Integer> drain(Iterator<Integer> values) {
    List<Integer> seen = new ArrayList<>();
    values.forEachRemaining(seen::add);
    Collections.sort(seen);
    return seen;
  }

  private static String describe(String key, List<Integer> values, GroupState<Integer> state) {
    long tick = (state.getCurrentProcessingTimeMs() - T0.getMillis()) / 1000;
    return key + "@" + tick + " " + values + " sum=" + state.getOption().map(String::valueOf).orElse("none");
  }

  private PCollection<String> apply(TestPipeline pipeline, TestStream<KV<String, Integer>> stream,
      GroupsWithState<String, Integer, Integer, String> transform) {
    return pipeline.apply(stream).apply(laidOut(transform));
  }

  /** The transform in the layout under test: a key of the runner's per key, here. */
  GroupsWithState<String, Integer, Integer, String> laidOut(
      GroupsWithState<String, Integer, Integer, String> transform) {
    return transform;
  }

  private static GroupsWithState<String, Integer, Integer, String> summing() {
    return GroupsWithState.flatMap(GroupsWithStateTest::sum)
        .triggeredEvery(TEN_SECONDS)
        .withStateCoder(VarIntCoder.of())
        .withOutputCoder(StringUtf8Coder.of());
  }

  private static GroupsWithState<String, Integer, Integer, String> summingWithTimeout() {
    return GroupsWithState.flatMap(GroupsWithStateTest::sumWithTimeout)
        .triggeredEvery(TEN_SECONDS)
        .withTimeout(GroupStateTimeout.ProcessingTimeTimeout())
        .withStateCoder(VarIntCoder.of())
        .withOutputCoder(StringUtf8Coder.of());
  }

  @Test
  void callsEachKeyAtTheTickWithExactlyItsValuesSinceItsPreviousCall(TestPipeline pipeline) {
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 1, 2)
        .values("b", 3)
        .clockJustPast(at(10))
        .clockTo(at(14))
        .values("a", 4) // b is silent from here on: not called again
        .clockJustPast(at(20))
        .clockJustPast(at(30))
        .end();

    PAssert.that(apply(pipeline, stream, summing()))
        .containsInAnyOrder("a@10 [1, 2] sum=3", "b@10 [3] sum=3", "a@20 [4] sum=7");
    pipeline.run();
  }

  @Test
  void keyedByKeysEachValueWithItsFunctionAndCallsAsForKeyedValues(TestPipeline pipeline) {
    // Spark's groupByKey(func).flatMapGroupsWithState(...): plain values, keyed by parity.
    TestStream<Integer> stream = new PlainValues(at(1))
        .values(1, 2, 3)
        .clockJustPast(at(10))
        .clockTo(at(12))
        .values(4)
        .clockJustPast(at(20))
        .end();

    PCollection<String> calls = pipeline.apply(stream).apply(laidOut(summing())
        .keyedBy(value -> value % 2 == 0 ? "even" : "odd", StringUtf8Coder.of()));

    PAssert.that(calls).containsInAnyOrder("odd@10 [1, 3] sum=4", "even@10 [2] sum=2", "even@20 [4] sum=6");
    pipeline.run();
  }

  @Test
  void aKeyFunctionThatReturnsNullFailsThePipelineNamingTheValue(TestPipeline pipeline) {
    pipeline.apply(Create.of(7).withCoder(VarIntCoder.of()))
        .apply(laidOut(summing()).keyedBy(value -> null, StringUtf8Coder.of()));
    PipelineExecutionException e = assertThrows(PipelineExecutionException.class, pipeline::run);
    assertThat(e.getMessage(), containsString("no key (null) for 7"));
  }

  @Test
  void keysInShardsNeedADeterministicKeyCoderAndSayWhenThePipelineIsBuilt(TestPipeline pipeline) {
    PCollection<Integer> input = pipeline.apply(Create.of(7).withCoder(VarIntCoder.of()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> input.apply(
        summing().withKeyShards(3).keyedBy(value -> "k", SerializableCoder.of(String.class))));
    assertThat(e.getMessage(), containsString("withKeyShards needs a deterministic key coder"));
    pipeline.enableAbandonedNodeEnforcement(false);
  }

  /** Values without keys, arriving on the test clock. */
  private static final class PlainValues extends ClockedStream<Integer, PlainValues> {
    PlainValues(Instant start) {
      super(VarIntCoder.of(), start);
    }

    PlainValues values(int... values) {
      for (int value : values) {
        add(value, clock());
      }
      return this;
    }
  }

  @Test
  void ticksFallOnTheGridOfTheirOrigin(TestPipeline pipeline) {
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 1)
        .clockJustPast(at(13))
        .values("a", 2)
        .clockJustPast(at(23))
        .end();

    PAssert.that(apply(pipeline, stream, summing().withTicksFrom(at(3))))
        .containsInAnyOrder("a@3 [1] sum=1", "a@23 [2] sum=3");
    pipeline.run();
  }

  @Test
  void processingTimeTimeoutCallsAtTheFirstTickAtOrAfterTheDeadlineWithNoValues(TestPipeline pipeline) {
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 1) // called at 10, deadline 25: no call at 20, the timed-out call at 30
        .clockJustPast(at(10))
        .clockJustPast(at(20))
        .clockJustPast(at(30))
        .clockJustPast(at(40)) // the timed-out call set no timeout: nothing more
        .clockJustPast(at(50))
        .end();

    PAssert.that(apply(pipeline, stream, summingWithTimeout()))
        .containsInAnyOrder("a@10 [1] sum=1", "a@30 [] sum=1 timedOut");
    pipeline.run();
  }

  @Test
  void aCallThatDoesNotSetTheTimeoutAgainClearsIt(TestPipeline pipeline) {
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 1) // called at 10 with a timeout for 25
        .clockJustPast(at(10))
        .clockTo(at(12))
        .values("a", 0) // called at 20 without setting one: the 25 deadline is gone
        .clockJustPast(at(20))
        .clockJustPast(at(30))
        .clockJustPast(at(40))
        .clockJustPast(at(50))
        .end();

    PAssert.that(apply(pipeline, stream, summingWithTimeout()))
        .containsInAnyOrder("a@10 [1] sum=1", "a@20 [0] sum=1");
    pipeline.run();
  }

  @Test
  void eachCallRestartsTheTimeout(TestPipeline pipeline) {
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 1) // called at 10, deadline 25
        .clockJustPast(at(10))
        .clockTo(at(15))
        .values("a", 2) // called at 20, deadline 35
        .clockJustPast(at(20))
        .clockJustPast(at(30))
        .clockJustPast(at(40))
        .clockJustPast(at(50))
        .end();

    PAssert.that(apply(pipeline, stream, summingWithTimeout()))
        .containsInAnyOrder("a@10 [1] sum=1", "a@20 [2] sum=3", "a@40 [] sum=3 timedOut");
    pipeline.run();
  }

  @Test
  void valuesBeforeTheDeadlineMeanNoTimedOutCall(TestPipeline pipeline) {
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 1) // deadline 25
        .clockJustPast(at(10))
        .clockTo(at(24))
        .values("a", 0) // called with values at 30, no timeout set again
        .clockJustPast(at(30))
        .clockJustPast(at(40))
        .end();

    PAssert.that(apply(pipeline, stream, summingWithTimeout()))
        .containsInAnyOrder("a@10 [1] sum=1", "a@30 [0] sum=1");
    pipeline.run();
  }

  @Test
  void removeThenNewValuesStartAfresh(TestPipeline pipeline) {
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 5)
        .clockJustPast(at(10))
        .clockTo(at(11))
        .values("a", -1)
        .clockJustPast(at(20))
        .clockTo(at(21))
        .values("a", 2)
        .clockJustPast(at(30))
        .end();

    PAssert.that(apply(pipeline, stream, summing()))
        .containsInAnyOrder("a@10 [5] sum=5", "a@20 [-1] sum=none", "a@30 [2] sum=2");
    pipeline.run();
  }

  /** Removes the state and sets a timeout on each call with values; reports what a timeout sees. */
  private static Iterator<String> removeWithTimeout(String key, Iterator<Integer> values,
      GroupState<Integer> state) {
    if (state.hasTimedOut()) {
      return List.of(key + " timedOut exists=" + state.exists()).iterator();
    }
    List<Integer> seen = drain(values);
    state.update(seen.size());
    state.remove();
    state.setTimeoutDuration(5_000L);
    return List.of(describe(key, seen, state)).iterator();
  }

  @Test
  void removeKeepsTheTimeoutAndTheTimedOutCallSeesNoState(TestPipeline pipeline) {
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 1)
        .clockJustPast(at(10))
        .clockJustPast(at(20))
        .clockJustPast(at(30))
        .end();

    PAssert.that(apply(pipeline, stream, GroupsWithState.flatMap(GroupsWithStateTest::removeWithTimeout)
            .triggeredEvery(TEN_SECONDS)
            .withTimeout(GroupStateTimeout.ProcessingTimeTimeout())
            .withStateCoder(VarIntCoder.of())
            .withOutputCoder(StringUtf8Coder.of())))
        .containsInAnyOrder("a@10 [1] sum=none", "a timedOut exists=false");
    pipeline.run();
  }

  @Test
  void initialStateStartsItsKeysWhichAreCalledAtTheFirstTickEvenWithoutValues(TestPipeline pipeline) {
    PCollection<KV<String, Integer>> initial = pipeline.apply("InitialState",
        Create.of(KV.of("a", 100), KV.of("c", 7)).withCoder(KvCoder.of(StringUtf8Coder.of(), VarIntCoder.of())));
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 2)
        .values("b", 1)
        .clockJustPast(at(10))
        .clockJustPast(at(20)) // c was called once; no values since: not called again
        .end();

    PAssert.that(apply(pipeline, stream, summing().withInitialState(initial)))
        .containsInAnyOrder("a@10 [2] sum=102", "b@10 [1] sum=1", "c@10 [] sum=7");
    pipeline.run();
  }

  @Test
  void duplicateKeysInTheInitialStateFailThePipeline(TestPipeline pipeline) {
    PCollection<KV<String, Integer>> initial = pipeline.apply("InitialState",
        Create.of(KV.of("a", 1), KV.of("a", 2)).withCoder(KvCoder.of(StringUtf8Coder.of(), VarIntCoder.of())));
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("b", 1)
        .clockJustPast(at(10))
        .end();
    apply(pipeline, stream, summing().withInitialState(initial));

    PipelineExecutionException e = assertThrows(PipelineExecutionException.class, pipeline::run);
    assertThat(e.getMessage(), containsString("more than one row for key a"));
  }

  @Test
  void mapGivesOneOutputPerCall(TestPipeline pipeline) {
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 1, 1, 1)
        .values("b", 1)
        .clockJustPast(at(10))
        .clockTo(at(12))
        .values("a", 1)
        .clockJustPast(at(20))
        .end();
    MapGroupsWithStateFunction<String, Integer, Integer, String> countValues = (key, values, state) -> {
      int count = state.getOption().orElse(0) + drain(values).size();
      state.update(count);
      return key + "=" + count;
    };

    PAssert.that(apply(pipeline, stream, GroupsWithState.map(countValues)
            .triggeredEvery(TEN_SECONDS)
            .withStateCoder(VarIntCoder.of())
            .withOutputCoder(StringUtf8Coder.of())))
        .containsInAnyOrder("a=3", "b=1", "a=4");
    pipeline.run();
  }

  /** Sets an event-time timeout at event time 30 on calls that got a 1. */
  private static Iterator<String> eventTimeout(String key, Iterator<Integer> values, GroupState<Integer> state) {
    if (state.hasTimedOut()) {
      return List.of(describe(key, List.of(), state) + " timedOut watermarkPast30="
          + (state.getCurrentWatermarkMs() >= at(30).getMillis())).iterator();
    }
    List<Integer> seen = drain(values);
    state.update(state.getOption().orElse(0) + seen.size());
    if (seen.contains(1)) {
      state.setTimeoutTimestamp(at(30).getMillis());
    }
    return List.of(describe(key, seen, state)).iterator();
  }

  @Test
  void eventTimeTimeoutCallsTheKeyAtTheTickAfterTheWatermarkPassesIt(TestPipeline pipeline) {
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 1)
        .values("b", 1)
        .clockJustPast(at(10)) // both set a timeout at event time 30
        .clockTo(at(12))
        .values("b", 2) // b has values when the watermark passes 30: called with them, no timeout
        .watermarkTo(at(31))
        .clockJustPast(at(20))
        .clockJustPast(at(30))
        .end();

    PAssert.that(apply(pipeline, stream, GroupsWithState.flatMap(GroupsWithStateTest::eventTimeout)
            .triggeredEvery(TEN_SECONDS)
            .withTimeout(GroupStateTimeout.EventTimeTimeout())
            .withStateCoder(VarIntCoder.of())
            .withOutputCoder(StringUtf8Coder.of())))
        .containsInAnyOrder("a@10 [1] sum=1", "b@10 [1] sum=1",
            "a@20 [] sum=1 timedOut watermarkPast30=true", "b@20 [2] sum=2");
    pipeline.run();
  }

  @Test
  void aKeyWithMoreValuesWaitingThanTheCapIsCalledBeforeItsTick(TestPipeline pipeline) {
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 1, 2, 3, 4, 5) // over the cap of 3: called at once, as part of tick 10
        .values("b", 1)
        .clockTo(at(2))
        .clockTo(at(3))
        .values("a", 6) // waits for tick 10
        .clockJustPast(at(10))
        .end();

    PAssert.that(apply(pipeline, stream, summing().withMaxPendingValuesPerKey(3)))
        .containsInAnyOrder("a@10 [1, 2, 3, 4, 5] sum=15", "a@10 [6] sum=21", "b@10 [1] sum=1");
    pipeline.run();
  }

  @Test
  void manyKeysAreEachCalledOnceWithTheirOwnValues(TestPipeline pipeline) {
    int keys = 10_000;
    ValueStream stream = ValueStream.startingAt(at(1));
    List<String> expected = new ArrayList<>();
    for (int key = 0; key < keys; key++) {
      int values = key % 3 + 1;
      int[] ones = new int[values];
      java.util.Arrays.fill(ones, 1);
      stream.values("k" + key, ones);
      expected.add("k" + key + "=" + values);
    }
    MapGroupsWithStateFunction<String, Integer, Integer, String> countValues = (key, values, state) -> {
      int count = state.getOption().orElse(0) + drain(values).size();
      state.update(count);
      return key + "=" + count;
    };

    PAssert.that(apply(pipeline, stream.clockJustPast(at(10)).clockJustPast(at(20)).end(),
            GroupsWithState.map(countValues)
                .triggeredEvery(TEN_SECONDS)
                .withStateCoder(VarIntCoder.of())
                .withOutputCoder(StringUtf8Coder.of())))
        .containsInAnyOrder(expected);
    // One worker thread: the DirectRunner scans every key's pending timers under a lock that its
    // workers take too: with this many keys, more workers mostly wait on each other, and the run
    // takes many times longer.
    pipeline.getOptions().as(DirectOptions.class).setTargetParallelism(1);
    pipeline.run();
  }

  /** Says whether the call is the last one of a bounded input: the watermark is at the end. */
  private static Iterator<String> sumUntilTheEnd(String key, Iterator<Integer> values, GroupState<Integer> state) {
    List<Integer> seen = drain(values);
    int sum = state.getOption().orElse(0) + seen.stream().mapToInt(Integer::intValue).sum();
    state.update(sum);
    boolean last = state.getCurrentWatermarkMs() == BoundedWindow.TIMESTAMP_MAX_VALUE.getMillis();
    return List.of(key + " " + seen + " sum=" + sum + (last ? " last" : "")).iterator();
  }

  @Test
  void aBoundedInputCallsEveryKeyWithValuesOnceWhenItEnds(TestPipeline pipeline) {
    PCollection<KV<String, Integer>> input = pipeline.apply(Create.of(
        KV.of("a", 1), KV.of("a", 2), KV.of("b", 5)).withCoder(KvCoder.of(StringUtf8Coder.of(), VarIntCoder.of())));

    PAssert.that(input.apply(laidOut(GroupsWithState.flatMap(GroupsWithStateTest::sumUntilTheEnd)
            .triggeredEvery(Duration.standardHours(1))
            .withStateCoder(VarIntCoder.of())
            .withOutputCoder(StringUtf8Coder.of()))))
        .containsInAnyOrder("a [1, 2] sum=3 last", "b [5] sum=5 last");
    pipeline.run();
  }

  @Test
  void badBuilderArgumentsFailAtOnceNamingTheArgument() {
    assertMessage(() -> GroupsWithState.flatMap(null), "fn");
    assertMessage(() -> GroupsWithState.map(null), "fn");
    assertMessage(() -> summing().triggeredEvery(null), "triggeredEvery");
    assertMessage(() -> summing().triggeredEvery(Duration.ZERO), "triggeredEvery");
    assertMessage(() -> summing().triggeredEvery(Duration.millis(-5)), "triggeredEvery");
    assertMessage(() -> summing().withTicksFrom(null), "withTicksFrom");
    assertMessage(() -> summing().withTimeout(null), "withTimeout");
    assertMessage(() -> summing().withStateCoder(null), "withStateCoder");
    assertMessage(() -> summing().withOutputCoder(null), "withOutputCoder");
    assertMessage(() -> summing().withInitialState(null), "withInitialState");
    assertMessage(() -> summing().withMaxPendingValuesPerKey(0), "withMaxPendingValuesPerKey");
    assertMessage(() -> summing().withKeyShards(0), "withKeyShards");
    assertMessage(() -> summing().keyedBy(null, StringUtf8Coder.of()), "keyedBy needs a key function");
    assertMessage(() -> summing().keyedBy(value -> "a", null), "keyedBy needs the keys' coder");
  }

  private static void assertMessage(Runnable build, String named) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
    assertThat(e.getMessage(), containsString(named));
  }

  @Test
  void aMissingTriggerOrCoderIsNamedWhenThePipelineIsBuilt(TestPipeline pipeline) {
    PCollection<KV<String, Integer>> input = pipeline.apply(Create.of(KV.of("a", 1))
        .withCoder(KvCoder.of(StringUtf8Coder.of(), VarIntCoder.of())));
    IllegalStateException noTrigger = assertThrows(IllegalStateException.class, () -> input.apply("NoTrigger",
        GroupsWithState.flatMap(GroupsWithStateTest::sum)));
    assertThat(noTrigger.getMessage(), containsString("triggeredEvery"));
    IllegalStateException noStateCoder = assertThrows(IllegalStateException.class, () -> input.apply("NoCoder",
        GroupsWithState.flatMap(GroupsWithStateTest::sum).triggeredEvery(TEN_SECONDS)));
    assertThat(noStateCoder.getMessage(), containsString("withStateCoder"));
    pipeline.enableAbandonedNodeEnforcement(false);
  }

  /** A function as a class: its types are there to read, so no coder needs to be given. */
  static final class CountPerKey implements FlatMapGroupsWithStateFunction<String, Integer, Integer, String> {
    @Override
    public Iterator<String> call(String key, Iterator<Integer> values, GroupState<Integer> state) {
      int count = state.getOption().orElse(0) + drain(values).size();
      state.update(count);
      return List.of(key + "=" + count).iterator();
    }
  }

  @Test
  void coderDefaultsComeFromTheFunctionsTypes(TestPipeline pipeline) {
    TestStream<KV<String, Integer>> stream = ValueStream.startingAt(at(1))
        .values("a", 1, 1)
        .clockJustPast(at(10))
        .end();

    PAssert.that(apply(pipeline, stream, GroupsWithState.flatMap(new CountPerKey()).triggeredEvery(TEN_SECONDS)))
        .containsInAnyOrder("a=2");
    pipeline.run();
  }
}
