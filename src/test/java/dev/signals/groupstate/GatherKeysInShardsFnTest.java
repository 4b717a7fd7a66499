package dev.signals.groupstate;

import java.util.List;
import java.util.stream.LongStream;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A fast key's list (at the per-key cap) is passed on at once with what its shard gathered so
 * far, not kept for the whole bundle, and so is a shard's list of large values; slow keys' lists
 * wait for the bundle's end.
 */
@ExtendWith(TestPipelineExtension.class)
class GatherKeysInShardsFnTest {

  @Test
  void aListAtThePerKeyCapIsPassedOnAtOnceWithItsShard(TestPipeline pipeline) {
    // One element becomes these arrivals of one key, all in one bundle on the DirectRunner; the
    // cap is 10: a list of 10 passes the shard on (3 arrivals, then 2), the last waits (1).
    PCollection<KV<String, Arrival<Long, Long>>> arrivals = pipeline
        .apply(Create.of(List.of(List.of(1, 1, 10, 1, 10, 2))).withCoder(ListCoder.of(VarIntCoder.of())))
        .apply(ParDo.of(new ArrivalsOfSizes()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), Arrival.ArrivalCoder.<Long, Long>of(VarLongCoder.of())));

    PCollection<Integer> sizes = arrivals
        .apply(ParDo.of(new GatherKeysInShardsFn<String, Long, Long>(StringUtf8Coder.of(), 4, 10)))
        .setCoder(KvCoder.of(VarIntCoder.of(), ListCoder.of(arrivals.getCoder())))
        .apply(MapElements.into(TypeDescriptors.integers()).via(shard -> shard.getValue().size()));

    PAssert.that(sizes).containsInAnyOrder(3, 2, 1);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void listsHoldingManyBytesArePassedOnAtOnce(TestPipeline pipeline) {
    // Values of one byte each, far below the cap of 1,000; at 5 bytes held the lists pass on
    // (1 + 1 + 4 values: 3 arrivals, the one shard), the last waits (1).
    PCollection<KV<String, Arrival<Long, Long>>> arrivals = pipeline
        .apply(Create.of(List.of(List.of(1, 1, 4, 1))).withCoder(ListCoder.of(VarIntCoder.of())))
        .apply(ParDo.of(new ArrivalsOfSizes()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), Arrival.ArrivalCoder.<Long, Long>of(VarLongCoder.of())));

    PCollection<Integer> sizes = arrivals
        .apply(ParDo.of(new GatherKeysInShardsFn<String, Long, Long>(StringUtf8Coder.of(), 4, 1_000, 5)))
        .setCoder(KvCoder.of(VarIntCoder.of(), ListCoder.of(arrivals.getCoder())))
        .apply(MapElements.into(TypeDescriptors.integers()).via(shard -> shard.getValue().size()));

    PAssert.that(sizes).containsInAnyOrder(3, 1);
    pipeline.run().waitUntilFinish();
  }

  /** A list of sizes becomes arrivals of that many values each, all of key "device-1". */
  private static final class ArrivalsOfSizes extends DoFn<List<Integer>, KV<String, Arrival<Long, Long>>> {
    @ProcessElement
    public void process(@Element List<Integer> sizes, OutputReceiver<KV<String, Arrival<Long, Long>>> out) {
      for (int size : sizes) {
        List<Long> values = LongStream.range(0, size).boxed().toList();
        out.output(KV.of("device-1", Arrival.values(CodedValues.of(values, VarLongCoder.of()))));
      }
    }
  }
}
