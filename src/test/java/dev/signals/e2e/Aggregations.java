package dev.signals.e2e;

import java.util.ArrayList;
import java.util.List;

/**
 * The demo's aggregations as the end-to-end tests name them, and the options each runs with:
 * {@code counter}, {@code groupstate} (the GroupState transform with a key per device), and
 * {@code groupstate-in-shards} (the devices kept in a few shards, so that each shard holds many
 * of them; the demo's default has more).
 */
final class Aggregations {
  static final int SHARDS = 8;

  private Aggregations() {}

  static List<String> options(String aggregation) {
    return switch (aggregation) {
      case "counter" -> List.of("--aggregation=counter");
      case "groupstate" -> List.of("--aggregation=groupstate", "--groupStateShards=0");
      case "groupstate-in-shards" -> List.of("--aggregation=groupstate", "--groupStateShards=" + SHARDS);
      default -> throw new IllegalArgumentException("no aggregation named " + aggregation);
    };
  }

  /** The aggregation's options followed by {@code others}. */
  static String[] with(String aggregation, String... others) {
    List<String> all = new ArrayList<>(options(aggregation));
    all.addAll(List.of(others));
    return all.toArray(String[]::new);
  }
}
