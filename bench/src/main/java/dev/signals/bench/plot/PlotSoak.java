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
 * Draws scripts/soak.sh's samples.csv (minute, rss_mb, heap_after_gc_mb, checkpoint_mb, reports):
 * resident set, heap after a full GC and the checkpoint directory's size per minute; flat lines
 * are what a soak wants to see.
 *
 * <pre>java ... dev.signals.bench.plot.PlotSoak samples.csv memory.png "title"</pre>
 */
public class PlotSoak {
  public static void main(String[] args) throws Exception {
    List<String> lines = Files.readAllLines(Path.of(args[0]));
    List<Double> minutes = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    List<Double> heap = new ArrayList<>();
    List<Double> checkpoints = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",");
      minutes.add(Double.parseDouble(cells[0]));
      rss.add(Double.parseDouble(cells[1]));
      heap.add(Double.parseDouble(cells[2]));
      checkpoints.add(Double.parseDouble(cells[3]));
    }
    XYChart chart = new XYChartBuilder().width(900).height(480)
        .title("Soak: " + (args.length > 2 ? args[2] : "memory per minute"))
        .xAxisTitle("minute").yAxisTitle("MB").build();
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setYAxisMin(0.0);
    chart.addSeries("resident set (RSS)", minutes, rss).setLineColor(new Color(0x1F77B4));
    chart.addSeries("heap after full GC", minutes, heap).setLineColor(new Color(0xD62728));
    chart.addSeries("checkpoint directory on disk", minutes, checkpoints)
        .setLineColor(new Color(0x2CA02C));
    BitmapEncoder.saveBitmap(chart, args[1], BitmapFormat.PNG);
  }
}
