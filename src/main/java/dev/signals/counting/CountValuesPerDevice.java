package dev.signals.counting;

import dev.signals.groupstate.FlatMapGroupsWithStateFunction;
import dev.signals.groupstate.GroupState;
import dev.signals.model.EventsCounted;
import dev.signals.model.Signal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.joda.time.Instant;

/**
 * The seed's {@code countValuesPerDevice}, from Spark's arbitrary stateful streaming aggregation
 * demo, ported line for line onto {@link GroupState}. {@code --aggregation=groupstate} runs it in
 * place of {@link CountSignalsPerDevice}; {@code --showSignals} turns its {@code println}s on (to
 * stderr: stdout carries the reports).
 */
public class CountValuesPerDevice
    implements FlatMapGroupsWithStateFunction<Integer, Signal, Map<Integer, Long>, EventsCounted> {
  private final boolean showSignals;

  public CountValuesPerDevice(boolean showSignals) {
    this.showSignals = showSignals;
  }

  @Override
  public Iterator<EventsCounted> call(Integer deviceId, Iterator<Signal> signals,
      GroupState<Map<Integer, Long>> state) {
    List<Signal> values = new ArrayList<>();
    signals.forEachRemaining(values::add);
    if (showSignals) {
      System.err.println("Device: " + deviceId);
      System.err.println("Signals (" + values.size() + "):");
      for (int idx = 0; idx < values.size(); idx++) {
        System.err.println(idx + ". " + asScala(values.get(idx)));
      }
      System.err.println("State: " + state);
    }

    // update the state with the count of elements for the key
    Map<Integer, Long> initialState = Map.of(deviceId, 0L);
    Map<Integer, Long> oldState = state.getOption().orElse(initialState);
    // the name to highlight that the state is for the key only
    long newValue = oldState.get(deviceId) + values.size();
    Map<Integer, Long> newState = Map.of(deviceId, newValue);
    state.update(newState);

    // you must not return as it's already consumed
    // that leads to a very subtle error where no elements are in an iterator
    // iterator is one-pass data structure
    // (Spark's EventsCounted(deviceId, count), plus what this project's console shows: the
    // signals added since the device's last report and the tick it belongs to.)
    return List.of(new EventsCounted(deviceId, newValue, values.size(),
        new Instant(state.getCurrentProcessingTimeMs()))).iterator();
  }

  /** A signal as Scala prints the seed's case class: {@code Signal(2026-...Z,3,5)}. */
  static String asScala(Signal signal) {
    return "Signal(" + signal.timestamp() + "," + signal.deviceId() + "," + signal.value() + ")";
  }
}
