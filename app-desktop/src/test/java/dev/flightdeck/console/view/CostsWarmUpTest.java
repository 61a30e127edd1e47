package dev.flightdeck.console.view;

import org.jfree.chart.JFreeChart;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.time.TimeTableXYDataset;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The warm-up draws what the heaviest refresh draws, through the same code the screen uses. */
class CostsWarmUpTest {
    @Test
    void theWarmUpFeedsEachChartTheLargestAnswerTheScreenDraws() {
        List<JFreeChart> charts = CostsView.newCharts();
        List<Consumer<JFreeChart>> changes = CostsView.changes(CostsWarmUp.sample());
        for (int i = 0; i < charts.size(); i++) {
            changes.get(i).accept(charts.get(i));
        }

        TimeTableXYDataset spend = (TimeTableXYDataset) charts.get(0).getXYPlot().getDataset();
        assertThat(spend.getSeriesCount()).as("12 models and other").isEqualTo(13);
        assertThat(spend.getItemCount()).as("400 days in bars of 4").isEqualTo(100);
        assertThat(((DefaultCategoryDataset) charts.get(1).getCategoryPlot().getDataset()).getColumnCount())
                .as("8 tenants and the others").isEqualTo(9);
        XYDataset latency = charts.get(2).getXYPlot().getDataset();
        assertThat(latency.getSeriesCount()).isEqualTo(3);
        assertThat(latency.getItemCount(0)).isEqualTo(400);
        assertThat(charts.get(3).getXYPlot().getDataset().getSeriesCount()).isEqualTo(2);
        assertThat(((DefaultCategoryDataset) charts.get(4).getCategoryPlot().getDataset()).getColumnCount())
                .as("8 versions and the others").isEqualTo(9);
    }
}
