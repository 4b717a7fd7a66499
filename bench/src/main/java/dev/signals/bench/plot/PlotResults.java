package dev.signals.bench.plot;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler.LegendLayout;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * Draws scripts/bench.sh's results.csv as bars: million events/s per device count, one bar per
 * runner (the median of its runs, with scripts/bench.sh --repeat), Beam next to the native
 * baseline of the same engine, each bar labelled with its value
 * (a linear scale, so that bar lengths compare as the ratios do; the DirectRunner's bar is a
 * sliver).
 *
 * <pre>java ... dev.signals.bench.plot.PlotResults results.csv events-per-second.png</pre>
 */
public class PlotResults {
  private static final Map<String, String> NAMES = new LinkedHashMap<>();
  private static final Map<String, Color> COLOURS = new LinkedHashMap<>();

  static {
    NAMES.put("direct", "Beam, Direct");
    NAMES.put("direct-groupstate", "Beam GroupState, Direct");
    NAMES.put("direct-groupstate-sharded", "Beam GroupState in shards, Direct");
    NAMES.put("flink", "Beam, Flink [local]");
    NAMES.put("flink-rocksdb", "Beam, Flink [local], RocksDB");
    NAMES.put("flink-groupstate", "Beam GroupState, Flink [local]");
    NAMES.put("flink-groupstate-rocksdb", "Beam GroupState, Flink [local], RocksDB");
    NAMES.put("flink-groupstate-sharded", "Beam GroupState in shards, Flink [local]");
    NAMES.put("flink-groupstate-sharded-rocksdb", "Beam GroupState in shards, Flink [local], RocksDB");
    NAMES.put("native-flink", "native Flink");
    NAMES.put("native-flink-rocksdb", "native Flink, RocksDB");
    NAMES.put("spark", "Beam, Spark local[2]");
    NAMES.put("spark-groupstate", "Beam GroupState, Spark local[2]");
    NAMES.put("spark-groupstate-sharded", "Beam GroupState in shards, Spark local[2]");
    NAMES.put("native-spark", "native Spark");
    COLOURS.put("direct", new Color(0x999999));
    COLOURS.put("direct-groupstate", new Color(0x7F7F7F));
    COLOURS.put("direct-groupstate-sharded", new Color(0xC7C7C7));
    COLOURS.put("flink", new Color(0x1F77B4));
    COLOURS.put("flink-rocksdb", new Color(0x2CA02C));
    COLOURS.put("flink-groupstate", new Color(0x17BECF));
    COLOURS.put("flink-groupstate-rocksdb", new Color(0xBCBD22));
    COLOURS.put("flink-groupstate-sharded", new Color(0x9467BD));
    COLOURS.put("flink-groupstate-sharded-rocksdb", new Color(0xE377C2));
    COLOURS.put("native-flink", new Color(0xAEC7E8));
    COLOURS.put("native-flink-rocksdb", new Color(0x98DF8A));
    COLOURS.put("spark", new Color(0xD62728));
    COLOURS.put("spark-groupstate", new Color(0xFF7F0E));
    COLOURS.put("spark-groupstate-sharded", new Color(0x8C564B));
    COLOURS.put("native-spark", new Color(0xFF9896));
  }

  public static void main(String[] args) throws Exception {
    List<String> lines = Files.readAllLines(Path.of(args[0]));
    List<String> header = List.of(lines.get(0).split(","));
    int runnerColumn = header.indexOf("runner");
    int devicesColumn = header.indexOf("devices");
    int rateColumn = header.indexOf("events_per_second");
    // Each runner's runs at each device count: several with scripts/bench.sh --repeat.
    Map<String, Map<Long, List<Double>>> rates = new LinkedHashMap<>();
    TreeSet<Long> deviceCounts = new TreeSet<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      long devices = Long.parseLong(cells[devicesColumn]);
      deviceCounts.add(devices);
      if (!cells[rateColumn].isEmpty()) {
        rates.computeIfAbsent(cells[runnerColumn], r -> new LinkedHashMap<>())
            .computeIfAbsent(devices, d -> new ArrayList<>())
            .add(Double.parseDouble(cells[rateColumn]) / 1e6);
      }
    }

    CategoryChart chart = new CategoryChartBuilder()
        .width(900).height(520)
        .title("Device signal counter, unthrottled: million events/s (higher is better)")
        .xAxisTitle("devices").yAxisTitle("million events/s")
        .build();
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(LegendLayout.Horizontal);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotGridVerticalLinesVisible(false);
    chart.getStyler().setLabelsVisible(true);
    chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
    chart.getStyler().setLabelsFontColor(Color.BLACK);
    chart.getStyler().setLabelsRotation(90);
    chart.getStyler().setLabelsPosition(0.98);
    chart.getStyler().setYAxisDecimalPattern("0.0##");
    chart.getStyler().setOverlapped(false);

    NumberFormat thousands = NumberFormat.getIntegerInstance(Locale.ROOT);
    List<String> categories = new ArrayList<>();
    for (long devices : deviceCounts) {
      categories.add(thousands.format(devices));
    }
    for (String runner : NAMES.keySet()) {
      Map<Long, List<Double>> byDevices = rates.get(runner);
      if (byDevices == null) {
        continue;
      }
      List<Double> values = new ArrayList<>();
      for (long devices : deviceCounts) {
        values.add(median(byDevices.get(devices))); // null: not run at this device count
      }
      chart.addSeries(NAMES.get(runner), categories, values).setFillColor(COLOURS.get(runner));
    }
    if (chart.getSeriesMap().isEmpty()) {
      System.err.println("no plot: no run in " + args[0] + " was measured");
      return;
    }
    BitmapEncoder.saveBitmap(chart, args[1], BitmapFormat.PNG);
  }

  /** The median of a runner's runs at one device count (as the report gives it); null for none. */
  static Double median(List<Double> runs) {
    if (runs == null) {
      return null;
    }
    List<Double> sorted = runs.stream().sorted().toList();
    int middle = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
  }
}
