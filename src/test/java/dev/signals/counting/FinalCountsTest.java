package dev.signals.counting;

import dev.signals.model.EventsCounted;
import dev.signals.model.Signal;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A bounded input ends with each device's final count, exactly once (DirectRunner). */
@ExtendWith(TestPipelineExtension.class)
class FinalCountsTest {
  private static final Instant AT = Instant.parse("2026-11-25T15:00:03Z");

  @Test
  void everyDeviceReportsItsExactCountOnceAtTheEnd(TestPipeline pipeline) {
    List<Signal> signals = new ArrayList<>();
    List<KV<Integer, Long>> expected = new ArrayList<>();
    for (int device = 0; device < 50; device++) {
      for (int i = 0; i <= device; i++) {
        signals.add(new Signal(AT, device, i % 10));
      }
      expected.add(KV.of(device, device + 1L));
    }

    PCollection<EventsCounted> reports = pipeline
        .apply(Create.of(signals))
        .apply(CountSignalsPerDevice.every(Duration.standardSeconds(10)));

    // Ticks may also fire if the wall clock crosses one during the test; only finals are pinned.
    PAssert.that(reports
            .apply(Filter.by(EventsCounted::isFinal))
            .apply(MapElements.into(TypeDescriptors.kvs(TypeDescriptors.integers(), TypeDescriptors.longs()))
                .via((EventsCounted report) -> KV.of(report.deviceId(), report.count()))))
        .containsInAnyOrder(expected);
    pipeline.run();
  }
}
