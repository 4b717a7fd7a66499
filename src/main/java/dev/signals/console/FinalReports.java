package dev.signals.console;

import dev.signals.model.EventsCounted;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * All final reports of a bounded run in one element, once every device has reported: a
 * {@code GroupByKey} on a single key in the global window, which a bounded input closes at its
 * end. (The per-tick gathering cannot do this: it waits on processing-time timers, which runners
 * drop when a bounded input ends.)
 */
final class FinalReports {
  private FinalReports() {}

  static PCollection<Iterable<EventsCounted>> of(PCollection<EventsCounted> reports) {
    return reports
        .apply("FinalReports", Filter.by(EventsCounted::isFinal))
        .apply("KeyFinalReportsAlike", WithKeys.<Integer, EventsCounted>of(0)
            .withKeyType(TypeDescriptors.integers()))
        .apply("GatherFinalReports", GroupByKey.create())
        .apply("DropTheKey", Values.create());
  }
}
