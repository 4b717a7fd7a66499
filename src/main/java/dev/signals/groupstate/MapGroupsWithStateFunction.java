package dev.signals.groupstate;

import java.io.Serializable;
import java.util.Iterator;

/**
 * A user's function for {@link GroupsWithState#map}, the same as Spark's {@code
 * org.apache.spark.api.java.function.MapGroupsWithStateFunction}: like {@link
 * FlatMapGroupsWithStateFunction}, but every call returns exactly one output (not null).
 *
 * <pre>{@code
 * MapGroupsWithStateFunction<String, Long, Long, KV<String, Long>> countPerKey =
 *     (key, values, state) -> {
 *       long count = state.getOption().orElse(0L);
 *       while (values.hasNext()) {
 *         values.next();
 *         count++;
 *       }
 *       state.update(count);
 *       return KV.of(key, count);
 *     };
 * }</pre>
 */
@FunctionalInterface
public interface MapGroupsWithStateFunction<K, V, S, R> extends Serializable {
  R call(K key, Iterator<V> values, GroupState<S> state) throws Exception;
}
