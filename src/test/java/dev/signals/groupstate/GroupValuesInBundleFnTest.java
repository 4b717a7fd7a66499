package dev.signals.groupstate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every value reaches its key's batches once, whether a bundle gathers its keys directly or, with
 * many keys, in partitions first; no batch is over the per-key cap or its bytes, and none is
 * earlier than its values.
 */
@ExtendWith(TestPipelineExtension.class)
class GroupValuesInBundleFnTest {
  private static final int VALUES = 40_000;
  private static final long CAP = 7;
  /** Every value takes three bytes coded (VarLong from 2^14 to 2^21), and is its own instant. */
  private static final long FIRST_VALUE = 1 << 14;
  private static final int NO_BYTE_LIMIT = Integer.MAX_VALUE;

  @Test
  void manyKeysInPartitionsGiveEachKeyAllItsValuesOnce(TestPipeline pipeline) {
    // 16 keys gathered directly, then partitions of at most 50 values: both passes, and the
    // partitions filling up many times over.
    assertBatchesHoldEveryValueOnce(pipeline, 500, CAP, new GroupValuesInBundleFn<>(
        KV::getKey, KV::getValue, VarIntCoder.of(), VarLongCoder.of(), CAP, 16, 50, NO_BYTE_LIMIT,
        NO_BYTE_LIMIT));
  }

  @Test
  void manyKeysInLargePartitionsGiveEachKeyAllItsValuesOnce(TestPipeline pipeline) {
    // Hundreds of keys in a partition: its table of keys grows while it is gathered.
    assertBatchesHoldEveryValueOnce(pipeline, 30_000, CAP, new GroupValuesInBundleFn<>(
        KV::getKey, KV::getValue, VarIntCoder.of(), VarLongCoder.of(), CAP, 16, VALUES, NO_BYTE_LIMIT,
        NO_BYTE_LIMIT));
  }

  @Test
  void fewKeysAreGatheredDirectly(TestPipeline pipeline) {
    assertBatchesHoldEveryValueOnce(pipeline, 500, CAP, new GroupValuesInBundleFn<>(
        KV::getKey, KV::getValue, VarIntCoder.of(), VarLongCoder.of(), CAP));
  }

  // With a cap far above what the bytes allow, each limit on bytes on its own:

  @Test
  void aKeysBatchGoesOnAtItsBytes(TestPipeline pipeline) {
    // Two keys in turn: a batch goes on at 30 bytes, ten values of three bytes; the two hold at
    // most 54 bytes, under the 120 at which all go on.
    assertBatchesHoldEveryValueOnce(pipeline, 2, 10, new GroupValuesInBundleFn<>(
        KV::getKey, KV::getValue, VarIntCoder.of(), VarLongCoder.of(), 1_000_000, 16, 50, 30,
        NO_BYTE_LIMIT));
  }

  @Test
  void theBatchesABundleHoldsGoOnTogetherAtTheirBytes(TestPipeline pipeline) {
    // Ten keys in turn: at 120 bytes held (four times the 30 of a batch), four values each, all
    // go on, long before any key's batch reaches its 30.
    assertBatchesHoldEveryValueOnce(pipeline, 10, 4, new GroupValuesInBundleFn<>(
        KV::getKey, KV::getValue, VarIntCoder.of(), VarLongCoder.of(), 1_000_000, 16, 50, 30,
        NO_BYTE_LIMIT));
  }

  @Test
  void aPartitionIsGatheredAtItsBytes(TestPipeline pipeline) {
    // Partitioning from the second key on: a partition is gathered at 45 bytes, twelve values of
    // four bytes with their key, long before its 50 values.
    assertBatchesHoldEveryValueOnce(pipeline, 2, 12, new GroupValuesInBundleFn<>(
        KV::getKey, KV::getValue, VarIntCoder.of(), VarLongCoder.of(), 1_000_000, 1, 50,
        NO_BYTE_LIMIT, 45));
  }

  private static void assertBatchesHoldEveryValueOnce(TestPipeline pipeline, int keys,
      long maxBatch, GroupValuesInBundleFn<KV<Integer, Long>, Integer, Long, Long> gatherFn) {
    // Value v is at instant v: a batch's timestamp is at least its largest value.
    List<TimestampedValue<KV<Integer, Long>>> input = new ArrayList<>();
    Map<Integer, List<Long>> expected = new TreeMap<>();
    for (long v = FIRST_VALUE; v < FIRST_VALUE + VALUES; v++) {
      int key = (int) (v * 7919 % keys);
      input.add(TimestampedValue.of(KV.of(key, v), new Instant(v)));
      expected.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
    }
    PCollection<KV<Integer, List<Long>>> batches = pipeline
        .apply(Create.timestamped(input).withCoder(KvCoder.of(VarIntCoder.of(), VarLongCoder.of())))
        .apply(ParDo.of(gatherFn))
        .setCoder(KvCoder.of(VarIntCoder.of(), Arrival.ArrivalCoder.<Long, Long>of(VarLongCoder.of())))
        .apply(ParDo.of(new DecodeCheckingTimestamp()))
        .setCoder(KvCoder.of(VarIntCoder.of(), ListCoder.of(VarLongCoder.of())));

    PAssert.that(batches).satisfies(all -> {
      Map<Integer, List<Long>> seen = new TreeMap<>();
      for (KV<Integer, List<Long>> batch : all) {
        assertThat("batch of key " + batch.getKey(), (long) batch.getValue().size(), lessThanOrEqualTo(maxBatch));
        seen.computeIfAbsent(batch.getKey(), k -> new ArrayList<>()).addAll(batch.getValue());
      }
      seen.values().forEach(Collections::sort);
      assertThat(seen, equalTo(expected));
      return null;
    });
    pipeline.run().waitUntilFinish();
  }

  /** A batch's values, after checking that its timestamp is not earlier than any of them. */
  private static final class DecodeCheckingTimestamp
      extends DoFn<KV<Integer, Arrival<Long, Long>>, KV<Integer, List<Long>>> {
    @ProcessElement
    public void process(@Element KV<Integer, Arrival<Long, Long>> batch, @Timestamp Instant timestamp,
        OutputReceiver<KV<Integer, List<Long>>> out) {
      List<Long> values = new ArrayList<>();
      batch.getValue().values().decode(VarLongCoder.of()).forEachRemaining(values::add);
      assertThat("the timestamp of key " + batch.getKey() + "'s batch " + values,
          timestamp.getMillis(), greaterThanOrEqualTo(Collections.max(values)));
      out.output(KV.of(batch.getKey(), values));
    }
  }
}
