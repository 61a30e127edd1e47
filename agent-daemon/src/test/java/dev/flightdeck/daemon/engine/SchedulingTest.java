package dev.flightdeck.daemon.engine;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.daemon.app.DaemonConfig;
import dev.flightdeck.daemon.app.DaemonSettings;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.store.Database;
import dev.flightdeck.daemon.store.RunRepository;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.TestBundles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The durable queue: concurrency limits, fairness across tenants, restarts, cancellation. */
class SchedulingTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private InProcessDaemon daemon;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private DaemonClient start(DaemonSettings settings) {
        daemon = new InProcessDaemon(settings);
        return daemon.client();
    }

    /** Starts and finishes of runs, in commit order, with the most seen running at once. */
    private static final class Recorder {
        final List<String> starts = new ArrayList<>();
        final Set<String> finished = new HashSet<>();
        final Map<String, Integer> runningByTenant = new HashMap<>();
        final Map<String, Integer> maxByTenant = new HashMap<>();
        int running;
        int maxRunning;
        private final Set<String> seenRunning = new HashSet<>();

        synchronized void on(RunRecord run) {
            if (run.status() == RunStatus.RUNNING && seenRunning.add(run.runId())) {
                starts.add(run.tenant() + ":" + run.runId());
                running++;
                maxRunning = Math.max(maxRunning, running);
                int t = runningByTenant.merge(run.tenant(), 1, Integer::sum);
                maxByTenant.merge(run.tenant(), t, Math::max);
            } else if (run.status().isTerminal() && seenRunning.contains(run.runId()) && finished.add(run.runId())) {
                running--;
                runningByTenant.merge(run.tenant(), -1, Integer::sum);
            }
        }

        synchronized int startsOf(String tenant) {
            return (int) starts.stream().filter(s -> s.startsWith(tenant + ":")).count();
        }

        synchronized List<String> startsSnapshot() {
            return List.copyOf(starts);
        }

        synchronized int finishedCount() {
            return finished.size();
        }
    }

    @Test
    void aTenantWithManyQueuedRunsDelaysAnotherTenantsRunByAtMostOneSlot_withinGlobalAndPerTenantLimits() {
        // Global and per-tenant limit 2: tenant A's two oldest (long) runs take every slot, 48 more
        // wait behind them; then tenant B queues one run. The next free slot must go to B.
        DaemonClient client = start(DaemonSettings.defaults(dir, InProcessDaemon.TOKEN, "test")
                .withRunWorkers(2).withMaxRunsPerTenant(2));
        Recorder recorder = new Recorder();
        daemon.assembly().runs().feed().onRuns(recorder::on);
        client.pushBundle(TestBundles.scripted("long", 5, "allow", TestBundles.textTurn("done", 1500)));
        client.pushBundle(TestBundles.scripted("short", 5, "allow", TestBundles.textTurn("done", 30)));

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ids.add(client.startRun(i < 2 ? "long" : "short", "a" + i, "tenant-a", "").run().runId());
        }
        Await.until("tenant A fills both slots", TIMEOUT, () -> recorder.startsOf("tenant-a") == 2);
        int startsBeforeB = recorder.startsSnapshot().size();
        String b = client.startRun("short", "b", "tenant-b", "").run().runId();
        ids.add(b);
        Await.until("all 51 runs finish", TIMEOUT, () -> recorder.finishedCount() == 51);

        List<String> starts = recorder.startsSnapshot();
        int bAt = starts.indexOf("tenant-b:" + b);
        // The two long runs end together: one slot goes to B, the other to A's next run, and the
        // two workers may commit their starts in either order.
        assertThat(bAt - startsBeforeB).as("runs of tenant A started after B queued and before B").isLessThanOrEqualTo(1);
        assertThat(recorder.maxByTenant.get("tenant-a")).isEqualTo(2);
        assertThat(recorder.maxRunning).isLessThanOrEqualTo(2);
        // Within a tenant, oldest first.
        List<String> aOrder = starts.stream().filter(s -> s.startsWith("tenant-a:")).map(s -> s.substring(9)).toList();
        assertThat(aOrder.subList(0, 2)).containsExactlyInAnyOrder(ids.get(0), ids.get(1));
        for (String id : ids) {
            assertThat(client.getRun(id).state()).isEqualTo(RunState.SUCCEEDED);
        }
    }

    @Test
    void underABurstFromTwoTenantsNoTenantExceedsItsLimitNorAllOfThemTheGlobalOne() {
        DaemonClient client = start(DaemonSettings.defaults(dir, InProcessDaemon.TOKEN, "test")
                .withRunWorkers(3).withMaxRunsPerTenant(2));
        Recorder recorder = new Recorder();
        daemon.assembly().runs().feed().onRuns(recorder::on);
        client.pushBundle(TestBundles.scripted("slow", 5, "allow", TestBundles.textTurn("done", 60)));
        for (int i = 0; i < 30; i++) {
            client.startRun("slow", "a" + i, "tenant-a", "");
            if (i % 3 == 0) {
                client.startRun("slow", "b" + i, "tenant-b", "");
            }
        }
        Await.until("all 40 runs finish", TIMEOUT, () -> recorder.finishedCount() == 40);

        assertThat(recorder.maxByTenant.get("tenant-a")).isLessThanOrEqualTo(2);
        assertThat(recorder.maxByTenant.get("tenant-b")).isLessThanOrEqualTo(2);
        assertThat(recorder.maxRunning).isLessThanOrEqualTo(3);
    }

    @Test
    void aPerTenantOverrideInDaemonYamlLimitsThatTenantOnly() {
        DaemonConfig config = DaemonConfig.parse("tenants:\n  solo: {max_concurrent_runs: 1}\n", "daemon.yaml");
        DaemonClient client = start(DaemonSettings.defaults(dir, InProcessDaemon.TOKEN, "test")
                .withRunWorkers(4).withMaxRunsPerTenant(3).withConfig(config));
        Recorder recorder = new Recorder();
        daemon.assembly().runs().feed().onRuns(recorder::on);
        client.pushBundle(TestBundles.scripted("slow", 5, "allow", TestBundles.textTurn("done", 100)));
        for (int i = 0; i < 4; i++) {
            client.startRun("slow", "s" + i, "solo", "");
            client.startRun("slow", "o" + i, "other", "");
        }
        Await.until("all 8 runs finish", TIMEOUT, () -> recorder.finishedCount() == 8);

        assertThat(recorder.maxByTenant.get("solo")).isEqualTo(1);
        assertThat(recorder.maxByTenant.get("other")).isLessThanOrEqualTo(3);
        assertThat(recorder.maxRunning).isLessThanOrEqualTo(4);
    }

    @Test
    void queuedRunsSurviveARestartAndStartAfterIt() {
        DaemonSettings settings = DaemonSettings.defaults(dir, InProcessDaemon.TOKEN, "test").withRunWorkers(1);
        DaemonClient client = start(settings);
        client.pushBundle(TestBundles.scripted("slow", 5, "allow", TestBundles.textTurn("done", 300)));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(client.startRun("slow", "r" + i, "", "").run().runId());
        }
        daemon.close();
        daemon = null;

        List<String> queued;
        try (Database db = Database.open(dir.resolve("db"))) {
            queued = new RunRepository(db).listInStatuses(List.of(RunStatus.QUEUED)).stream().map(RunRecord::runId).toList();
        }
        assertThat(queued).as("runs still queued when the daemon stopped").isNotEmpty();

        client = start(settings);
        for (String id : ids) {
            List<RunEventInfo> events = daemon.watchToEnd(id, 0, TIMEOUT);
            assertThat(events.get(events.size() - 1).type()).isEqualTo("run_finished");
            assertThat(client.getRun(id).state()).isEqualTo(RunState.SUCCEEDED);
        }
    }

    @Test
    void cancellingARunInALongModelCallEndsItCancelledWithWhoAndWhy() {
        DaemonClient client = start(DaemonSettings.defaults(dir, InProcessDaemon.TOKEN, "test"));
        client.pushBundle(TestBundles.scripted("stuck", 5, "allow", TestBundles.textTurn("never", 600_000)));
        String runId = client.startRun("stuck", "go", "", "").run().runId();
        Await.until("the model call is in flight", TIMEOUT, () -> client.getRunHistory(runId, 0, 100).stream()
                .anyMatch(e -> e.type().equals("model_requested")));

        RunInfo answered = client.cancelRun(runId, "taking too long", "alice");
        List<RunEventInfo> events = daemon.watchToEnd(runId, 0, TIMEOUT);
        RunInfo run = client.getRun(runId);

        assertThat(run.state()).isEqualTo(RunState.CANCELLED);
        assertThat(run.statusMessage()).isEqualTo("cancelled by alice: taking too long");
        assertThat(answered).as("CancelRun's answer: the run as committed cancelled").isEqualTo(run);
        assertThat(events.stream().map(RunEventInfo::type)).doesNotContain("model_responded");
    }
}
