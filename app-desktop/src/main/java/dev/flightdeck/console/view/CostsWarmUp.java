package dev.flightdeck.console.view;

import dev.flightdeck.client.CostDimension;
import dev.flightdeck.client.CostFilter;
import dev.flightdeck.client.CostGroupInfo;
import dev.flightdeck.client.CostlyRunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.client.UsageInfo;
import dev.flightdeck.console.viewmodel.CostRequest;
import dev.flightdeck.console.viewmodel.CostSnapshot;
import javafx.scene.canvas.Canvas;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.fx.FXGraphics2D;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.Rectangle;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs once, on a background thread right after start, the chart drawing the Costs screen's first
 * refresh would otherwise run cold on the FX thread: loading, initialising and JIT-compiling
 * JFreeChart's renderers, axes and legends and FXGraphics2D's text measurement. It draws its own
 * charts, fed the largest answer the screen draws, on a canvas no scene shows — JavaFX allows
 * that on any thread — so nothing the user sees is touched. Cold, the first refresh's spend chart
 * alone took about four times the FX-thread time of a warm one (docs/benchmarks.md).
 *
 * <p>Controls (the top-runs table) are not warmed here: their skins measure text with one
 * TextLayout shared by all controls (a static in JavaFX's skin utilities), so laying one out off the
 * FX thread, even in a scene no window shows, races the FX thread's layouts (a trial that did
 * ended once with a NullPointerException inside the text layout).
 */
final class CostsWarmUp {
    private static final Logger log = LoggerFactory.getLogger(CostsWarmUp.class);
    /** Draws per chart: enough for the interpreter to hand the hot drawing loops to the JIT. */
    private static final int DRAWS = 3;

    private CostsWarmUp() {
    }

    /** Completes when the warm-up of this JVM has run (the dashboard benchmark waits for it). */
    private static final java.util.concurrent.CompletableFuture<Void> DONE = new java.util.concurrent.CompletableFuture<>();
    private static final java.util.concurrent.atomic.AtomicBoolean STARTED = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Set to false to go without it: an escape hatch should drawing off the FX thread misbehave on
     * some platform, and how the dashboard benchmark measures the first refresh without it.
     */
    static final String ENABLED_PROPERTY = "flightdeck.console.costsWarmUp";

    /** Starts the warm-up on a daemon thread (it never delays the console's exit), once per JVM. */
    static void startOnce() {
        if (!Boolean.parseBoolean(System.getProperty(ENABLED_PROPERTY, "true"))) {
            DONE.complete(null);
        } else if (STARTED.compareAndSet(false, true)) {
            Thread t = new Thread(CostsWarmUp::run, "costs-warm-up");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            t.start();
        }
    }

    static java.util.concurrent.CompletableFuture<Void> done() {
        return DONE;
    }

    private static void run() {
        long started = System.nanoTime();
        try {
            CostSnapshot sample = sample();
            drawCharts(sample);
            log.debug("Costs charts warmed up in {} ms", (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException | LinkageError e) {
            // Only the first refresh gets slower: nothing the user needs depends on this.
            log.warn("Costs charts warm-up failed; the first refresh may be slow", e);
        } finally {
            DONE.complete(null);
        }
    }

    /** Each chart takes the sample as a refresh would and is drawn as its viewer's canvas draws it. */
    private static void drawCharts(CostSnapshot sample) {
        List<JFreeChart> charts = CostsView.newCharts();
        List<java.util.function.Consumer<JFreeChart>> changes = CostsView.changes(sample);
        Canvas canvas = new Canvas(840, 230);
        FXGraphics2D g2 = new FXGraphics2D(canvas.getGraphicsContext2D());
        Rectangle area = new Rectangle(840, 230);
        for (int i = 0; i < charts.size(); i++) {
            changes.get(i).accept(charts.get(i));
            CostCharts.axesIfData(charts.get(i));
            for (int n = 0; n < DRAWS; n++) {
                canvas.getGraphicsContext2D().clearRect(0, 0, area.width, area.height);
                charts.get(i).draw(g2, area, null, new ChartRenderingInfo());
            }
        }
    }

    /** The largest answer the screen draws: 400 daily buckets, 13 spend layers, full bars and table. */
    static CostSnapshot sample() {
        Instant to = Instant.now().truncatedTo(ChronoUnit.DAYS);
        Instant from = to.minus(Duration.ofDays(400));
        CostRequest request = new CostRequest(from, to, CostDimension.DAY, CostFilter.ALL);
        List<Instant> days = IntStream.range(0, 400).mapToObj(d -> from.plus(Duration.ofDays(d))).toList();
        List<CostSnapshot.Series> spend = new ArrayList<>();
        for (int m = 0; m <= CostSnapshot.MAX_MODELS; m++) {
            spend.add(series(m == CostSnapshot.MAX_MODELS ? CostSnapshot.OTHER : "provider/model-" + m, days, m + 1));
        }
        List<CostSnapshot.Bar> bars = IntStream.range(0, 20)
                .mapToObj(i -> new CostSnapshot.Bar("tenant-" + i, 100.0 / (i + 1), i % 5 != 0, 10L * (i + 1))).toList();
        List<CostSnapshot.Bar> versions = IntStream.range(0, 30)
                .mapToObj(i -> new CostSnapshot.Bar("bundle-" + i + "@" + Integer.toHexString(0x3f2a9c1d + i), 50.0 / (i + 1),
                        true, 5L * (i + 1))).toList();
        List<CostlyRunInfo> runs = IntStream.range(0, 100).mapToObj(i -> new CostlyRunInfo("run-" + i, "tenant-" + (i % 20),
                "bundle-" + (i % 6), Integer.toHexString(0x10000000 + i), i % 7 == 0 ? RunState.FAILED : RunState.SUCCEEDED,
                from.plus(Duration.ofHours(i)), 3 + i, new UsageInfo(1000L * i, 0, 100L * i, 0, 10_000L * (100 - i),
                i % 9 != 0, 0), 0)).toList();
        return new CostSnapshot(request, days, spend, List.of("ollama/llama3.1:8b"),
                List.of(series("p50", days, 400), series("p95", days, 900), series("p99", days, 1400)),
                List.of(series("in", days, 20_000), series("out", days, 3_000)), bars, versions, CostGroupInfo.EMPTY,
                runs, false);
    }

    private static CostSnapshot.Series series(String name, List<Instant> at, double scale) {
        double[] values = new double[at.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = scale * (1.5 + Math.sin(i / 9.0));
        }
        return new CostSnapshot.Series(name, at, values);
    }
}
