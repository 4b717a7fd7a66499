package dev.signals.groupstate;

import java.util.List;
import java.util.stream.IntStream;
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
import org.joda.time.Instant;
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
  void everyShardsListIsPassedOnOnceTheyHoldManyBytes(TestPipeline pipeline) {
    // Values of one byte each, far below the cap of 1,000. Key a gets 1 value at instant 1, key b
    // (another shard) 1 at instant 2, then a 4 at instant 3: 6 bytes held, past the 5, so both
    // shards' lists go on then, b's at instant 3 (not before the element at hand); a's last
    // arrival, 1 value at instant 4, waits for the bundle's end.
    String a = "device-0";
    String b = IntStream.range(1, 100).mapToObj(i -> "device-" + i)
        .filter(key -> Shard.of(key, StringUtf8Coder.of(), 4) != Shard.of(a, StringUtf8Coder.of(), 4))
        .findFirst().orElseThrow();
    PCollection<KV<String, Arrival<Long, Long>>> arrivals = pipeline
        .apply(Create.of(List.of(List.of(a + " 1 1", b + " 1 2", a + " 4 3", a + " 1 4")))
            .withCoder(ListCoder.of(StringUtf8Coder.of())))
        .apply(ParDo.of(new TimedArrivals()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), Arrival.ArrivalCoder.<Long, Long>of(VarLongCoder.of())));

    PCollection<String> lists = arrivals
        .apply(ParDo.of(new GatherKeysInShardsFn<String, Long, Long>(StringUtf8Coder.of(), 4, 1_000, 5)))
        .setCoder(KvCoder.of(VarIntCoder.of(), ListCoder.of(arrivals.getCoder())))
        .apply(ParDo.of(new DescribeList()));

    PAssert.that(lists).containsInAnyOrder(
        a + " x2 at 3", b + " x1 at 3", a + " x1 at 4");
    pipeline.run().waitUntilFinish();
  }

  /** "key values instant" becomes an arrival of that many values of the key, at that instant. */
  private static final class TimedArrivals extends DoFn<List<String>, KV<String, Arrival<Long, Long>>> {
    @ProcessElement
    public void process(@Element List<String> arrivals, OutputReceiver<KV<String, Arrival<Long, Long>>> out) {
      for (String arrival : arrivals) {
        String[] parts = arrival.split(" ");
        List<Long> values = LongStream.range(0, Integer.parseInt(parts[1])).boxed().toList();
        out.outputWithTimestamp(KV.of(parts[0], Arrival.values(CodedValues.of(values, VarLongCoder.of()))),
            new Instant(Long.parseLong(parts[2])));
      }
    }
  }

  /** A shard's list as its first key, its number of arrivals and its timestamp. */
  private static final class DescribeList
      extends DoFn<KV<Integer, List<KV<String, Arrival<Long, Long>>>>, String> {
    @ProcessElement
    public void process(@Element KV<Integer, List<KV<String, Arrival<Long, Long>>>> list,
        @Timestamp Instant timestamp, OutputReceiver<String> out) {
      out.output(list.getValue().get(0).getKey() + " x" + list.getValue().size() + " at " + timestamp.getMillis());
    }
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
