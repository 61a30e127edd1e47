package dev.flightdeck.console.view;

import dev.flightdeck.console.viewmodel.CostSnapshot;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.DateTickUnit;
import org.jfree.chart.axis.DateTickUnitType;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.TickUnits;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.labels.StandardCategoryToolTipGenerator;
import org.jfree.chart.labels.StandardXYToolTipGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StackedXYBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.time.SimpleTimePeriod;
import org.jfree.data.time.TimeTableXYDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.text.DecimalFormat;
import java.text.NumberFormat;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.TimeZone;

/**
 * The Costs screen's JFreeChart charts: built once with the console's look (AtlantaFX Primer
 * colours, small type, no chart junk), then fed new datasets. A dataset is built complete and set
 * on its plot once, so each refresh redraws each chart once.
 */
final class CostCharts {
    /** Primer colours, in the order models are stacked (most expensive first). */
    static final Color[] PALETTE = {
        new Color(0x0969da), new Color(0xbc4c00), new Color(0x1a7f37), new Color(0x8250df),
        new Color(0xcf222e), new Color(0x9a6700), new Color(0xbf3989), new Color(0x1b7c83),
        new Color(0x54aeff), new Color(0xfb8f44), new Color(0x4ac26b), new Color(0xc297ff),
        new Color(0x8c959f),
    };
    private static final Color TEXT = new Color(0x1f2328);
    private static final Color MUTED = new Color(0x656d76);
    private static final Color GRID = new Color(0xd8dee4);
    private static final Font TITLE = new Font("SansSerif", Font.BOLD, 13);
    private static final Font LABEL = new Font("SansSerif", Font.PLAIN, 11);
    private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

    private CostCharts() {
    }

    static NumberFormat dollarFormat() {
        return new DecimalFormat("$#,##0.00##");
    }

    // ---- charts -------------------------------------------------------------------------------

    /** Spend per time bucket, one stacked layer per model. */
    static JFreeChart spendOverTime() {
        StackedXYBarRenderer r = new StackedXYBarRenderer(0.15);
        r.setBarPainter(new StandardXYBarPainter());
        r.setShadowVisible(false);
        r.setDrawBarOutline(false);
        for (int i = 0; i < PALETTE.length; i++) {
            r.setSeriesPaint(i, PALETTE[i]);
        }
        NumberAxis y = dollarAxis();
        XYPlot plot = new XYPlot(new TimeTableXYDataset(UTC), timeAxis(), y, r);
        JFreeChart chart = styled(new JFreeChart("Spend over time, by model", TITLE, plot, true), plot);
        plot.setNoDataMessage("No priced model calls in this range");
        return chart;
    }

