package io.treegrad.driver.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, drawn by XChart into PNG images (no window: AWT runs headless). Each plot is
 * one metric family against the step; values a line lacks (test metrics between evaluations) are
 * left out of that series rather than drawn as zeros.
 */
final class Plots {
    static final int WIDTH = 760;
    static final int HEIGHT = 400;

    /** Colours that stay apart for the colour-blind (Okabe and Ito's palette). */
    private static final Color BLUE = new Color(0x0072B2);
    private static final Color ORANGE = new Color(0xE69F00);
    private static final Color GREEN = new Color(0x009E73);
    private static final Color VERMILION = new Color(0xD55E00);
    private static final Color PURPLE = new Color(0xCC79A7);
    private static final Color SKY = new Color(0x56B4E9);
    private static final Color GREY = new Color(0x555555);

    /** One chart of the page: its file name, the caption under it, and the PNG. */
    record Plot(String file, String caption, byte[] png) {}

    private Plots() {}

    /** The charts the metrics allow, in page order. */
    static List<Plot> draw(RunMetrics m) throws IOException {
        List<Plot> plots = new ArrayList<>();
        double[] steps = m.steps();

        XYChart loss = chart("Loss", "mean loss");
        line(loss, "train (running mean)", steps, m.series("train_loss"), BLUE);
        if (m.has("test_loss")) {
            line(loss, "test", steps, m.series("test_loss"), ORANGE);
        }
        plots.add(png("loss.png", "Training loss per logged step (mean over the minibatches since the previous line)"
                + " and test loss at each evaluation.", loss));

        boolean regression = m.has("test_rmse") || m.has("train_rmse");
        String metric = regression ? "rmse" : "accuracy";
        if (m.has("test_" + metric) || m.has("train_" + metric)) {
            XYChart quality = chart(regression ? "RMSE" : "Accuracy", regression ? "root-mean-square error" : "accuracy");
            if (m.has("train_" + metric)) {
                line(quality, "train", steps, m.series("train_" + metric), BLUE);
            }
            if (m.has("test_" + metric)) {
                line(quality, "test", steps, m.series("test_" + metric), ORANGE);
            }
            plots.add(png(metric + ".png", (regression ? "RMSE" : "Accuracy") + " on the training minibatches of each"
                    + " log interval (a running figure, as the model was when it trained on them) and on the test set"
                    + " at each evaluation.", quality));
        }

        XYChart throughput = chart("Throughput", "samples / s");
        line(throughput, "training examples per second (wall clock)", steps, m.series("samples_per_sec"), GREEN);
        throughput.getStyler().setYAxisMin(0.0);
        plots.add(png("throughput.png", "Training examples per second of wall-clock time, over the steps since the"
                + " previous line (evaluations included).", throughput));

        if (m.has("time_share", "compute")) {
            plots.add(png("time_share.png", "Where a step's time goes, as a share of broadcast + compute + aggregation"
                    + " + driver update (stacked). Compute is the slowest task's forward and backward; aggregation is"
                    + " the rest of the Spark job (scheduling, serialization, result transfer, merging).",
                    timeShare(m, steps)));
        }
        if (m.has("step_ms", "compute")) {
            plots.add(png("step_ms.png", "Mean milliseconds per step of each part, and their total. Merge (adding"
                    + " the partial sums, summed over the tree) is part of aggregation.", stepMs(m, steps)));
        }
        if (m.has("memory_mb", "rss")) {
            XYChart memory = chart("Driver memory", "MB");
            line(memory, "resident (RSS)", steps, m.series("memory_mb", "rss"), VERMILION);
            line(memory, "heap committed", steps, m.series("memory_mb", "heap_committed"), SKY);
            line(memory, "live heap after GC", steps, m.series("memory_mb", "heap_after_gc"), BLUE);
            memory.getStyler().setYAxisMin(0.0);
            plots.add(png("memory.png", "The driver JVM's memory at each logged step.", memory));
        }
        return plots;
    }

    private static XYChart timeShare(RunMetrics m, double[] steps) {
        String[] parts = {"broadcast", "compute", "aggregation", "update"};
        Color[] colors = {PURPLE, GREEN, ORANGE, SKY};
        double[][] cumulative = new double[parts.length][];
        double[] sum = new double[steps.length];
        for (int p = 0; p < parts.length; p++) {
            double[] share = m.series("time_share", parts[p]);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += 100 * share[i];
            }
            cumulative[p] = sum.clone();
        }
        XYChart chart = chart("Time split per step", "% of the step");
        // stacked areas: each band is drawn from 0 up to its cumulative top, the tallest first
        for (int p = parts.length - 1; p >= 0; p--) {
            XYSeries s = line(chart, parts[p], steps, cumulative[p], colors[p]);
            if (s == null) {
                continue;
            }
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
            s.setFillColor(colors[p]);
            s.setMarker(SeriesMarkers.NONE);
        }
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
        return chart;
    }

    private static XYChart stepMs(RunMetrics m, double[] steps) {
        Map<String, Color> parts = new LinkedHashMap<>();
        parts.put("compute", GREEN);
        parts.put("aggregation", ORANGE);
        parts.put("merge", VERMILION);
        parts.put("update", SKY);
        parts.put("broadcast", PURPLE);
        XYChart chart = chart("Milliseconds per step", "ms per step");
        double[] total = new double[steps.length];
        for (Map.Entry<String, Color> e : parts.entrySet()) {
            double[] ms = m.series("step_ms", e.getKey());
            if (!e.getKey().equals("merge")) {
                for (int i = 0; i < total.length; i++) {
                    total[i] += ms[i];
                }
            }
            line(chart, e.getKey(), steps, ms, e.getValue());
        }
        XYSeries t = line(chart, "total", steps, total, GREY);
        if (t != null) {
            t.setLineStyle(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f));
        }
        chart.getStyler().setYAxisMin(0.0);
        return chart;
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("step")
                .yAxisTitle(yTitle).build();
        Font base = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        XYStyler style = chart.getStyler();
        style.setChartBackgroundColor(Color.WHITE);
        style.setPlotBackgroundColor(Color.WHITE);
        style.setPlotBorderVisible(false);
        style.setPlotGridLinesColor(new Color(0xE3E3E3));
        style.setChartTitleFont(base.deriveFont(Font.BOLD, 16f));
        style.setChartTitleBoxVisible(false);
        style.setAxisTitleFont(base);
        style.setAxisTickLabelsFont(base.deriveFont(12f));
        style.setLegendFont(base.deriveFont(12f));
        style.setLegendPosition(Styler.LegendPosition.OutsideS);
        style.setLegendLayout(Styler.LegendLayout.Horizontal);
        style.setLegendBorderColor(Color.WHITE);
        style.setMarkerSize(6);
        style.setAntiAlias(true);
        style.setXAxisDecimalPattern("#,##0");
        return chart;
    }

    /**
     * A line of the points where {@code y} is defined, with markers when there are few of them; null
     * (no series) when there is none.
     */
    private static XYSeries line(XYChart chart, String name, double[] x, double[] y, Color color) {
        int n = 0;
        for (double v : y) {
            n += Double.isNaN(v) ? 0 : 1;
        }
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int i = 0, j = 0; i < y.length; i++) {
            if (!Double.isNaN(y[i])) {
                xs[j] = x[i];
                ys[j++] = y[i];
            }
        }
        if (n == 0) {
            return null;
        }
        XYSeries s = chart.addSeries(name, xs, ys);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setLineWidth(2f);
        s.setMarker(n <= 40 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        return s;
    }

    private static Plot png(String file, String caption, XYChart chart) throws IOException {
        return new Plot(file, caption, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    }
}
