package dev.signals.groupstate;

import java.io.Serializable;
import java.util.Iterator;

/**
 * A user's function for {@link GroupsWithState#flatMap}, the same as Spark's {@code
 * org.apache.spark.api.java.function.FlatMapGroupsWithStateFunction}: called per key at a tick
 * with the values that arrived for it since its previous call, and its {@link GroupState}.
 *
 * <pre>{@code
 * FlatMapGroupsWithStateFunction<String, Long, Long, KV<String, Long>> runningSum =
 *     (key, values, state) -> {
 *       long sum = state.getOption().orElse(0L);
 *       while (values.hasNext()) {
 *         sum += values.next();
 *       }
 *       state.update(sum);
 *       return List.of(KV.of(key, sum)).iterator();
 *     };
 * }</pre>
 *
 * <p>The values come in no promised order, and the iterator can be read once: keep what you need
 * while reading it.
 */
@FunctionalInterface
public interface FlatMapGroupsWithStateFunction<K, V, S, R> extends Serializable {
  Iterator<R> call(K key, Iterator<V> values, GroupState<S> state) throws Exception;
}
