package io.skein.benchmarks;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Renders the end-to-end results as PNG: latency percentile curves per channel (Skein and the raw echo at each
 * offered rate) and throughput bars.
 */
final class Charts
{
    private static final double[] PERCENTILES = {0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999};

    private Charts()
    {
    }

    static void render(final List<EndToEndHarness.Measurement> measurements, final File output) throws IOException
    {
        System.setProperty("java.awt.headless", "true");
        for (final String channel : new String[] {"ipc", "udp"})
        {
            final XYChart chart = new XYChartBuilder().width(900).height(520)
                .title("Skein end to end over Aeron " + channel.toUpperCase() + ": latency by percentile")
                .xAxisTitle("percentile (as 1 / (1 - p))").yAxisTitle("latency, microseconds").build();
            chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true).setMarkerSize(5);
            boolean any = false;
            for (final EndToEndHarness.Measurement m : measurements)
            {
                if (m.channel.equals(channel) && m.rate > 0)
                {
                    addCurve(chart, "Skein at " + m.rate + "/s", m.skein.histogram);
                    addCurve(chart, "raw echo at " + m.rate + "/s", m.raw.histogram);
                    any = true;
                }
            }
            if (any)
            {
                BitmapEncoder.saveBitmap(chart, new File(output, "latency-" + channel).getPath(),
                    BitmapEncoder.BitmapFormat.PNG);
            }
        }

        final List<String> channels = new ArrayList<>();
        final List<Double> skein = new ArrayList<>();
        final List<Double> raw = new ArrayList<>();
        for (final EndToEndHarness.Measurement m : measurements)
        {
            if (0 == m.rate)
            {
                channels.add(m.channel.toUpperCase());
                skein.add(m.skein.throughput() / 1e3);
                raw.add(m.raw.throughput() / 1e3);
            }
        }
        if (!channels.isEmpty())
        {
            final CategoryChart bars = new CategoryChartBuilder().width(700).height(450)
                .title("Maximum sustainable throughput, end to end over Aeron")
                .xAxisTitle("channel").yAxisTitle("thousand round trips per second").build();
            bars.addSeries("Skein (journaled, reply after recording)", channels, skein);
            bars.addSeries("raw Aeron echo", channels, raw);
            BitmapEncoder.saveBitmap(bars, new File(output, "throughput").getPath(), BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static void addCurve(final XYChart chart, final String name, final Histogram histogram)
    {
        final double[] x = new double[PERCENTILES.length];
        final double[] y = new double[PERCENTILES.length];
        for (int i = 0; i < PERCENTILES.length; i++)
        {
            x[i] = 1 / (1 - PERCENTILES[i] / 100);
            y[i] = Math.max(0.1, histogram.getValueAtPercentile(PERCENTILES[i]) / 1e3);
        }
        chart.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
    }
}
