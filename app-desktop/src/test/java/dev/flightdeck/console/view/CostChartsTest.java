package dev.flightdeck.console.view;

import dev.flightdeck.console.viewmodel.CostSnapshot;
import org.jfree.chart.JFreeChart;
import org.jfree.data.time.TimeTableXYDataset;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** What the charts are fed: spend bars that still add up, tooltips only where they are cheap. */
class CostChartsTest {
    private static final Instant T0 = Instant.parse("2026-10-22T00:00:00Z");

    private static CostSnapshot.Series hourly(String name, int hours) {
        List<Instant> at = new ArrayList<>();
        for (int i = 0; i < hours; i++) {
            at.add(T0.plus(Duration.ofHours(i)));
        }
        return new CostSnapshot.Series(name, at, IntStream.range(0, hours).mapToDouble(i -> 0.001 * (i % 7)).toArray());
    }

    private static double total(TimeTableXYDataset d, int series) {
        return IntStream.range(0, d.getItemCount(series)).mapToDouble(i -> d.getYValue(series, i)).sum();
    }

    @Test
    void aMonthOfHourlySpendIsDrawnAsWiderBarsThatAddUpToTheSameSpend() {
        CostSnapshot.Series month = hourly("openai/gpt-4o", 720);

        TimeTableXYDataset d = CostCharts.stacked(List.of(month), Duration.ofHours(1));

        assertThat(d.getItemCount()).isEqualTo(CostCharts.MAX_BARS);
        assertThat(total(d, 0)).isCloseTo(java.util.Arrays.stream(month.values()).sum(), within(1e-9));
        assertThat(d.getEndXValue(0, 0) - d.getStartXValue(0, 0) + 1).as("each bar spans six hours")
                .isEqualTo(Duration.ofHours(6).toMillis());
    }

    @Test
    void twoDaysOfHourlySpendKeepOneBarPerHour() {
        TimeTableXYDataset d = CostCharts.stacked(List.of(hourly("a/m", 48), hourly("b/m", 48)), Duration.ofHours(1));

        assertThat(d.getItemCount()).isEqualTo(48);
        assertThat(d.getSeriesCount()).isEqualTo(2);
    }

    @Test
    void aLatencySeriesWithOneHourOfDataIsMarkedSoItIsVisibleAndAMonthIsDrawnAsLinesOnly() {
        JFreeChart latency = CostCharts.latency();
        var renderer = (org.jfree.chart.renderer.xy.XYLineAndShapeRenderer) latency.getXYPlot().getRenderer();

        latency.getXYPlot().setDataset(CostCharts.lines(List.of(hourly("p50", 1)), Duration.ofHours(1)));
        CostCharts.timeRange(latency, T0, T0.plus(Duration.ofDays(1)), false);
        assertThat(renderer.getDefaultShapesVisible()).as("a single point, marked").isTrue();

        latency.getXYPlot().setDataset(CostCharts.lines(List.of(hourly("p50", 720), hourly("p95", 720)), Duration.ofHours(1)));
        CostCharts.timeRange(latency, T0, T0.plus(Duration.ofDays(30)), true);
        assertThat(renderer.getDefaultShapesVisible()).as("1,440 points, lines only").isFalse();
    }

    @Test
    void anEmptyChartShowsItsMessageWithoutAxesAndGetsThemWithData() {
        JFreeChart tokens = CostCharts.tokens();
        assertThat(tokens.getXYPlot().getDomainAxis().isVisible()).isFalse();
        assertThat(tokens.getXYPlot().getRangeAxis().isVisible()).isFalse();

        tokens.getXYPlot().setDataset(CostCharts.lines(List.of(hourly("tokens in", 24)), Duration.ofHours(1)));
        CostCharts.axesIfData(tokens);

        assertThat(tokens.getXYPlot().getRangeAxis().isVisible()).isTrue();
    }

    @Test
    void timeChartsKeepTooltipsOnlyForSmallDatasets() {
        JFreeChart latency = CostCharts.latency();
        latency.getXYPlot().setDataset(CostCharts.lines(List.of(hourly("p50", 48)), Duration.ofHours(1)));
        CostCharts.timeRange(latency, T0, T0.plus(Duration.ofDays(2)), false);
        assertThat(latency.getXYPlot().getRenderer().getDefaultToolTipGenerator()).isNotNull();

        latency.getXYPlot().setDataset(CostCharts.lines(List.of(hourly("p50", 720)), Duration.ofHours(1)));
        CostCharts.timeRange(latency, T0, T0.plus(Duration.ofDays(30)), true);
        assertThat(latency.getXYPlot().getRenderer().getDefaultToolTipGenerator()).isNull();
    }

    /** The tick labels a chart of {@code width} pixels shows on its time axis. */
    private static List<String> timeLabels(JFreeChart chart, int width) {
        java.awt.image.BufferedImage image = chart.createBufferedImage(width, 300);
        org.jfree.chart.axis.DateAxis axis = (org.jfree.chart.axis.DateAxis) chart.getXYPlot().getDomainAxis();
        java.awt.Graphics2D g2 = image.createGraphics();
        try {
            java.awt.geom.Rectangle2D area = new java.awt.geom.Rectangle2D.Double(60, 0, width - 80, 240);
            return axis.refreshTicks(g2, new org.jfree.chart.axis.AxisState(), area, org.jfree.chart.ui.RectangleEdge.BOTTOM)
                    .stream().map(t -> ((org.jfree.chart.axis.Tick) t).getText()).toList();
        } finally {
            g2.dispose();
        }
    }

    private static CostSnapshot.Series daily(String name, int days) {
        List<Instant> at = IntStream.range(0, days).mapToObj(i -> T0.plus(Duration.ofDays(i))).toList();
        return new CostSnapshot.Series(name, at, IntStream.range(0, days).mapToDouble(i -> 0.5 + i % 3).toArray());
    }

    @Test
    void aWeekOrAMonthOfDailySpendNamesEachDayOnceOnItsAxis() {
        for (int days : new int[] {7, 30}) {
            JFreeChart spend = CostCharts.spendOverTime();
            spend.getXYPlot().setDataset(CostCharts.stacked(List.of(daily("a/m", days)), Duration.ofDays(1)));
            CostCharts.timeRange(spend, T0, T0.plus(Duration.ofDays(days)), true);

            List<String> labels = timeLabels(spend, 840);

            assertThat(labels).as("%d days", days).isNotEmpty().doesNotHaveDuplicates()
                    .allMatch(l -> l.matches("[A-Z][a-z]{2} \\d{1,2}"), "a day such as Oct 22");
        }
    }

    @Test
    void aDayOfHourlySpendLabelsHoursAndFourHundredDaysLabelMonths() {
        JFreeChart spend = CostCharts.spendOverTime();
        spend.getXYPlot().setDataset(CostCharts.stacked(List.of(hourly("a/m", 24)), Duration.ofHours(1)));
        CostCharts.timeRange(spend, T0, T0.plus(Duration.ofDays(1)), false);
        assertThat(timeLabels(spend, 840)).doesNotHaveDuplicates().allMatch(l -> l.matches("\\d{2}:00"));

        spend.getXYPlot().setDataset(CostCharts.stacked(List.of(daily("a/m", 400)), Duration.ofDays(1)));
        CostCharts.timeRange(spend, T0, T0.plus(Duration.ofDays(400)), true);
        assertThat(timeLabels(spend, 840)).doesNotHaveDuplicates().allMatch(l -> l.matches("[A-Z][a-z]{2} \\d{4}"));
    }
}
