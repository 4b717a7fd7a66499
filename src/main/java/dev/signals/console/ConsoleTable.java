package dev.signals.console;

import dev.signals.model.EventsCounted;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.joda.time.Instant;

/**
 * Renders counts the way Spark's console sink shows a micro-batch: a banner ({@code Batch: N} and
 * the tick's instant), then a table with {@code +---+} borders and right-aligned cells, sorted by
 * device. Nothing is truncated.
 */
final class ConsoleTable {
  private static final String BANNER_RULE = "-------------------------------------------";
  private static final String[] HEADER = {"deviceId", "count"};

  private ConsoleTable() {}

  /** The banner of a tick's table; {@code late}: its rows came after the tick's table. */
  static String batchTitle(long batch, Instant tick, boolean late) {
    return "Batch: " + batch + " (tick " + Ticks.iso(tick) + (late ? ", late reports)" : ")");
  }

  /** The banner of the table of final counts of a bounded run. */
  static String finalTitle(List<EventsCounted> finalReports) {
    long signals = finalReports.stream().mapToLong(EventsCounted::count).sum();
    return String.format("Final counts: %,d signals, %,d devices", signals, finalReports.size());
  }

  /** A device that expired shows its last count and says so. */
  private static String countCell(EventsCounted row) {
    return row.isExpired() ? row.count() + " (expired)" : Long.toString(row.count());
  }

  static String render(String title, List<EventsCounted> reports) {
    // A device reports more than once at a tick only when the GroupState transform called it
    // early (over its cap of waiting values): its row shows the newest count.
    Map<Integer, EventsCounted> newestPerDevice = new HashMap<>();
    for (EventsCounted report : reports) {
      newestPerDevice.merge(report.deviceId(), report,
          (one, other) -> one.count() >= other.count() ? one : other);
    }
    List<EventsCounted> rows = new ArrayList<>(newestPerDevice.values());
    rows.sort(Comparator.comparingInt(EventsCounted::deviceId));

    int deviceWidth = HEADER[0].length();
    int countWidth = HEADER[1].length();
    for (EventsCounted row : rows) {
      deviceWidth = Math.max(deviceWidth, Integer.toString(row.deviceId()).length());
      countWidth = Math.max(countWidth, countCell(row).length());
    }
    String border = "+" + "-".repeat(deviceWidth) + "+" + "-".repeat(countWidth) + "+\n";
    String rowFormat = "|%" + deviceWidth + "s|%" + countWidth + "s|\n";

    StringBuilder table = new StringBuilder(64 + rows.size() * (deviceWidth + countWidth + 4));
    table.append(BANNER_RULE).append('\n');
    table.append(title).append('\n');
    table.append(BANNER_RULE).append('\n');
    table.append(border);
    table.append(String.format(rowFormat, HEADER[0], HEADER[1]));
    table.append(border);
    for (EventsCounted row : rows) {
      table.append(String.format(rowFormat, row.deviceId(), countCell(row)));
    }
    table.append(border);
    return table.toString();
  }
}
