package dev.flightdeck.console.view;

import atlantafx.base.theme.PrimerLight;
import dev.flightdeck.client.CostDimension;
import dev.flightdeck.client.CostFilter;
import dev.flightdeck.client.CostGroupInfo;
import dev.flightdeck.client.CostReport;
import dev.flightdeck.client.CostlyRunInfo;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.client.RunState;
import dev.flightdeck.client.UsageInfo;
import dev.flightdeck.console.concurrent.FxUiExecutor;
import dev.flightdeck.console.viewmodel.ConnectionViewModel;
import dev.flightdeck.console.viewmodel.CostRequest;
import dev.flightdeck.console.viewmodel.CostSnapshot;
import dev.flightdeck.console.viewmodel.CostsViewModel;
import dev.flightdeck.console.viewmodel.DaemonLocator;
import dev.flightdeck.console.viewmodel.NotificationsViewModel;
import dev.flightdeck.console.viewmodel.UserPrompts;
import javafx.animation.AnimationTimer;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard benchmark (docs/benchmarks.md), a runnable harness rather than a test: the Costs
 * screen in a 1280×800 window is fed snapshots of 30 days of hourly buckets × 14 models (about
 * 13,000 points over the three time charts), one refresh at a time. The snapshot is built on a
 * background thread like the view model does; the FX thread only draws it. An AnimationTimer
 * records every pulse; the figure is the longest gap between two pulses during a refresh (goal:
 * never over 100 ms), next to the time {@code CostsView.show} itself holds the FX thread.
 *
 * <p>Run with {@code app-desktop/bench.sh} (headless Monocle) or under Xvfb with {@code -Dglass.platform=gtk}.
 * Sizes: {@code -Dbench.days=30 -Dbench.models=14 -Dbench.rounds=20}.
 */
public final class CostsDashboardBench extends Application {
    /** Main class (JavaFX is on the class path). */
    public static final class Main {
        public static void main(String[] args) {
            Application.launch(CostsDashboardBench.class, args);
        }
    }