    /** p50, p95 and p99 model latency per bucket. */
    static JFreeChart latency() {
        XYLineAndShapeRenderer r = lines(new Color(0x1a7f37), new Color(0x9a6700), new Color(0xcf222e));
        // p99 dashed and drawn last: with few calls an hour it often equals p95 and must stay visible.
        r.setSeriesStroke(2, new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {5f, 4f}, 0f));
        NumberAxis y = new NumberAxis("ms");
        XYPlot plot = new XYPlot(new XYSeriesCollection(), timeAxis(), y, r);
        plot.setSeriesRenderingOrder(org.jfree.chart.plot.SeriesRenderingOrder.FORWARD);
        return styled(new JFreeChart("Model latency", TITLE, plot, true), plot);
    }

    /** Prompt tokens in and completion tokens out per bucket. */
    static JFreeChart tokens() {
        XYLineAndShapeRenderer r = lines(new Color(0x0969da), new Color(0x8250df));
        NumberAxis y = new NumberAxis("tokens");
        y.setNumberFormatOverride(NumberFormat.getIntegerInstance(Locale.ENGLISH));
        XYPlot plot = new XYPlot(new XYSeriesCollection(), timeAxis(), y, r);
        return styled(new JFreeChart("Tokens in and out", TITLE, plot, true), plot);
    }

    /** Horizontal bars of spend per tenant or per bundle version. */
    static JFreeChart spendBy(String title, Color colour) {
        BarRenderer r = new BarRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setDrawBarOutline(false);
        r.setMaximumBarWidth(0.12);
        r.setSeriesPaint(0, colour);
        r.setDefaultToolTipGenerator(new StandardCategoryToolTipGenerator("{1}: {2}", dollarFormat()));
        CategoryAxis x = new CategoryAxis();
        x.setMaximumCategoryLabelWidthRatio(0.55f);
        CategoryPlot plot = new CategoryPlot(new DefaultCategoryDataset(), x, dollarAxis(), r);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setRangeAxisLocation(org.jfree.chart.axis.AxisLocation.BOTTOM_OR_LEFT);
        JFreeChart chart = new JFreeChart(title, TITLE, plot, false);
        plainLook(chart, plot);
        plot.setRangeGridlinePaint(GRID);
        axisLook(x);
        axisLook(plot.getRangeAxis());
        axesIfData(chart);
        return chart;
    }

    // ---- datasets: built complete off the chart, then set once ----------------------------------

    /** Most bars the spend chart draws per layer: more buckets are summed into wider bars (spend adds up). */
    static final int MAX_BARS = 120;

    /**
     * The stacked spend dataset: one bar per bucket, or per run of {@link #binSize} buckets when
     * there are more than {@link #MAX_BARS} (a bar narrower than a pixel or two says nothing more,
     * and thousands of them stall the FX thread while drawing).
     */
    static TimeTableXYDataset stacked(List<CostSnapshot.Series> series, Duration bucket) {
        TimeTableXYDataset d = new TimeTableXYDataset(UTC);
        for (CostSnapshot.Series s : series) {
            int bin = binSize(s.size());
            long width = bucket.toMillis() * bin;
            for (int i = 0; i < s.size(); i += bin) {
                double sum = 0;
                for (int j = i; j < Math.min(i + bin, s.size()); j++) {
                    sum += s.values()[j];
                }
                long start = s.at().get(i).toEpochMilli();
                d.add(new SimpleTimePeriod(start, start + width - 1), sum, s.name(), false);
            }
        }
        return d;
    }

    /** How many buckets each spend bar sums: 1 up to {@link #MAX_BARS} buckets. */
    static int binSize(int buckets) {
        return Math.max(1, (buckets + MAX_BARS - 1) / MAX_BARS);
    }

    static XYSeriesCollection lines(List<CostSnapshot.Series> series, Duration bucket) {
        XYSeriesCollection c = new XYSeriesCollection();
        long half = bucket.toMillis() / 2;
        for (CostSnapshot.Series s : series) {
            XYSeries x = new XYSeries(s.name(), false, true);
            for (int i = 0; i < s.size(); i++) {
                x.add(s.at().get(i).toEpochMilli() + half, s.values()[i], false);
            }
            c.addSeries(x);
        }
        return c;
    }

    /** The {@code max} largest bars; the rest summed into one "others" bar. Unpriced ones say so. */
    static DefaultCategoryDataset bars(List<CostSnapshot.Bar> bars, int max, java.util.function.UnaryOperator<String> label) {
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        double others = 0;
        int rest = 0;
        for (int i = 0; i < bars.size(); i++) {
            CostSnapshot.Bar b = bars.get(i);
            if (i < max) {
                d.addValue(b.dollars(), "spend", label.apply(b.label()) + (b.priced() ? "" : " (+unpriced)"));
            } else {
                others += b.dollars();
                rest++;
            }
        }
        if (rest > 0) {
            d.addValue(others, "spend", rest + " others");
        }
        return d;
    }

    /** Empties a chart (nothing valid to show): its data, its unpriced note; the axes go with them. */
    static void clear(JFreeChart chart) {
        if (chart.getPlot() instanceof XYPlot xy) {
            xy.setDataset(xy.getDataset() instanceof TimeTableXYDataset ? new TimeTableXYDataset(UTC)
                    : new XYSeriesCollection());
            unpricedNote(chart, List.of());
        } else if (chart.getPlot() instanceof CategoryPlot cat) {
            cat.setDataset(new DefaultCategoryDataset());
        }
    }

    /** Axes only when there is something to read on them: an empty chart shows just its message. */
    static void axesIfData(JFreeChart chart) {
        boolean data;
        if (chart.getPlot() instanceof XYPlot xy) {
            data = xy.getDataset() != null && java.util.stream.IntStream.range(0, xy.getDataset().getSeriesCount())
                    .anyMatch(i -> xy.getDataset().getItemCount(i) > 0);
            xy.getDomainAxis().setVisible(data);
            xy.getRangeAxis().setVisible(data);
            xy.setRangeGridlinesVisible(data);
        } else if (chart.getPlot() instanceof CategoryPlot cat) {
            data = cat.getDataset() != null && cat.getDataset().getColumnCount() > 0;
            cat.getDomainAxis().setVisible(data);
            cat.getRangeAxis().setVisible(data);
            cat.setRangeGridlinesVisible(data);
        }
    }

    /** Names the models left out of a spend chart because none of their calls had a price. */
    static void unpricedNote(JFreeChart chart, List<String> models) {
        for (Object t : new java.util.ArrayList<>(chart.getSubtitles())) {
            if (t instanceof org.jfree.chart.title.TextTitle old) {
                chart.removeSubtitle(old);
            }
        }
        if (!models.isEmpty()) {
            org.jfree.chart.title.TextTitle note = new org.jfree.chart.title.TextTitle(
                    "Unpriced, not drawn: " + String.join(", ", models), LABEL);
            note.setPaint(new Color(0x9a6700));
            note.setPosition(RectangleEdge.BOTTOM);
            note.setHorizontalAlignment(org.jfree.chart.ui.HorizontalAlignment.LEFT);
            chart.addSubtitle(note);
        }
    }

    /** Points up to which a time chart keeps hover tooltips (each one is formatted on every redraw). */
    static final int MAX_TOOLTIP_POINTS = 400;

    /** Hover tooltips on a time chart only while its dataset is small enough to format them cheaply. */
    static void tooltipsIfSmall(JFreeChart chart) {
        XYPlot plot = chart.getXYPlot();
        int points = 0;
        for (int i = 0; i < plot.getDataset().getSeriesCount(); i++) {
            points += plot.getDataset().getItemCount(i);
        }
        var renderer = (org.jfree.chart.renderer.xy.AbstractXYItemRenderer) plot.getRenderer();
        if (points > MAX_TOOLTIP_POINTS) {
            renderer.setDefaultToolTipGenerator(null);
        } else if (renderer.getDefaultToolTipGenerator() == null) {
            renderer.setDefaultToolTipGenerator(renderer instanceof StackedXYBarRenderer
                    ? new StandardXYToolTipGenerator("{0}: {2} ({1})", hourFormat(), dollarFormat())
                    : new StandardXYToolTipGenerator("{0}: {2} ({1})", hourFormat(),
                    NumberFormat.getIntegerInstance(Locale.ENGLISH)));
        }
    }

    private static SimpleDateFormat hourFormat() {
        SimpleDateFormat f = new SimpleDateFormat("MMM d HH:mm 'UTC'", Locale.ENGLISH);
        f.setTimeZone(UTC);
        return f;
    }

    /** Points up to which a line chart also marks each point (a single hour is otherwise invisible). */
    static final int MAX_MARKED_POINTS = 200;

    /**
     * Marks each point of a line chart while it has few points: a line needs two points, so a
     * series with data in one bucket only (the first hour of use) would draw nothing at all.
     */
    static void markersIfSparse(JFreeChart chart) {
        XYPlot plot = chart.getXYPlot();
        if (!(plot.getRenderer() instanceof XYLineAndShapeRenderer r)) {
            return;
        }
        int points = 0;
        for (int i = 0; i < plot.getDataset().getSeriesCount(); i++) {
            points += plot.getDataset().getItemCount(i);
        }
        r.setDefaultShapesVisible(points <= MAX_MARKED_POINTS);
    }

    /** Shows [from, to) on a time chart, whatever the data covers; {@code days} labels days, else hours. */
    static void timeRange(JFreeChart chart, Instant from, Instant to, boolean days) {
        tooltipsIfSmall(chart);
        markersIfSparse(chart);
        DateAxis axis = (DateAxis) chart.getXYPlot().getDomainAxis();
        axis.setRange(new Date(from.toEpochMilli()), new Date(to.toEpochMilli()));
        // Ticks only on whole days (daily ranges) or whole hours, so each label names one day or
        // hour once; the axis picks the smallest step whose labels do not overlap.
        axis.setStandardTickUnits(days ? DAY_TICKS : HOUR_TICKS);
        // A day's label under the middle of the day, where its bar stands; an hour's at the hour
        // (a tick in the middle of an hour would read "14:30").
        axis.setTickMarkPosition(days ? org.jfree.chart.axis.DateTickMarkPosition.MIDDLE
                : org.jfree.chart.axis.DateTickMarkPosition.START);
        axis.setLabel(days ? "day (UTC)" : "hour (UTC)");
    }

    /** Day steps labelled "Nov 21"; from a month on, month steps labelled "Nov 2026". */
    static final TickUnits DAY_TICKS = ticks(unit(DateTickUnitType.DAY, 1, "MMM d"),
            unit(DateTickUnitType.DAY, 2, "MMM d"), unit(DateTickUnitType.DAY, 7, "MMM d"),
            unit(DateTickUnitType.DAY, 14, "MMM d"), unit(DateTickUnitType.MONTH, 1, "MMM yyyy"),
            unit(DateTickUnitType.MONTH, 2, "MMM yyyy"), unit(DateTickUnitType.MONTH, 3, "MMM yyyy"),
            unit(DateTickUnitType.MONTH, 6, "MMM yyyy"));
    /** Hour steps labelled "14:00"; steps of half a day or more name the day. */
    static final TickUnits HOUR_TICKS = ticks(unit(DateTickUnitType.HOUR, 1, "HH:mm"),
            unit(DateTickUnitType.HOUR, 2, "HH:mm"), unit(DateTickUnitType.HOUR, 3, "HH:mm"),
            unit(DateTickUnitType.HOUR, 6, "HH:mm"), unit(DateTickUnitType.HOUR, 12, "MMM d HH:mm"),
            unit(DateTickUnitType.DAY, 1, "MMM d"));

    private static DateTickUnit unit(DateTickUnitType type, int count, String pattern) {
        SimpleDateFormat f = new SimpleDateFormat(pattern, Locale.ENGLISH);
        f.setTimeZone(UTC);
        return new DateTickUnit(type, count, f);
    }

    private static TickUnits ticks(DateTickUnit... units) {
        TickUnits all = new TickUnits();
        for (DateTickUnit u : units) {
            all.add(u);
        }
        return all;
    }

    // ---- look -------------------------------------------------------------------------------

    private static DateAxis timeAxis() {
        DateAxis x = new DateAxis("time (UTC)", UTC, Locale.ENGLISH);
        x.setLowerMargin(0);
        x.setUpperMargin(0);
        return x;
    }

    private static NumberAxis dollarAxis() {
        NumberAxis y = new NumberAxis();
        y.setNumberFormatOverride(dollarFormat());
        return y;
    }

    private static XYLineAndShapeRenderer lines(Color... colours) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        // One path per series instead of one line per segment: far fewer draw calls on the FX thread.
        r.setDrawSeriesLineAsPath(true);
        for (int i = 0; i < colours.length; i++) {
            r.setSeriesPaint(i, colours[i]);
            r.setSeriesStroke(i, new BasicStroke(1.6f));
            r.setSeriesShape(i, new java.awt.geom.Ellipse2D.Double(-3, -3, 6, 6));
        }
        return r;
    }

    /** White, no outline, a left-aligned title, and a quiet message when there is nothing to draw. */
    private static void plainLook(JFreeChart chart, org.jfree.chart.plot.Plot plot) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setPaint(TEXT);
        chart.getTitle().setHorizontalAlignment(org.jfree.chart.ui.HorizontalAlignment.LEFT);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlineVisible(false);
        plot.setInsets(new RectangleInsets(4, 4, 4, 12));
        plot.setNoDataMessage("No model calls in this range");
        plot.setNoDataMessagePaint(MUTED);
    }

    private static JFreeChart styled(JFreeChart chart, XYPlot plot) {
        plainLook(chart, plot);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinePaint(GRID);
        axisLook(plot.getDomainAxis());
        axisLook(plot.getRangeAxis());
        LegendTitle legend = chart.getLegend();
        legend.setItemFont(LABEL);
        legend.setItemPaint(TEXT);
        legend.setFrame(BlockBorder.NONE);
        legend.setBackgroundPaint(Color.WHITE);
        legend.setPosition(RectangleEdge.BOTTOM);
        axesIfData(chart);
        return chart;
    }

    private static void axisLook(org.jfree.chart.axis.Axis axis) {
        axis.setLabelFont(LABEL);
        axis.setLabelPaint(MUTED);
        axis.setTickLabelFont(LABEL);
        axis.setTickLabelPaint(MUTED);
        axis.setAxisLinePaint(GRID);
        axis.setTickMarkPaint(GRID);
    }
}
