package dev.signals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.joda.time.Instant;

/**
 * Renders one tick's counts the way Spark's console sink shows a micro-batch: a {@code Batch: N}
 * banner (with the tick's instant), then a table with {@code +---+} borders and right-aligned cells. Nothing is truncated.
 */
final class ConsoleTable {
  private static final String BANNER_RULE = "-------------------------------------------";
  private static final String[] HEADER = {"deviceId", "count"};

  private ConsoleTable() {}

  static String render(long batch, Instant tick, List<EventsCounted> rowsOfOneTick) {
    return render(batch, tick, false, rowsOfOneTick);
  }

  /** {@code late}: these rows arrived after their tick's table was printed. */
  static String render(long batch, Instant tick, boolean late, List<EventsCounted> rowsOfOneTick) {
    List<EventsCounted> rows = new ArrayList<>(rowsOfOneTick);
    rows.sort(Comparator.comparingInt(EventsCounted::deviceId));

    int deviceWidth = HEADER[0].length();
    int countWidth = HEADER[1].length();
    for (EventsCounted row : rows) {
      deviceWidth = Math.max(deviceWidth, Integer.toString(row.deviceId()).length());
      countWidth = Math.max(countWidth, Long.toString(row.count()).length());
    }
    String border = "+" + "-".repeat(deviceWidth) + "+" + "-".repeat(countWidth) + "+\n";
    String rowFormat = "|%" + deviceWidth + "s|%" + countWidth + "s|\n";

    StringBuilder table = new StringBuilder(64 + rows.size() * (deviceWidth + countWidth + 4));
    table.append(BANNER_RULE).append('\n');
    table.append("Batch: ").append(batch).append(" (tick ").append(Ticks.iso(tick))
        .append(late ? ", late reports)\n" : ")\n");
    table.append(BANNER_RULE).append('\n');
    table.append(border);
    table.append(String.format(rowFormat, HEADER[0], HEADER[1]));
    table.append(border);
    for (EventsCounted row : rows) {
      table.append(String.format(rowFormat, row.deviceId(), row.count()));
    }
    table.append(border);
    return table.toString();
  }
}
