package dev.signals.bench.plot;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * Draws scripts/soak.sh's samples.csv: per minute, each JVM's resident set ({@code *rss_mb}
 * columns) and heap after a full GC ({@code *heap_after_gc_mb}; one pair for a local run, one per
 * cluster process, named by the column's prefix), and the checkpoint directory's size
 * ({@code checkpoint_mb}). Flat lines are what a soak wants to see.
 *
 * <pre>java ... dev.signals.bench.plot.PlotSoak samples.csv memory.png "title"</pre>
 */
public class PlotSoak {
  public static void main(String[] args) throws Exception {
    List<String> lines = Files.readAllLines(Path.of(args[0]));
    String[] header = lines.get(0).split(",");
    List<String[]> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      rows.add(line.split(","));
    }
    XYChart chart = new XYChartBuilder().width(900).height(480)
        .title("Soak: " + (args.length > 2 ? args[2] : "memory per minute"))
        .xAxisTitle("minute").yAxisTitle("MB").build();
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setYAxisMin(0.0);
    List<Double> minutes = column(rows, 0);
    boolean oneJvm = List.of(header).contains("rss_mb");
    for (int i = 1; i < header.length; i++) {
      String name = header[i];
      String series;
      if (name.endsWith("rss_mb")) {
        series = process(name, "rss_mb") + "resident set (RSS)";
      } else if (name.endsWith("heap_after_gc_mb")) {
        series = process(name, "heap_after_gc_mb") + "heap after full GC";
      } else if (name.equals("checkpoint_mb")) {
        series = "checkpoint directory on disk";
      } else {
        continue;
      }
      var line = chart.addSeries(series, minutes, column(rows, i));
      if (oneJvm) { // the colours of the plots published before clusters were soaked
        line.setLineColor(name.equals("rss_mb") ? new Color(0x1F77B4)
            : name.equals("checkpoint_mb") ? new Color(0x2CA02C) : new Color(0xD62728));
      }
    }
    BitmapEncoder.saveBitmap(chart, args[1], BitmapFormat.PNG);
  }

  /** "taskmanager_rss_mb" -> "taskmanager: "; "rss_mb" -> "". */
  private static String process(String column, String suffix) {
    String prefix = column.substring(0, column.length() - suffix.length());
    return prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1) + ": ";
  }

  private static List<Double> column(List<String[]> rows, int index) {
    List<Double> values = new ArrayList<>();
    for (String[] row : rows) {
      values.add(Double.parseDouble(row[index]));
    }
    return values;
  }
}
