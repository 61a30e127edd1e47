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
}
