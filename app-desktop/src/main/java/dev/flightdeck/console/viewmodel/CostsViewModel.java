package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.CostDimension;
import dev.flightdeck.client.CostFilter;
import dev.flightdeck.client.CostGroupInfo;
import dev.flightdeck.client.CostQuery;
import dev.flightdeck.client.CostReport;
import dev.flightdeck.client.CostlyRunInfo;
import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.console.concurrent.UiExecutor;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Costs screen: spend, tokens and latency of model calls over a time range, by model, tenant
 * and bundle version, with the most expensive runs. While the screen is shown ({@link #setActive})
 * it asks again every {@link #REFRESH_EVERY}, and {@link #DEBOUNCE} after runs change. The five
 * queries of a refresh run in parallel under one {@link #QUERY_DEADLINE}. A new range, filter or
 * daemon cancels the refresh in flight and asks at once; an older answer never replaces a newer
 * one. A timer tick or a burst of run changes during a refresh asks again once it is answered.
 * Failures show in the screen ({@link #errorProperty()}), not in the notification area; the CSV
 * export has its own status line ({@link #exportStatusProperty()}).
 */
public final class CostsViewModel {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CostsViewModel.class);
    /** How often the shown screen asks again. */
    public static final Duration REFRESH_EVERY = Duration.ofSeconds(5);
    /** How long a burst of run changes is gathered before one refresh. */
    public static final Duration DEBOUNCE = Duration.ofSeconds(1);
    /** How many of the most expensive runs the table lists. */
    public static final int TOP_RUNS = 100;
    /** How long the five queries of one refresh may take together (they run in parallel). */
    public static final Duration QUERY_DEADLINE = DaemonClient.DEFAULT_DEADLINE;

    /** The ranges the picker offers; CUSTOM uses {@link #customFromProperty()} and {@link #customToProperty()}. */
    public enum Range {
        LAST_HOUR("Last hour", Duration.ofHours(1)),
        LAST_DAY("Last 24 hours", Duration.ofDays(1)),
        LAST_7_DAYS("Last 7 days", Duration.ofDays(7)),
        LAST_30_DAYS("Last 30 days", Duration.ofDays(30)),
        CUSTOM("Custom…", null);

        private final String label;
        private final Duration length;

        Range(String label, Duration length) {
            this.label = label;
            this.length = length;
        }

        public String label() {
            return label;
        }
    }

    private final UiExecutor ui;
    private final ConnectionViewModel connection;
    private final NotificationsViewModel notifications;
    private final Clock clock;

    private final ObjectProperty<Range> range = new SimpleObjectProperty<>(Range.LAST_DAY);
    private final ObjectProperty<LocalDate> customFrom = new SimpleObjectProperty<>();
    private final ObjectProperty<LocalDate> customTo = new SimpleObjectProperty<>();
    private final ObjectProperty<String> tenant = new SimpleObjectProperty<>();
    private final ObjectProperty<String> bundle = new SimpleObjectProperty<>();
    private final ObjectProperty<String> model = new SimpleObjectProperty<>();
    private final ObservableList<String> tenants = FXCollections.observableArrayList();
    private final ObservableList<String> bundles = FXCollections.observableArrayList();
    private final ObservableList<String> models = FXCollections.observableArrayList();
    private final ObservableList<CostlyRunInfo> topRuns = FXCollections.observableArrayList();
    private final ReadOnlyObjectWrapper<CostSnapshot> snapshot = new ReadOnlyObjectWrapper<>(CostSnapshot.EMPTY);
    private final ReadOnlyBooleanWrapper loading = new ReadOnlyBooleanWrapper();
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper notice = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper exportStatus = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper exportError = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper spend = new ReadOnlyStringWrapper("—");
    private final ReadOnlyStringWrapper calls = new ReadOnlyStringWrapper("—");
    private final ReadOnlyStringWrapper tokens = new ReadOnlyStringWrapper("—");
    private final ReadOnlyStringWrapper p95 = new ReadOnlyStringWrapper("—");
    private final ReadOnlyStringWrapper unpriced = new ReadOnlyStringWrapper("");

    private boolean active;
    /** The refresh in flight, null when none: only its answer is applied. */
    private Fetch current;
    /** The {@link #generation} {@link #current} asks about. */
    private long currentGeneration;
    /** A refresh of the same question was asked while one was in flight: ask again after it. */
    private boolean again;
    /** Bumped when what is asked changes (range, filter, daemon): the refresh in flight is cancelled. */
    private long generation;
    /** The next answer comes from another daemon (or a reconnect): filter choices start afresh. */
    private boolean choicesFromNewDaemon;
    private Duration queryDeadline = QUERY_DEADLINE;
    /** Runs the queries of a refresh side by side (the UI executor's task waits for them). */
    private final java.util.concurrent.ThreadPoolExecutor queries = queryPool();
    private UiExecutor.Cancellable nextRefresh;
    private UiExecutor.Cancellable debounce;
    /** Bumped when timers are called off: a timer of an older epoch that fires anyway does nothing. */
    private long timerEpoch;
    private boolean closed;

    public CostsViewModel(UiExecutor ui, ConnectionViewModel connection, NotificationsViewModel notifications,
                          Clock clock) {
        this.ui = ui;
        this.connection = connection;
        this.notifications = notifications;
        this.clock = clock;
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        customFrom.set(today.minusDays(6));
        customTo.set(today);
        for (ObjectProperty<?> p : List.of(range, customFrom, customTo, tenant, bundle, model)) {
            p.addListener((obs, old, v) -> askedChanged());
        }
        connection.clientProperty().addListener((obs, old, client) -> {
            if (client != null) {
                choicesFromNewDaemon = true;
                generation++;
                if (active) {
                    refresh();
                }
            }
        });
    }

    // ---- what the view binds to ---------------------------------------------------------------

    public ObjectProperty<Range> rangeProperty() {
        return range;
    }

    /** First day of a custom range (UTC), inclusive. */
    public ObjectProperty<LocalDate> customFromProperty() {
        return customFrom;
    }

    /** Last day of a custom range (UTC), inclusive. */
    public ObjectProperty<LocalDate> customToProperty() {
        return customTo;
    }

    /** Tenant to keep; null for all. */
    public ObjectProperty<String> tenantProperty() {
        return tenant;
    }

    /** Bundle name to keep; null for all. */
    public ObjectProperty<String> bundleProperty() {
        return bundle;
    }

    /** Model ({@code provider/model}) to keep; null for all. */
    public ObjectProperty<String> modelProperty() {
        return model;
    }

    /** Tenants seen in the answers so far, sorted (the tenant filter's choices). */
    public ObservableList<String> tenants() {
        return tenants;
    }

    public ObservableList<String> bundles() {
        return bundles;
    }

    public ObservableList<String> models() {
        return models;
    }

    /** The most expensive runs of the range, most expensive first. */
    public ObservableList<CostlyRunInfo> topRuns() {
        return topRuns;
    }

    /** The latest answer, ready to draw. */
    public ReadOnlyObjectProperty<CostSnapshot> snapshotProperty() {
        return snapshot.getReadOnlyProperty();
    }

    /** True while queries are in flight. */
    public ReadOnlyBooleanProperty loadingProperty() {
        return loading.getReadOnlyProperty();
    }

    /** Why the last refresh failed; empty when it worked. */
    public ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }

    /**
     * A passing state the screen waits out and asks again (the daemon still loading its costs
     * after a start); empty otherwise, and never at the same time as {@link #errorProperty()}.
     * Information for the user, not a failure.
     */
    public ReadOnlyStringProperty noticeProperty() {
        return notice.getReadOnlyProperty();
    }

    /** Shows {@code text} as the screen's failure, replacing any notice. */
    private void fail(String text) {
        notice.set("");
        error.set(text);
    }

    /** A line about the data: when it was read, whether the group list was cut. */
    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }

    /** How the last CSV export went ("Exported 3 runs to top-runs.csv"); stays until the next export. */
    public ReadOnlyStringProperty exportStatusProperty() {
        return exportStatus.getReadOnlyProperty();
    }

    /** Why the last CSV export failed; empty when it worked. Stays until the next export. */
    public ReadOnlyStringProperty exportErrorProperty() {
        return exportError.getReadOnlyProperty();
    }

    /** Spend of the range ("$1.2345", "$1.2345 + unpriced", "unpriced"). */
    public ReadOnlyStringProperty spendProperty() {
        return spend.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty callsProperty() {
        return calls.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty tokensProperty() {
        return tokens.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty p95Property() {
        return p95.getReadOnlyProperty();
    }

    /** "3 calls unpriced (not in the spend)"; empty when every call was priced. */
    public ReadOnlyStringProperty unpricedProperty() {
        return unpriced.getReadOnlyProperty();
    }

    // ---- behaviour ------------------------------------------------------------------------------

    /** The screen is shown (refreshes now and then every few seconds) or hidden (stops). */
    public void setActive(boolean shown) {
        if (shown == active || closed) {
            return;
        }
        active = shown;
        if (shown) {
            refresh();
        } else {
            cancelTimers();
        }
    }

    public boolean isActive() {
        return active;
    }

    /** A run changed (from the Runs screen's live updates): refresh soon, once per burst. */
    public void runChanged(RunInfo run) {
        if (!active || closed || debounce != null) {
            return;
        }
        debounce = later(DEBOUNCE, () -> {
            debounce = null;
            refresh();
        });
    }

    /** Longest custom range: the daemon refuses ranges over 400 days. */
    static final int MAX_CUSTOM_DAYS = 400;

    /** What the current range and filters ask the daemon, {@code to} being now for the "last …" ranges. */
    public CostRequest request() {
        CostFilter filter = new CostFilter(listOf(tenant.get()), listOf(bundle.get()), List.of(),
                listOf(providerOf(model.get())), listOf(modelIdOf(model.get())));
        Range r = range.get() == null ? Range.LAST_DAY : range.get();
        if (r == Range.CUSTOM) {
            LocalDate fromDay = customFrom.get();
            LocalDate toDay = customTo.get();
            if (fromDay == null || toDay == null || toDay.isBefore(fromDay)
                    || fromDay.plusDays(MAX_CUSTOM_DAYS).isBefore(toDay.plusDays(1))) {
                return null;
            }
            return CostRequest.of(fromDay.atStartOfDay(ZoneOffset.UTC).toInstant(),
                    toDay.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(), filter);
        }
        Instant now = clock.instant();
        return CostRequest.of(now.minus(r.length), now, filter);
    }

    /**
     * Asks the daemon now. A refresh of another question (range, filter, daemon) in flight is
     * cancelled; one of the same question is answered first, then asked again.
     */
    public void refresh() {
        if (closed) {
            return;
        }
        cancelTimers();
        DaemonClient client = connection.getClient();
        if (client == null) {
            fail("Not connected to a daemon");
            return;
        }
        CostRequest req = request();
        if (req == null) {
            cancelInFlight();
            clearShown();
            fail("Pick a custom range of 1 to " + MAX_CUSTOM_DAYS + " days whose last day is not before its first day");
            return;
        }
        if (current != null) {
            if (currentGeneration == generation) {
                again = true;
                return;
            }
            cancelInFlight();
        }
        Fetch fetch = new Fetch(queries, queryDeadline);
        current = fetch;
        currentGeneration = generation;
        loading.set(true);
        ui.submit(() -> fetch.run(client, req), s -> {
            if (current == fetch) {
                finished();
                apply(s);
                next();
            }
        }, e -> {
            if (current == fetch) {
                finished();
                failed(client, e);
                next();
            }
        });
    }

    /** Writes the top-runs table to {@code file} as CSV (off the UI thread); the status line says how it went. */
    public void exportTopRuns(Path chosen) {
        List<CostlyRunInfo> rows = List.copyOf(topRuns);
        Path file = withCsvExtension(chosen);
        exportStatus.set("");
        exportError.set("");
        ui.submit(() -> {
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                writeCsv(rows, w);
            }
            return rows.size();
        }, n -> exportStatus.set("Exported " + n + (n == 1 ? " run to " : " runs to ") + file.getFileName()),
                e -> {
                    exportError.set("Cannot export to " + file + ": " + NotificationsViewModel.describe(e));
                    notifications.error("Cannot export the top runs", e);
                });
    }

    /** {@code file} with ".csv" added when its name has no extension ("top-runs" → "top-runs.csv"). */
    static Path withCsvExtension(Path file) {
        String name = file.getFileName().toString();
        return name.lastIndexOf('.') > 0 ? file : file.resolveSibling(name + ".csv");
    }

    /** The CSV of the top-runs table: exact dollars (6 places); an unpriced run has no cost and says so. */
    public static void writeCsv(List<CostlyRunInfo> runs, Appendable out) throws IOException {
        CsvWriter csv = new CsvWriter(out);
        csv.row(List.of("run_id", "tenant", "bundle", "bundle_version", "status", "created_at", "calls",
                "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "cost_usd",
                "unpriced", "unpriced_calls"));
        for (CostlyRunInfo r : runs) {
            var u = r.usage();
            csv.row(List.of(r.runId(), r.tenant(), r.bundleName(), r.bundleVersion(), r.state().name(),
                    r.createdAt() == null ? "" : r.createdAt().toString(), Long.toString(r.calls()),
                    Long.toString(u.inputTokens()), Long.toString(u.cachedInputTokens()),
                    Long.toString(u.cacheWriteTokens()), Long.toString(u.outputTokens()),
                    u.priced() ? Formats.dollars(u.costMicros()) : "", u.priced() ? "" : "unpriced",
                    Long.toString(r.unpricedCalls())));
        }
    }

    /**
     * Applies {@code sample}, then an equal answer, to a view model no screen binds to, on the calling thread, then
     * throws it away. The Costs screen's warm-up runs this off the FX thread before the first
     * refresh: cold, applying the first answer spent most of its 40 ms of FX-thread time loading
     * classes and linking call sites (string concatenation, records' equals, formats), which are
     * then done once for the whole JVM (docs/benchmarks.md). JavaFX properties and lists that no
     * scene shows may be used on any thread.
     */
    public static void applyDetached(CostSnapshot sample, CostSnapshot sameAgain) {
        UiExecutor inline = new dev.flightdeck.console.concurrent.InlineUiExecutor();
        Clock clock = Clock.systemUTC();
        NotificationsViewModel notifications = new NotificationsViewModel(clock);
        CostsViewModel vm = new CostsViewModel(inline, new ConnectionViewModel(inline, null,
                UserPrompts.answering(false), notifications, clock, Duration.ZERO, false), notifications, clock);
        // The screen listens for changes, which compares each answer with the last (records' equals).
        vm.snapshot.addListener((obs, old, s) -> { });
        try {
            vm.apply(sample);
            vm.choicesFromNewDaemon = true;
            vm.apply(sameAgain); // an equal answer: equals compares every part; filter choices start afresh
        } finally {
            vm.close();
        }
    }

    /** Stops refreshing for good (the window is closing). */
    public void close() {
        closed = true;
        active = false;
        cancelTimers();
        cancelInFlight();
        queries.shutdownNow();
    }

    // ---- plumbing -------------------------------------------------------------------------------

    /** Deadline of the whole refresh (tests shorten it). */
    void setQueryDeadline(Duration deadline) {
        this.queryDeadline = deadline;
    }

    /**
     * The five queries of one refresh, side by side, under one deadline; the snapshot is built on
     * the calling (background) thread once all have answered. {@link #cancel} interrupts the
     * queries still running, which cancels their calls.
     */
    static final class Fetch {
        private final ExecutorService pool;
        private final Duration deadline;
        private final List<Future<?>> started = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile boolean cancelled;

        Fetch(ExecutorService pool, Duration deadline) {
            this.pool = pool;
            this.deadline = deadline;
        }

        CostSnapshot run(DaemonClient client, CostRequest r) throws Exception {
            long end = System.nanoTime() + deadline.toNanos();
            // Every call's own deadline is the refresh's: they all start now.
            DaemonClient c = client.withDeadline(deadline);
            CostDimension bucket = r.bucket();
            try {
                Future<CostReport> overTime = start(() -> c.queryCost(new CostQuery(r.from(), r.to(),
                        List.of(bucket, CostDimension.MODEL), r.filter())));
                Future<CostReport> perBucket = start(() -> c.queryCost(new CostQuery(r.from(), r.to(),
                        List.of(bucket), r.filter())));
                Future<CostReport> byTenant = start(() -> c.queryCost(new CostQuery(r.from(), r.to(),
                        List.of(CostDimension.TENANT), r.filter())));
                Future<CostReport> byVersion = start(() -> c.queryCost(new CostQuery(r.from(), r.to(),
                        List.of(CostDimension.BUNDLE_VERSION), r.filter())));
                Future<List<CostlyRunInfo>> top = start(() -> c.topRuns(r.from(), r.to(), r.filter(), TOP_RUNS));
                return CostSnapshot.of(r, await(overTime, end), await(perBucket, end), await(byTenant, end),
                        await(byVersion, end), await(top, end));
            } finally {
                started.forEach(f -> f.cancel(true)); // the ones still running when one failed or time ran out
            }
        }

        void cancel() {
            cancelled = true;
            started.forEach(f -> f.cancel(true));
        }

        private <T> Future<T> start(java.util.concurrent.Callable<T> query) {
            if (cancelled) {
                throw new CancellationException("superseded by a newer refresh");
            }
            Future<T> f = pool.submit(query);
            started.add(f);
            return f;
        }

        private <T> T await(Future<T> f, long end) throws Exception {
            try {
                return f.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            } catch (TimeoutException e) {
                throw new TimeoutException("the cost queries did not answer within " + deadline.toSeconds() + " s");
            }
        }
    }

    private static java.util.concurrent.ThreadPoolExecutor queryPool() {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        var pool = new java.util.concurrent.ThreadPoolExecutor(5, 5, 30, TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "console-cost-query-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private void cancelInFlight() {
        if (current != null) {
            current.cancel();
            current = null;
            again = false;
            loading.set(false);
        }
    }

    /** Nothing valid to show (an invalid custom range): no charts, totals or runs of another range. */
    private void clearShown() {
        snapshot.set(CostSnapshot.EMPTY);
        topRuns.clear();
        spend.set("—");
        calls.set("—");
        tokens.set("—");
        p95.set("—");
        unpriced.set("");
        status.set("");
    }

    private void apply(CostSnapshot s) {
        error.set("");
        notice.set("");
        snapshot.set(s);
        topRuns.setAll(s.topRuns());
        CostGroupInfo total = s.total();
        spend.set(total.calls() == 0 ? "$0.0000" : Formats.costSoFar(total.usage()));
        calls.set(Formats.count(total.calls()));
        tokens.set(Formats.count(total.usage().totalTokens()));
        p95.set(Formats.latency(total.latencyP95Ms(), total.calls()));
        unpriced.set(total.unpricedCalls() == 0 ? "" : Formats.count(total.unpricedCalls())
                + (total.unpricedCalls() == 1 ? " call" : " calls") + " unpriced (not in the spend)");
        status.set((s.truncated() ? "Too many groups: the charts show the first ones. " : "")
                + "Updated " + Formats.timeOfDay(clock.instant(), clock.getZone()).replaceFirst("\\.\\d+$", ""));
        List<String> seenTenants = s.spendByTenant().stream().map(CostSnapshot.Bar::label).toList();
        List<String> seenBundles = s.spendByVersion().stream()
                .map(b -> BundleVersionKey.parse(b.label()).name()).toList();
        List<String> seenModels = s.models();
        if (choicesFromNewDaemon) {
            // Another daemon (or the same one after a reconnect): its own choices, not the old ones.
            // A chosen filter it does not know is let go, which asks again without it.
            choicesFromNewDaemon = false;
            List<Runnable> letGo = new java.util.ArrayList<>();
            restart(tenants, seenTenants, tenant, letGo);
            restart(bundles, seenBundles, bundle, letGo);
            restart(models, seenModels, model, letGo);
            letGo.forEach(Runnable::run);
        } else {
            merge(tenants, seenTenants, tenant.get());
            merge(bundles, seenBundles, bundle.get());
            merge(models, seenModels, model.get());
        }
    }

    /** Choices only grow: narrowing by one tenant must not hide the others from the picker. */
    private static void merge(ObservableList<String> choices, List<String> seen, String selected) {
        Set<String> all = new TreeSet<>(choices);
        all.addAll(seen);
        if (filterValue(selected) != null) {
            all.add(filterValue(selected));
        }
        if (all.size() != choices.size()) {
            choices.setAll(all);
        }
    }

    /** Choices become what the new daemon answered; the selection stays if it is among them. */
    private static void restart(ObservableList<String> choices, List<String> seen, ObjectProperty<String> selected,
                                List<Runnable> letGo) {
        Set<String> now = new TreeSet<>(seen);
        if (!List.copyOf(now).equals(choices)) {
            choices.setAll(now);
        }
        if (selected.get() != null && !now.contains(selected.get())) {
            letGo.add(() -> selected.set(null));
        }
    }

    private void failed(DaemonClient client, Throwable e) {
        if (e instanceof DaemonCallException d && d.isCostIndexLoading()) {
            // The daemon is up and loading its costs (just started): the screen asks again on its
            // next refresh. Not a lost daemon, so the connection stays.
            error.set("");
            notice.set("The daemon is still loading its costs " + d.getMessage().substring(
                    DaemonCallException.COST_INDEX_LOADING.length()).replace("; try again", "").trim()
                    + "; asking again shortly");
            return;
        }
        if (e instanceof DaemonCallException d && d.isUnavailable()) {
            fail("Lost the daemon — reconnecting");
            connection.connectionLost(client);
            return;
        }
        // Shown in the screen only: it queries only while shown, and a second red box in the
        // notification area would repeat the same sentence. Logged when it changes.
        String text = "Cannot load costs: " + NotificationsViewModel.describe(e);
        if (!text.equals(error.get())) {
            LOG.warn("{}", text, e instanceof DaemonCallException ? null : e);
        }
        fail(text);
    }

    private void finished() {
        current = null;
        loading.set(false);
    }

    private void next() {
        if (again) {
            again = false;
            refresh();
        } else if (active && !closed && current == null && nextRefresh == null) {
            nextRefresh = later(REFRESH_EVERY, () -> {
                nextRefresh = null;
                refresh();
            });
        }
    }

    private void askedChanged() {
        generation++;
        if (active) {
            refresh();
        }
    }

    private UiExecutor.Cancellable later(Duration delay, Runnable action) {
        long epoch = timerEpoch;
        return ui.schedule(delay, () -> {
            if (epoch == timerEpoch && !closed) {
                action.run();
            }
        });
    }

    private void cancelTimers() {
        timerEpoch++;
        if (nextRefresh != null) {
            nextRefresh.cancel();
            nextRefresh = null;
        }
        if (debounce != null) {
            debounce.cancel();
            debounce = null;
        }
    }

    private static List<String> listOf(String value) {
        String v = filterValue(value);
        return v == null ? List.of() : List.of(v);
    }

    /** A filter as typed: surrounding spaces are not part of a name, and a blank one filters nothing. */
    static String filterValue(String typed) {
        return typed == null || typed.isBlank() ? null : typed.strip();
    }

    /** "openai/gpt-4o" → "openai" (provider names have no slash; model ids may). */
    static String providerOf(String modelKey) {
        return modelKey == null || modelKey.indexOf('/') < 0 ? null : modelKey.substring(0, modelKey.indexOf('/'));
    }

    static String modelIdOf(String modelKey) {
        return modelKey == null ? null : modelKey.substring(modelKey.indexOf('/') + 1);
    }
}
