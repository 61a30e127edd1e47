package dev.flightdeck.console.view;

import atlantafx.base.theme.PrimerLight;
import dev.flightdeck.console.concurrent.FxUiExecutor;
import dev.flightdeck.console.testing.FakeCosts;
import dev.flightdeck.console.testing.FakeDaemon;
import dev.flightdeck.console.viewmodel.ConsoleViewModel;
import dev.flightdeck.console.viewmodel.CostSnapshot;
import dev.flightdeck.console.viewmodel.CostsViewModel;
import dev.flightdeck.console.viewmodel.UserPrompts;
import dev.flightdeck.proto.v1.RunStatus;
import javafx.animation.AnimationTimer;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The dashboard benchmark (docs/benchmarks.md), a runnable harness rather than a test: the Costs
 * screen in a 1280×800 window, asked through its real request path. A {@link CostsViewModel}
 * connected to the in-process test daemon ({@link FakeDaemon}, over gRPC) refreshes a custom
 * range of {@value #MAX_DAYS} days — the longest the screen asks, in daily buckets — over
 * calls of {@code bench.models} models: 400 days × 25 models = 10,000 (day, model) groups, the
 * daemon's default group limit. The five queries run side by side and the snapshot is built off
 * the FX thread as in the console; the FX thread applies the answer (totals, table, filter
 * choices) and draws the charts. An AnimationTimer records every pulse; the figure is the
 * longest gap between two pulses from the moment the refresh is asked until the last chart is
 * drawn and 12 more pulses have passed (goal: never over 100 ms).
 *
 * <p>Run with {@code app-desktop/bench.sh} (headless Monocle) or under Xvfb with {@code -Dglass.platform=gtk}.
 * Sizes: {@code -Dbench.days=400 -Dbench.models=25 -Dbench.rounds=20}; without the Costs screen's
 * background warm-up (to compare the cold first refresh): {@code -Dflightdeck.console.costsWarmUp=false}.
 */
public final class CostsDashboardBench extends Application {
    /** Main class (JavaFX is on the class path). */
    public static final class Main {
        public static void main(String[] args) {
            Application.launch(CostsDashboardBench.class, args);
        }
    }

    private static final int MAX_DAYS = 400;
    private static final int DAYS = Integer.getInteger("bench.days", MAX_DAYS);
    private static final int MODELS = Integer.getInteger("bench.models", 25);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 20);
    /**
     * How many times the test daemon answers the screen's five queries, called in process with no
     * console code involved, before the console's first refresh: the console is then cold against
     * a daemon that has been running, as when a user opens the console on a running flightdeckd
     * (another process: its aggregation code is compiled already, and no JIT compiles it while the
     * console draws). 0 measures a cold console against a cold daemon in one JVM.
     */
    private static final int DAEMON_WARM_UP = Integer.getInteger("bench.daemonWarmUp", 30);
    private static final int WARMUP = 3;
    private static final int PULSES_AFTER = 12;

    private FakeDaemon daemon;
    private ConsoleViewModel console;
    private CostsView view;
    /** Written and read on the FX thread only (the driver resets them through runLater). */
    private long lastPulse;
    /** FX-thread CPU time at the last pulse: how much of a gap was the FX thread's own work. */
    private long lastPulseCpu;
    private final java.lang.management.ThreadMXBean fxCpu = ManagementFactory.getThreadMXBean();
    private long maxGap;
    /** Checked on every pulse: once true, {@link #pulses} counts down. FX thread only. */
    private BooleanSupplier settled = () -> true;
    private volatile CountDownLatch pulses = new CountDownLatch(0);
    private volatile long measuredGap;
    /** When the last refresh was asked and answered (System.nanoTime), FX thread only. */
    private long askedAt;
    private long answeredAt;
    /** Longest pulse gap of the last refresh before its answer arrived (FX thread only). */
    private long gapWhileAsking;
    /** Longest time each chart's step held the FX thread, in draw order (FX thread only). */
    private final long[] stepMax = new long[5];
    /** The same in FX-thread CPU time: what drawing costs, whatever else the machine is doing. */
    private final long[] stepCpuMax = new long[5];
    private int stepNo;
    /** From building the screen to the end of its background warm-up (CostsWarmUp). */
    private volatile long warmUpMillis;
    /** The cold refresh's pulse gaps over {@value #TRACED_GAP_MS} ms and what ran before each (FX thread only, while {@link #tracing}). */
    private final StringBuilder trace = new StringBuilder();
    private boolean tracing;
    /** What ran on the FX thread since the last pulse began: the answer applied, chart steps. */
    private final StringBuilder sincePulse = new StringBuilder();
    private static final long TRACED_GAP_MS = 25;
    /** True from showing the window until the warm-up is done (FX thread only). */
    private boolean startingUp = true;
    private long shownAt;
    /** Longest pulse gap while {@link #startingUp}, and every gap over {@value #TRACED_GAP_MS} ms then. */
    private long startupMaxGap;
    /** The same after the window's first {@value #FIRST_PULSES} pulses (its first CSS and layout); pulses counted from show. */
    private long startupMaxGapLater;
    private int startupPulses;
    /** Pulse time and FX-thread CPU at the last pulse, for the start-up figures only (the driver's measure() resets the others). */
    private long lastStartupPulse;
    private long lastStartupCpu;
    /** Pulse gaps while the warm-up's part on the FX thread fills the hidden table (FX thread only). */
    private boolean tableWasHidden;
    private long tableWarmUpMaxGap;
    private long tableWarmUpMaxCpu;
    private int tableWarmUpGaps;
    /** Pulse gaps after the table's warm-up until the end of start-up: any later part of the warm-up (FX thread only). */
    private boolean afterTable;
    private long laterWarmUpMaxGap;
    private long laterWarmUpMaxCpu;
    private int laterWarmUpGaps;
    private static final int FIRST_PULSES = 10;
    private final StringBuilder startupTrace = new StringBuilder();
    /** Thread CPU times at the last pulse, while a trace is kept (FX thread only). */
    private CpuSample lastSample;
    private CpuSample lastStartupSample;
    /** Taken when an answer is applied; the cold refresh's thread groups' CPU from there to the end (FX thread only). */
    private CpuSample atAnswer;
    private volatile String coldAfterAnswer = "";
    private static final String[] CHARTS = {"spend", "tenant", "latency", "tokens", "version"};

    @Override
    public void start(Stage stage) throws Exception {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        daemon = new FakeDaemon();
        LocalDate lastDay = LocalDate.now(ZoneOffset.UTC);
        LocalDate firstDay = lastDay.minusDays(DAYS - 1L);
        seed(daemon, firstDay, DAYS, new Random(42));
        FxUiExecutor ui = new FxUiExecutor(4, 64);
        console = new ConsoleViewModel(ui, daemon.locator(), UserPrompts.answering(false), Clock.systemUTC(),
                Duration.ofSeconds(10), false);
        CostsViewModel costs = console.costs();
        costs.rangeProperty().set(CostsViewModel.Range.CUSTOM);
        costs.customFromProperty().set(firstDay);
        costs.customToProperty().set(lastDay);
        long built = System.nanoTime();
        view = new CostsView(costs, run -> { });
        CostsWarmUp.done().thenRun(() -> {
            warmUpMillis = (System.nanoTime() - built) / 1_000_000;
            Platform.runLater(() -> startingUp = false);
        });
        costs.snapshotProperty().addListener((obs, old, s) -> {
            answeredAt = System.nanoTime();
            atAnswer = CpuSample.take();
            gapWhileAsking = maxGap; // the queries ran in the background until now; the FX thread's own work follows
            maxGap = 0;
            sincePulse.append(" answer");
        });
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        view.runStep = step -> {
            int chart = stepNo++ % stepMax.length;
            long wall = System.nanoTime();
            long cpu = threads.getCurrentThreadCpuTime();
            step.run();
            sincePulse.append(' ').append(CHARTS[chart]).append(' ').append(ms(System.nanoTime() - wall));
            stepMax[chart] = Math.max(stepMax[chart], System.nanoTime() - wall);
            stepCpuMax[chart] = Math.max(stepCpuMax[chart], threads.getCurrentThreadCpuTime() - cpu);
        };
        Scene scene = new Scene(view, 1280, 800);
        scene.getStylesheets().add(ConsoleWindow.STYLESHEET);
        stage.setScene(scene);
        stage.setTitle("Costs dashboard benchmark");
        stage.show();
        shownAt = System.nanoTime();
        new AnimationTimer() {
            @Override
            public void handle(long now) {
                if (lastStartupPulse != 0 && startingUp) {
                    long gap = now - lastStartupPulse;
                    startupMaxGap = Math.max(startupMaxGap, gap);
                    if (++startupPulses > FIRST_PULSES) {
                        startupMaxGapLater = Math.max(startupMaxGapLater, gap);
                    }
                    if (gap > TimeUnit.MILLISECONDS.toNanos(TRACED_GAP_MS)) {
                        startupTrace.append(startupTrace.isEmpty() ? "" : "; ").append(ms(gap))
                                .append(" (FX CPU ").append(ms(fxCpu.getCurrentThreadCpuTime() - lastStartupCpu))
                                .append(", ").append(lastStartupSample == null ? "-" : CpuSample.take().since(lastStartupSample))
                                .append(") ending ").append(ms(now - shownAt)).append(" after show");
                    }
                }
                // The warm-up hides the table while it fills it: a gap at either end of which the
                // table was hidden holds one of its steps, or the CSS and layout that step asked.
                boolean hidden = startingUp && view.lookup("#topRunsTable") != null
                        && !view.lookup("#topRunsTable").isVisible(); // looked up only while starting up
                if (lastStartupPulse != 0 && startingUp && (hidden || tableWasHidden)) {
                    tableWarmUpGaps++;
                    tableWarmUpMaxGap = Math.max(tableWarmUpMaxGap, now - lastStartupPulse);
                    tableWarmUpMaxCpu = Math.max(tableWarmUpMaxCpu, fxCpu.getCurrentThreadCpuTime() - lastStartupCpu);
                }
                if (lastStartupPulse != 0 && startingUp && afterTable) {
                    laterWarmUpGaps++;
                    laterWarmUpMaxGap = Math.max(laterWarmUpMaxGap, now - lastStartupPulse);
                    laterWarmUpMaxCpu = Math.max(laterWarmUpMaxCpu, fxCpu.getCurrentThreadCpuTime() - lastStartupCpu);
                }
                afterTable |= tableWasHidden && !hidden; // the table shows again: what follows is any later part of the warm-up
                tableWasHidden = hidden;
                lastStartupPulse = now;
                lastStartupCpu = fxCpu.getCurrentThreadCpuTime();
                lastStartupSample = startingUp ? CpuSample.take() : null;
                if (lastPulse != 0) {
                    maxGap = Math.max(maxGap, now - lastPulse);
                    if (tracing && now - lastPulse > TimeUnit.MILLISECONDS.toNanos(TRACED_GAP_MS)) {
                        trace.append(trace.isEmpty() ? "" : "; ").append(ms(now - lastPulse)).append(" (FX CPU ")
                                .append(ms(fxCpu.getCurrentThreadCpuTime() - lastPulseCpu)).append(", ")
                                .append(lastSample == null ? "-" : CpuSample.take().since(lastSample)).append(')')
                                .append(sincePulse.isEmpty() ? "" : " after" + sincePulse);
                    }
                }
                lastPulse = now;
                lastPulseCpu = fxCpu.getCurrentThreadCpuTime();
                lastSample = tracing ? CpuSample.take() : null;
                sincePulse.setLength(0);
                if (settled.getAsBoolean()) {
                    pulses.countDown();
                }
            }
        }.start();
        console.start(false);
        Thread driver = new Thread(this::drive, "bench-driver");
        driver.setDaemon(true);
        driver.start();
    }

    private void drive() {
        try {
            long connectBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!onFx(() -> console.connection().getClient() != null)) {
                if (System.nanoTime() > connectBy) {
                    throw new IllegalStateException("not connected to the test daemon");
                }
                idle();
            }
            // The console refreshes the Costs screen when its tab is first opened; the warm-up
            // started with the screen runs before that (its duration is reported).
            CostsWarmUp.done().get(60, TimeUnit.SECONDS);
            warmTheDaemon(console.costs());
            idle(); // let the window settle
            long idleGap = idle();
            CostsViewModel costs = console.costs();
            List<long[]> rounds = new ArrayList<>();
            int[] points = new int[2];
            for (int round = 0; round < WARMUP + ROUNDS; round++) {
                if (round == WARMUP) {
                    measure(() -> {
                        Arrays.fill(stepMax, 0);
                        Arrays.fill(stepCpuMax, 0);
                    }, () -> true);
                }
                CostSnapshot before = onFx(() -> costs.snapshotProperty().get());
                long gc0 = gcMillis();
                boolean cold = round == 0;
                long gapAfterAnswer = measure(() -> {
                    tracing = cold;
                    askedAt = System.nanoTime();
                    costs.refresh();
                }, () -> costs.snapshotProperty().get() != before && !view.drawing() && !costs.loadingProperty().get());
                long gc = gcMillis() - gc0;
                if (cold) {
                    coldAfterAnswer = onFx(() -> CpuSample.take().schedSince(atAnswer));
                }
                long beforeAnswer = onFx(() -> gapWhileAsking);
                long gap = Math.max(beforeAnswer, gapAfterAnswer);
                long answer = onFx(() -> answeredAt - askedAt);
                CostSnapshot s = onFx(() -> costs.snapshotProperty().get());
                if (s.request() == null || !onFx(() -> costs.errorProperty().get()).isEmpty()) {
                    throw new IllegalStateException("refresh failed: " + onFx(() -> costs.errorProperty().get()));
                }
                if (s.truncated()) {
                    throw new IllegalStateException("the daemon cut the group list: ask for fewer days or models");
                }
                points[0] = s.pointCount();
                points[1] = DAYS * MODELS; // one seeded call per (day, model)
                rounds.add(new long[] {answer, gap, beforeAnswer, gapAfterAnswer, gc});
            }
            report(idleGap, rounds, points, onFx(() -> trace.toString()));
            System.out.println("  COLD refresh from the answer to the last chart + " + PULSES_AFTER + " pulses, per thread group"
                    + " (fx, render = QuantumRenderer, jit = C1/C2 compiler threads, gc = GC threads, timer = pulse timer): "
                    + coldAfterAnswer);
            System.out.println(Boolean.parseBoolean(System.getProperty(CostsWarmUp.ENABLED_PROPERTY, "true"))
                    ? "  background warm-up of the Costs screen (CostsWarmUp) done " + warmUpMillis
                    + " ms after the screen was built; the first refresh was asked after it"
                    : "  WITHOUT the background warm-up (-D" + CostsWarmUp.ENABLED_PROPERTY + "=false)");
            System.out.println("  start-up, from showing the window to the end of the warm-up: longest FX pulse gap "
                    + onFx(() -> ms(startupMaxGap)) + ", after the window's first " + FIRST_PULSES + " pulses "
                    + onFx(() -> ms(startupMaxGapLater)) + " (" + onFx(() -> startupPulses) + " pulses); gaps over "
                    + TRACED_GAP_MS + " ms: "
                    + onFx(() -> startupTrace.isEmpty() ? "none" : startupTrace.toString()));
            System.out.println("    of which the table's warm-up on the FX thread (table hidden): " + onFx(() -> tableWarmUpGaps)
                    + " gaps, longest " + onFx(() -> ms(tableWarmUpMaxGap)) + ", most FX CPU in one gap "
                    + onFx(() -> ms(tableWarmUpMaxCpu)));
            System.out.println("    then, from the table's warm-up to the end of start-up: " + onFx(() -> laterWarmUpGaps)
                    + " gaps, longest " + onFx(() -> ms(laterWarmUpMaxGap)) + ", most FX CPU in one gap "
                    + onFx(() -> ms(laterWarmUpMaxCpu)));
            System.out.println("    longest step per chart (spend, tenant, latency, tokens, version), wall: "
                    + onFx(() -> Arrays.stream(stepMax).mapToObj(CostsDashboardBench::ms).toList()));
            System.out.println("    the same in FX-thread CPU time:                                   "
                    + onFx(() -> Arrays.stream(stepCpuMax).mapToObj(CostsDashboardBench::ms).toList()));
        } catch (Exception e) {
            e.printStackTrace();
        } finally {
            Platform.runLater(() -> {
                console.close();
                daemon.close();
                Platform.exit();
            });
        }
    }

    /** Milliseconds all garbage collectors have paused or worked so far. */
    /** {@link #DAEMON_WARM_UP} rounds of the screen's queries, straight to the test daemon's service. */
    private void warmTheDaemon(CostsViewModel costs) throws Exception {
        if (DAEMON_WARM_UP == 0) {
            return;
        }
        LocalDate from = onFx(() -> costs.customFromProperty().get());
        LocalDate to = onFx(() -> costs.customToProperty().get()).plusDays(1);
        dev.flightdeck.proto.v1.QueryCostRequest.Builder base = dev.flightdeck.proto.v1.QueryCostRequest.newBuilder()
                .setFrom(timestamp(from)).setTo(timestamp(to));
        List<dev.flightdeck.proto.v1.QueryCostRequest> queries = List.of(
                base.clone().addGroupBy(dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_DAY)
                        .addGroupBy(dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_MODEL).build(),
                base.clone().addGroupBy(dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_DAY).build(),
                base.clone().addGroupBy(dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_TENANT).build(),
                base.clone().addGroupBy(dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_BUNDLE_VERSION).build());
        dev.flightdeck.proto.v1.TopRunsRequest top = dev.flightdeck.proto.v1.TopRunsRequest.newBuilder()
                .setFrom(timestamp(from)).setTo(timestamp(to)).setLimit(CostsViewModel.TOP_RUNS).build();
        long start = System.nanoTime();
        for (int i = 0; i < DAEMON_WARM_UP; i++) {
            for (dev.flightdeck.proto.v1.QueryCostRequest q : queries) {
                daemon.costs.queryCost(q, new Discard<>());
            }
            daemon.costs.topRuns(top, new Discard<>());
        }
        daemon.costs.queries.clear();
        daemon.costs.topRunsRequests.clear();
        long answered = System.nanoTime();
        // The JIT compiles what the warm-up made hot after it: wait until it is done (a quarter
        // of a second with under 5 ms of compiling), or that would fall into the refresh.
        var jit = ManagementFactory.getCompilationMXBean();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (long before = -1, now = jit.getTotalCompilationTime(); now - before >= 5 && System.nanoTime() < deadline;
             before = now, now = jit.getTotalCompilationTime()) {
            Thread.sleep(250); // sampling the JIT's clock, not waiting for a state
        }
        System.out.printf("  the test daemon answered the screen's queries %d times in process before the first refresh"
                + " (%d ms, then %d ms until the JIT was idle): a running daemon, a cold console"
                + " (-Dbench.daemonWarmUp=0: both cold)%n", DAEMON_WARM_UP, (answered - start) / 1_000_000,
                (System.nanoTime() - answered) / 1_000_000);
    }

    private static com.google.protobuf.Timestamp timestamp(LocalDate day) {
        return com.google.protobuf.Timestamp.newBuilder().setSeconds(day.atStartOfDay(ZoneOffset.UTC).toEpochSecond())
                .build();
    }

    /** Takes an answer and drops it. */
    private static final class Discard<T> implements io.grpc.stub.StreamObserver<T> {
        @Override
        public void onNext(T value) {
        }

        @Override
        public void onError(Throwable t) {
            throw new IllegalStateException("the test daemon failed a warm-up query", t);
        }

        @Override
        public void onCompleted() {
        }
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime).sum();
    }

    private static <T> T onFx(java.util.concurrent.Callable<T> read) throws Exception {
        java.util.concurrent.FutureTask<T> task = new java.util.concurrent.FutureTask<>(read);
        Platform.runLater(task);
        return task.get(30, TimeUnit.SECONDS);
    }

    /** The longest pulse gap while nothing changes. */
    private long idle() throws InterruptedException {
        return measure(() -> { }, () -> true);
    }

    /**
     * Runs {@code onFx} on the FX thread and returns the longest pulse gap from just before it
     * until {@code done} holds and {@value #PULSES_AFTER} more pulses have passed.
     */
    private long measure(Runnable onFx, BooleanSupplier done) throws InterruptedException {
        CountDownLatch latch = new CountDownLatch(PULSES_AFTER);
        CountDownLatch ran = new CountDownLatch(1);
        Platform.runLater(() -> {
            maxGap = 0;
            lastPulse = System.nanoTime();
            settled = done;
            pulses = latch;
            onFx.run();
            lastSample = tracing ? CpuSample.take() : null;
            ran.countDown();
        });
        ran.await();
        if (!latch.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no pulses or no answer: is the window shown?");
        }
        CountDownLatch read = new CountDownLatch(1);
        Platform.runLater(() -> {
            measuredGap = maxGap;
            read.countDown();
        });
        read.await();
        return measuredGap;
    }

    /**
     * One call per day and model (spread over 20 tenants, 6 bundles × 5 versions and 100 runs),
     * so the (day, model) query answers DAYS × MODELS groups.
     */
    static void seed(FakeDaemon daemon, LocalDate firstDay, int days, Random random) {
        for (int d = 0; d < days; d++) {
            Instant day = firstDay.plusDays(d).atStartOfDay(ZoneOffset.UTC).toInstant();
            for (int m = 0; m < MODELS; m++) {
                int run = random.nextInt(100);
                daemon.costs.add(new FakeCosts.Call("run-" + run, "tenant-" + (run % 20), "bundle-" + (run % 6),
                        Integer.toHexString(0x10000000 + (run % 30) * 7919), RunStatus.RUN_STATUS_SUCCEEDED,
                        "provider-" + (m % 3), "model-" + m, day.plusSeconds(random.nextInt(86_400)),
                        200 + random.nextInt(4000), 50 + random.nextInt(800), (1 + random.nextInt(40_000)) * (m + 1L),
                        true, 300 + random.nextInt(3000)));
            }
        }
    }

    private static void report(long idleGap, List<long[]> rounds, int[] points, String coldTrace) {
        List<long[]> measured = rounds.subList(WARMUP, rounds.size());
        long[] answer = measured.stream().mapToLong(r -> r[0]).sorted().toArray();
        long[] gap = measured.stream().mapToLong(r -> r[1]).sorted().toArray();
        long[] asking = measured.stream().mapToLong(r -> r[2]).sorted().toArray();
        long[] drawing = measured.stream().mapToLong(r -> r[3]).sorted().toArray();
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        String out = String.join(System.lineSeparator(),
                "Costs dashboard benchmark",
                "  machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java "
                        + System.getProperty("java.version") + ", glass " + System.getProperty("glass.platform", "default")
                        + ", prism " + System.getProperty("prism.order", "default") + ", load average " + load,
                "  request: custom range of " + DAYS + " days (daily buckets) x " + MODELS + " models, through"
                        + " CostsViewModel.refresh and the in-process test daemon",
                "  per refresh: " + points[1] + " (day, model) groups answered; " + points[0]
                        + " values in the snapshot's time series (13 spend layers, 3 latency, 2 tokens)",
                "  COLD first refresh of this JVM: longest FX pulse gap " + ms(rounds.get(0)[1])
                        + " (while the queries ran " + ms(rounds.get(0)[2]) + ", after the answer " + ms(rounds.get(0)[3])
                        + "; goal: < 100 ms), asked -> answer applied " + ms(rounds.get(0)[0]),
                "    its pulse gaps over " + TRACED_GAP_MS + " ms, after what ran on the FX thread before them: "
                        + (coldTrace.isEmpty() ? "none" : coldTrace),
                "  " + measured.size() + " refreshes after " + WARMUP + " warm-up ones:",
                "    asked -> answer applied (5 queries + snapshot, off the FX thread): p50 " + ms(pct(answer, 50))
                        + ", max " + ms(answer[answer.length - 1]),
                "    longest FX pulse gap, asked -> drawn + " + PULSES_AFTER + " pulses: p50 " + ms(pct(gap, 50))
                        + ", max " + ms(gap[gap.length - 1]) + " (goal: max < 100 ms)",
                "      while the queries ran (FX thread idle):  p50 " + ms(pct(asking, 50)) + ", max "
                        + ms(asking[asking.length - 1]),
                "      after the answer (FX thread applies and draws): p50 " + ms(pct(drawing, 50)) + ", max "
                        + ms(drawing[drawing.length - 1]),
                "  idle pulse gap for reference: " + ms(idleGap),
                "  GC time per refresh (ms): " + Arrays.toString(rounds.stream().mapToLong(r -> r[4]).toArray()),
                "  all gaps (ms): " + Arrays.toString(Arrays.stream(rounds.stream().mapToLong(r -> r[1]).toArray())
                        .map(n -> n / 1_000_000).toArray()));
        System.out.println(out);
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    /**
     * CPU time of every thread of this JVM at one moment, with GC and JIT time, so that a pulse
     * gap can be split into who ran in it: the FX thread, JavaFX's render thread (QuantumRenderer,
     * which rasterises the scene in software here and which a pulse waits for), the other Java
     * threads (the in-process test daemon's gRPC and aggregation threads, the harness), and what
     * no Java thread accounts for (JIT compiler and GC worker threads are hidden from ThreadMXBean:
     * the process's CPU time less the Java threads').
     */
    static final class CpuSample {
        private static final com.sun.management.ThreadMXBean THREADS =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        private static final com.sun.management.OperatingSystemMXBean OS =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        /** Thread names by id, looked up once per thread (FX thread only). */
        private static final java.util.Map<Long, String> NAMES = new java.util.HashMap<>();
        private final long[] ids;
        private final long[] cpu;
        private final long process;
        private final long gc;
        private final long jit;
        /** Per thread group (see {@link #group}): run time and time runnable but waiting for a core, from Linux's schedstat. */
        private final java.util.Map<String, long[]> sched = new java.util.HashMap<>();
        /** Native thread names by task id (Linux truncates them to 15 characters), read once per task. */
        private static final java.util.Map<String, String> COMMS = new java.util.HashMap<>();

        private CpuSample() {
            ids = THREADS.getAllThreadIds();
            cpu = THREADS.getThreadCpuTime(ids);
            process = OS.getProcessCpuTime();
            gc = gcMillis();
            jit = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
            readSchedstat();
            for (long id : ids) {
                if (!NAMES.containsKey(id)) {
                    java.lang.management.ThreadInfo info = THREADS.getThreadInfo(id);
                    NAMES.put(id, info == null ? "?" : info.getThreadName());
                }
            }
        }

        /**
         * Linux only (elsewhere nothing is recorded): /proc/self/task/TID/schedstat holds the
         * thread's run time and the time it was runnable but waited on a run queue — waiting for a
         * core, which ThreadMXBean cannot tell apart from sleeping or waiting for a lock.
         */
        private void readSchedstat() {
            java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
            if (tasks == null) {
                return;
            }
            for (java.io.File task : tasks) {
                try {
                    String comm = COMMS.get(task.getName());
                    if (comm == null) {
                        comm = java.nio.file.Files.readString(new java.io.File(task, "comm").toPath()).trim();
                        COMMS.put(task.getName(), comm);
                    }
                    String[] stat = java.nio.file.Files.readString(new java.io.File(task, "schedstat").toPath())
                            .trim().split(" ");
                    long[] sum = sched.computeIfAbsent(group(comm), g -> new long[2]);
                    sum[0] += Long.parseLong(stat[0]);
                    sum[1] += Long.parseLong(stat[1]);
                    long[] all = sched.computeIfAbsent("all", g -> new long[2]);
                    all[0] += Long.parseLong(stat[0]);
                    all[1] += Long.parseLong(stat[1]);
                } catch (java.io.IOException | RuntimeException e) {
                    // the thread ended while being read: it has no share of the next gap
                }
            }
        }

        private static String group(String comm) {
            if (comm.startsWith("JavaFX Applicat")) {
                return "fx";
            } else if (comm.startsWith("QuantumRenderer")) {
                return "render";
            } else if (comm.contains("Timer")) { // Monocle's; gRPC's is "grpc-timer-0"
                return "timer"; // the pulse timer: a late timer is a late pulse
            } else if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                return "jit";
            } else if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
                return "gc";
            }
            return "other";
        }

        /** Run time and waiting for a core per thread group from {@code before} to this sample (Linux only). */
        String schedSince(CpuSample before) {
            if (sched.isEmpty()) {
                return "(no schedstat on this system)";
            }
            List<String> groups = List.of("fx", "render", "jit", "gc", "timer", "other", "all");
            return "CPU:" + deltas(before, groups, 0) + "; waiting for a core:" + deltas(before, groups, 1);
        }

        private String waits(CpuSample before) {
            return sched.isEmpty() ? "" : "; waiting for a core (runnable, not running):"
                    + deltas(before, List.of("fx", "render", "timer", "other", "all"), 1);
        }

        /** " group 1.2 ms" for each group: schedstat field {@code field} (0 run time, 1 waiting) since {@code before}. */
        private String deltas(CpuSample before, List<String> groups, int field) {
            StringBuilder out = new StringBuilder();
            for (String g : groups) {
                long now = sched.getOrDefault(g, new long[2])[field];
                long was = before.sched.getOrDefault(g, new long[2])[field];
                out.append(' ').append(g).append(' ').append(ms(now - was));
            }
            return out.toString();
        }

        /** Now (FX thread). */
        static CpuSample take() {
            return new CpuSample();
        }

        /** Who used the CPU from {@code before} to this sample. */
        String since(CpuSample before) {
            // The FX thread's own CPU is printed by the caller, measured the same way as before.
            java.util.Map<Long, Long> was = new java.util.HashMap<>();
            for (int i = 0; i < before.ids.length; i++) {
                was.put(before.ids[i], before.cpu[i]);
            }
            long render = 0;
            long others = 0;
            long javaCpu = 0;
            String top = "";
            long topCpu = 0;
            for (int i = 0; i < ids.length; i++) {
                if (cpu[i] < 0) {
                    continue; // ended
                }
                long used = cpu[i] - Math.max(0, was.getOrDefault(ids[i], 0L));
                javaCpu += used;
                String name = NAMES.get(ids[i]);
                if (name.startsWith("QuantumRenderer")) {
                    render += used;
                } else if (!name.equals("JavaFX Application Thread")) {
                    others += used;
                    if (used > topCpu) {
                        topCpu = used;
                        top = name;
                    }
                }
            }
            String uptime = String.format(java.util.Locale.ROOT, "%.3f s",
                    ManagementFactory.getRuntimeMXBean().getUptime() / 1e3);
            String most = topCpu > 1_000_000 ? " (most: " + top + " " + ms(topCpu) + ")" : "";
            return "JVM uptime " + uptime + ", process CPU " + ms(process - before.process) + ": render " + ms(render)
                    + ", other Java threads " + ms(others) + most + ", non-Java threads (JIT, GC, VM) "
                    + ms(Math.max(0, process - before.process - javaCpu)) + "; GC pauses " + (gc - before.gc)
                    + " ms; JIT compilations ending in it " + (jit - before.jit) + " ms" + waits(before);
        }
    }

    private static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f ms", nanos / 1e6);
    }
}
