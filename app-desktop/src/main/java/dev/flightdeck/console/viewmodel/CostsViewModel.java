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

/**
 * The Costs screen: spend, tokens and latency of model calls over a time range, by model, tenant
 * and bundle version, with the most expensive runs. While the screen is shown ({@link #setActive})
 * it asks again every {@link #REFRESH_EVERY}, and {@link #DEBOUNCE} after runs change; one query
 * set is in flight at a time, and an answer to an older range or filter is dropped. Failures show
 * in the screen ({@link #errorProperty()}), not in the notification area.
 */
public final class CostsViewModel {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CostsViewModel.class);
    /** How often the shown screen asks again. */
    public static final Duration REFRESH_EVERY = Duration.ofSeconds(5);
    /** How long a burst of run changes is gathered before one refresh. */
    public static final Duration DEBOUNCE = Duration.ofSeconds(1);
    /** How many of the most expensive runs the table lists. */
    public static final int TOP_RUNS = 100;

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
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper spend = new ReadOnlyStringWrapper("—");
    private final ReadOnlyStringWrapper calls = new ReadOnlyStringWrapper("—");
    private final ReadOnlyStringWrapper tokens = new ReadOnlyStringWrapper("—");
    private final ReadOnlyStringWrapper p95 = new ReadOnlyStringWrapper("—");
    private final ReadOnlyStringWrapper unpriced = new ReadOnlyStringWrapper("");

    private boolean active;
    private boolean inFlight;
    private boolean again;
    /** Bumped when what is asked changes: answers of an older generation are dropped. */
    private long generation;
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
            if (client != null && active) {
                refresh();
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

    /** A line about the data: when it was read, whether the group list was cut, the last export. */
    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
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

    /** Asks the daemon now (or right after the queries in flight). */
    public void refresh() {
        if (closed) {
            return;
        }
        if (inFlight) {
            again = true;
            return;
        }
        cancelTimers();
        DaemonClient client = connection.getClient();
        if (client == null) {
            error.set("Not connected to a daemon");
            return;
        }
        CostRequest req = request();
        if (req == null) {
            error.set("Pick a custom range of 1 to " + MAX_CUSTOM_DAYS + " days whose last day is not before its first day");
            return;
        }
        inFlight = true;
        loading.set(true);
        long asked = generation;
        ui.submit(() -> fetch(client, req), s -> {
            finished();
            if (asked == generation && !closed) {
                apply(s);
            }
            next();
        }, e -> {
            finished();
            if (asked == generation && !closed) {
                failed(client, e);
            }
            next();
        });
    }

    /** Writes the top-runs table to {@code file} as CSV (off the UI thread); the status line says how it went. */
    public void exportTopRuns(Path file) {
        List<CostlyRunInfo> rows = List.copyOf(topRuns);
        ui.submit(() -> {
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                writeCsv(rows, w);
            }
            return rows.size();
        }, n -> status.set("Exported " + n + (n == 1 ? " run to " : " runs to ") + file.getFileName()),
                e -> {
                    error.set("Cannot export to " + file + ": " + NotificationsViewModel.describe(e));
                    notifications.error("Cannot export the top runs", e);
                });
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

    /** Stops refreshing for good (the window is closing). */
    public void close() {
        closed = true;
        active = false;
        cancelTimers();
    }

    // ---- plumbing -------------------------------------------------------------------------------

    /** The queries of one refresh, run in the background; the snapshot is built there too. */
    static CostSnapshot fetch(DaemonClient client, CostRequest r) {
        CostDimension bucket = r.bucket();
        CostReport overTime = client.queryCost(new CostQuery(r.from(), r.to(), List.of(bucket, CostDimension.MODEL),
                r.filter()));
        CostReport perBucket = client.queryCost(new CostQuery(r.from(), r.to(), List.of(bucket), r.filter()));
        CostReport byTenant = client.queryCost(new CostQuery(r.from(), r.to(), List.of(CostDimension.TENANT),
                r.filter()));
        CostReport byVersion = client.queryCost(new CostQuery(r.from(), r.to(),
                List.of(CostDimension.BUNDLE_VERSION), r.filter()));
        List<CostlyRunInfo> top = client.topRuns(r.from(), r.to(), r.filter(), TOP_RUNS);
        return CostSnapshot.of(r, overTime, perBucket, byTenant, byVersion, top);
    }

    private void apply(CostSnapshot s) {
        error.set("");
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
        merge(tenants, s.spendByTenant().stream().map(CostSnapshot.Bar::label).toList(), tenant.get());
        merge(bundles, s.spendByVersion().stream().map(b -> bundleNameOf(b.label())).toList(), bundle.get());
        merge(models, java.util.stream.Stream.concat(s.spendByModel().stream().map(CostSnapshot.Series::name)
                .filter(m -> !m.equals(CostSnapshot.OTHER)), s.unpricedModels().stream()).toList(), model.get());
    }

    /** Choices only grow: narrowing by one tenant must not hide the others from the picker. */
    private static void merge(ObservableList<String> choices, List<String> seen, String selected) {
        Set<String> all = new TreeSet<>(choices);
        all.addAll(seen);
        if (selected != null) {
            all.add(selected);
        }
        if (all.size() != choices.size()) {
            choices.setAll(all);
        }
    }

    private void failed(DaemonClient client, Throwable e) {
        if (e instanceof DaemonCallException d && d.isUnavailable()) {
            error.set("Lost the daemon — reconnecting");
            connection.connectionLost(client);
            return;
        }
        // Shown in the screen only: it queries only while shown, and a second red box in the
        // notification area would repeat the same sentence. Logged when it changes.
        String text = "Cannot load costs: " + NotificationsViewModel.describe(e);
        if (!text.equals(error.get())) {
            LOG.warn("{}", text, e instanceof DaemonCallException ? null : e);
        }
        error.set(text);
    }

    private void finished() {
        inFlight = false;
        loading.set(false);
    }

    private void next() {
        if (again) {
            again = false;
            refresh();
        } else if (active && !closed && nextRefresh == null) {
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
        return value == null || value.isEmpty() ? List.of() : List.of(value);
    }

    /** "openai/gpt-4o" → "openai" (provider names have no slash; model ids may). */
    static String providerOf(String modelKey) {
        return modelKey == null || modelKey.indexOf('/') < 0 ? null : modelKey.substring(0, modelKey.indexOf('/'));
    }

    static String modelIdOf(String modelKey) {
        return modelKey == null ? null : modelKey.substring(modelKey.indexOf('/') + 1);
    }

    /** "support-refund@3f2a…" → "support-refund". */
    static String bundleNameOf(String versionKey) {
        int at = versionKey.lastIndexOf('@');
        return at < 0 ? versionKey : versionKey.substring(0, at);
    }
}