    private static final int DAYS = Integer.getInteger("bench.days", 30);
    private static final int MODELS = Integer.getInteger("bench.models", 14);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 20);
    private static final int WARMUP = 3;
    private static final int PULSES_AFTER = 12;

    private CostsView view;
    /** Written and read on the FX thread only (the driver resets them through runLater). */
    private long lastPulse;
    private long maxGap;
    private volatile CountDownLatch pulses = new CountDownLatch(0);
    private volatile long measuredGap;
    /** Longest time each chart's step held the FX thread, in draw order (FX thread only). */
    private final long[] stepMax = new long[5];
    /** The same in FX-thread CPU time: what drawing costs, whatever else the machine is doing. */
    private final long[] stepCpuMax = new long[5];
    private int stepNo;

    @Override
    public void start(Stage stage) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        FxUiExecutor ui = new FxUiExecutor(1, 4);
        Clock clock = Clock.systemUTC();
        NotificationsViewModel notes = new NotificationsViewModel(clock);
        ConnectionViewModel nowhere = new ConnectionViewModel(ui, new NoDaemon(), UserPrompts.answering(false), notes,
                clock, Duration.ofSeconds(1), false);
        view = new CostsView(new CostsViewModel(ui, nowhere, notes, clock), run -> { });
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        view.runStep = step -> {
            int chart = stepNo++ % stepMax.length;
            long wall = System.nanoTime();
            long cpu = threads.getCurrentThreadCpuTime();
            step.run();
            stepMax[chart] = Math.max(stepMax[chart], System.nanoTime() - wall);
            stepCpuMax[chart] = Math.max(stepCpuMax[chart], threads.getCurrentThreadCpuTime() - cpu);
        };
        Scene scene = new Scene(view, 1280, 800);
        scene.getStylesheets().add(ConsoleWindow.STYLESHEET);
        stage.setScene(scene);
        stage.setTitle("Costs dashboard benchmark");
        stage.show();
        new AnimationTimer() {
            @Override
            public void handle(long now) {
                if (lastPulse != 0) {
                    maxGap = Math.max(maxGap, now - lastPulse);
                }
                lastPulse = now;
                pulses.countDown();
            }
        }.start();
        Thread driver = new Thread(this::drive, "bench-driver");
        driver.setDaemon(true);
        driver.start();
    }

    private void drive() {
        try {
            Instant to = Instant.now().truncatedTo(ChronoUnit.HOURS);
            Instant from = to.minus(Duration.ofDays(DAYS));
            idle(); // let the window settle
            long idleGap = idle();
            List<long[]> rounds = new ArrayList<>();
            for (int round = 0; round < WARMUP + ROUNDS; round++) {
                if (round == WARMUP) {
                    measure(() -> {
                        Arrays.fill(stepMax, 0);
                        Arrays.fill(stepCpuMax, 0);
                    });
                }
                long b0 = System.nanoTime();
                CostSnapshot s = snapshot(from, to, new Random(round));
                long build = System.nanoTime() - b0;
                long[] show = new long[1];
                long gap = measure(() -> {
                    long t0 = System.nanoTime();
                    view.show(s);
                    show[0] = System.nanoTime() - t0;
                });
                rounds.add(new long[] {build, show[0], gap, s.pointCount()});
            }
            report(idleGap, rounds);
            CountDownLatch steps = new CountDownLatch(1);
            Platform.runLater(() -> {
                System.out.println("    longest step per chart (spend, tenant, latency, tokens, version), wall: "
                        + Arrays.stream(stepMax).mapToObj(CostsDashboardBench::ms).toList());
                System.out.println("    the same in FX-thread CPU time:                                   "
                        + Arrays.stream(stepCpuMax).mapToObj(CostsDashboardBench::ms).toList());
                steps.countDown();
            });
            steps.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Platform.exit();
        }
    }

    /** The longest pulse gap while nothing changes. */
    private long idle() throws InterruptedException {
        return measure(() -> { });
    }

    /** Runs {@code onFx} on the FX thread and returns the longest pulse gap from just before it to {@value #PULSES_AFTER} pulses after. */
    private long measure(Runnable onFx) throws InterruptedException {
        CountDownLatch latch = new CountDownLatch(PULSES_AFTER);
        CountDownLatch ran = new CountDownLatch(1);
        Platform.runLater(() -> {
            maxGap = 0;
            lastPulse = System.nanoTime();
            pulses = latch;
            onFx.run();
            ran.countDown();
        });
        ran.await();
        if (!latch.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no pulses: is the window shown?");
        }
        CountDownLatch read = new CountDownLatch(1);
        Platform.runLater(() -> {
            measuredGap = maxGap;
            read.countDown();
        });
        read.await();
        return measuredGap;
    }

    /** What the daemon would answer for DAYS × 24 hourly buckets × MODELS models, turned into a snapshot. */
    static CostSnapshot snapshot(Instant from, Instant to, Random random) {
        DateTimeFormatter hourKey = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:00'Z'").withZone(ZoneOffset.UTC);
        List<CostGroupInfo> overTime = new ArrayList<>();
        List<CostGroupInfo> perBucket = new ArrayList<>();
        for (Instant h = from; h.isBefore(to); h = h.plus(Duration.ofHours(1))) {
            long hourCalls = 0;
            for (int m = 0; m < MODELS; m++) {
                long calls = 1 + random.nextInt(40);
                hourCalls += calls;
                overTime.add(group(List.of(hourKey.format(h), "provider-" + (m % 3) + "/model-" + m), h, calls,
                        calls * (200 + random.nextInt(4000)) * (m + 1), random));
            }
            perBucket.add(group(List.of(hourKey.format(h)), h, hourCalls, hourCalls * 1500, random));
        }
        List<CostGroupInfo> tenants = new ArrayList<>();
        for (int t = 0; t < 20; t++) {
            tenants.add(group(List.of("tenant-" + t), null, 100, random.nextInt(50_000_000), random));
        }
        List<CostGroupInfo> versions = new ArrayList<>();
        for (int v = 0; v < 30; v++) {
            versions.add(group(List.of("bundle-" + (v % 6) + "@" + Integer.toHexString(0x10000000 + v * 7919)), null,
                    100, random.nextInt(50_000_000), random));
        }
        List<CostlyRunInfo> top = new ArrayList<>();
        for (int r = 0; r < CostsViewModel.TOP_RUNS; r++) {
            top.add(new CostlyRunInfo("run-" + r, "tenant-" + (r % 20), "bundle-" + (r % 6), "abcdef012345",
                    RunState.SUCCEEDED, from, 3, new UsageInfo(3000, 0, 400, 0, 100_000 - r * 500L, true), 0));
        }
        CostGroupInfo total = group(List.of(), null, 1_000_000, 123_456_789_000L, random);
        return CostSnapshot.of(new CostRequest(from, to, CostDimension.HOUR, CostFilter.ALL),
                new CostReport(overTime, total, false), new CostReport(perBucket, total, false),
                new CostReport(tenants, total, false), new CostReport(versions, total, false), top);
    }

    private static CostGroupInfo group(List<String> keys, Instant bucket, long calls, long costMicros, Random random) {
        long p50 = 300 + random.nextInt(900);
        return new CostGroupInfo(keys, bucket, Math.max(1, calls / 3), calls,
                new UsageInfo(calls * 1200, calls * 100, calls * 300, 0, costMicros, true), 0, p50,
                p50 * 2 + random.nextInt(500), p50 * 3 + random.nextInt(2000));
    }

    private static void report(long idleGap, List<long[]> rounds) {
        List<long[]> measured = rounds.subList(WARMUP, rounds.size());
        long[] build = measured.stream().mapToLong(r -> r[0]).sorted().toArray();
        long[] show = measured.stream().mapToLong(r -> r[1]).sorted().toArray();
        long[] gap = measured.stream().mapToLong(r -> r[2]).sorted().toArray();
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        String out = String.join(System.lineSeparator(),
                "Costs dashboard benchmark",
                "  machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java "
                        + System.getProperty("java.version") + ", glass " + System.getProperty("glass.platform", "default")
                        + ", prism " + System.getProperty("prism.order", "default") + ", load average " + load,
                "  points per refresh: " + rounds.get(0)[3] + " (" + DAYS + " days hourly x " + MODELS + " models)",
                "  first refresh (cold): show " + ms(rounds.get(0)[1]) + ", longest pulse gap " + ms(rounds.get(0)[2]),
                "  " + measured.size() + " refreshes after " + WARMUP + " warm-up ones:",
                "    snapshot built off the FX thread: p50 " + ms(pct(build, 50)) + ", max " + ms(build[build.length - 1]),
                "    CostsView.show on the FX thread:  p50 " + ms(pct(show, 50)) + ", max " + ms(show[show.length - 1]),
                "    longest FX pulse gap:             p50 " + ms(pct(gap, 50)) + ", max " + ms(gap[gap.length - 1])
                        + " (goal: max < 100 ms)",
                "  idle pulse gap for reference: " + ms(idleGap),
                "  all gaps (ms): " + Arrays.toString(Arrays.stream(rounds.stream().mapToLong(r -> r[2]).toArray())
                        .map(n -> n / 1_000_000).toArray()));
        System.out.println(out);
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    /** A locator that never finds a daemon: the benchmark feeds the view directly. */
    private static final class NoDaemon implements DaemonLocator {
        @Override
        public Optional<DaemonEndpoint> findServing() {
            return Optional.empty();
        }

        @Override
        public DaemonEndpoint start() {
            throw new IllegalStateException("no daemon in the benchmark");
        }

        @Override
        public DaemonClient connect(DaemonEndpoint endpoint) {
            throw new IllegalStateException("no daemon in the benchmark");
        }

        @Override
        public String describeLocation() {
            return "the benchmark";
        }
    }
}
