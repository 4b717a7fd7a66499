package dev.signals.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.signals.model.EventsCounted.Kind;
import dev.signals.model.EventsCounted;
import dev.signals.testing.JsonlReport;
import java.util.List;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

class ConsoleFormatTest {
  private static final Instant TICK = Instant.parse("2026-11-25T15:00:10Z");

  @Test
  void tableLooksLikeSparksConsoleSinkSortedByDevice() {
    String table = ConsoleTable.render(ConsoleTable.batchTitle(3, TICK, false), List.of(
        new EventsCounted(12, 7, 1, TICK), new EventsCounted(3, 42, 2, TICK), new EventsCounted(0, 5, 3, TICK)));

    assertThat(table, equalTo(String.join("\n",
        "-------------------------------------------",
        "Batch: 3 (tick 2026-11-25T15:00:10Z)",
        "-------------------------------------------",
        "+--------+-----+",
        "|deviceId|count|",
        "+--------+-----+",
        "|       0|    5|",
        "|       3|   42|",
        "|      12|    7|",
        "+--------+-----+",
        "")));
  }

  @Test
  void wideValuesWidenTheirColumnInsteadOfBeingTruncated() {
    String table = ConsoleTable.render(ConsoleTable.batchTitle(0, TICK, false), List.of(
        new EventsCounted(1_234_567_890, 98_765_432_101_234L, 1, TICK)));

    assertThat(table.lines().skip(3).toList(), equalTo(List.of(
        "+----------+--------------+",
        "|  deviceId|         count|",
        "+----------+--------------+",
        "|1234567890|98765432101234|",
        "+----------+--------------+")));
  }

  @Test
  void reportsArrivingAfterTheirTicksTableSayTheyAreLate() {
    String table = ConsoleTable.render(ConsoleTable.batchTitle(4, TICK, true),
        List.of(new EventsCounted(3, 42, 2, TICK)));
    assertThat(table.lines().skip(1).findFirst().orElseThrow(),
        equalTo("Batch: 4 (tick 2026-11-25T15:00:10Z, late reports)"));
  }

  @Test
  void finalTableSaysHowManySignalsAndDevices() {
    List<EventsCounted> finals = List.of(
        new EventsCounted(1, 600, 10, TICK, Kind.FINAL), new EventsCounted(0, 1_400, 3, TICK, Kind.FINAL));
    List<String> lines = ConsoleTable.render(ConsoleTable.finalTitle(finals), finals).lines().toList();
    assertThat(lines.get(1), equalTo("Final counts: 2,000 signals, 2 devices"));
    assertThat(lines.subList(6, 8), equalTo(List.of("|       0| 1400|", "|       1|  600|")));
  }

  @Test
  void finalJsonLineSaysFinal() {
    assertThat(ConsoleSink.jsonLine(new EventsCounted(3, 42, 5, TICK, Kind.FINAL)),
        equalTo("{\"tick\":\"2026-11-25T15:00:10Z\",\"deviceId\":3,\"count\":42,\"final\":true}"));
  }

  @Test
  void anExpiredDeviceIsMarkedInTheTableAndInJson() {
    String table = ConsoleTable.render(ConsoleTable.batchTitle(5, TICK, false), List.of(
        new EventsCounted(3, 42, 0, TICK, Kind.EXPIRED), new EventsCounted(4, 7, 1, TICK)));
    assertThat(table.lines().skip(3).toList(), equalTo(List.of(
        "+--------+------------+",
        "|deviceId|       count|",
        "+--------+------------+",
        "|       3|42 (expired)|",
        "|       4|           7|",
        "+--------+------------+")));
    assertThat(ConsoleSink.jsonLine(new EventsCounted(3, 42, 0, TICK, Kind.EXPIRED)),
        equalTo("{\"tick\":\"2026-11-25T15:00:10Z\",\"deviceId\":3,\"count\":42,\"expired\":true}"));
  }

  @Test
  void jsonLineHasTheTickInUtcAndNothingElseOnTheLine() {
    assertThat(ConsoleSink.jsonLine(new EventsCounted(3, 42, 5, TICK)),
        equalTo("{\"tick\":\"2026-11-25T15:00:10Z\",\"deviceId\":3,\"count\":42,\"added\":5}"));
  }

  /** The tests' reader of the jsonl stream reads back what the writer writes, and nothing else. */
  @Test
  void theTestsJsonlReaderReadsWhatIsWrittenAndRefusesTheRest() {
    for (EventsCounted counted : List.of(new EventsCounted(3, 42, 5, TICK),
        new EventsCounted(3, 42, 5, TICK, Kind.FINAL), new EventsCounted(3, 42, 0, TICK, Kind.EXPIRED))) {
      JsonlReport report = JsonlReport.of(ConsoleSink.jsonLine(counted));
      assertThat(report, equalTo(new JsonlReport(TICK.getMillis(), 3, 42,
          counted.kind() == Kind.TICK ? 5 : -1, counted.kind())));
    }
    for (String notAReport : List.of("", "Batch: 3", "[1]", "{\"deviceId\":3,\"count\":42,\"added\":5}",
        "{\"tick\":\"2026-11-25T15:00:10Z\",\"deviceId\":3,\"count\":42,\"added\":5,\"extra\":1}",
        "{\"tick\":\"noon\",\"deviceId\":3,\"count\":42,\"added\":5}",
        "{\"tick\":\"2026-11-25T15:00:10Z\",\"deviceId\":\"3\",\"count\":42,\"added\":5}",
        "{\"tick\":\"2026-11-25T15:00:10Z\",\"deviceId\":3,\"count\":42,\"final\":false}",
        "{\"tick\":\"2026-11-25T15:00:10Z\",\"deviceId\":3,\"count\":42,\"added\":5} {}")) {
      assertThat(notAReport, JsonlReport.parse(notAReport).isPresent(), equalTo(false));
    }
  }

  @Test
  void progressLineSaysTotalRateAndDevices() {
    assertThat(LogProgress.line(new TickTotals(TICK, 200, 10), 1_234, org.joda.time.Duration.standardSeconds(10)),
        equalTo("Progress at 2026-11-25T15:00:10Z: 1,234 signals counted, 20.0/s over the last 10 s, "
            + "10 devices updated"));
  }

  @Test
  void aTickOffTheWholeSecondKeepsItsMillis() {
    assertThat(Ticks.iso(TICK.plus(250)), equalTo("2026-11-25T15:00:10.250Z"));
  }
}
