package dev.flightdeck.daemon.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flightdeck.client.ApprovalFilter;
import dev.flightdeck.client.ApprovalInfo;
import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DecideApproval;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.HashChain;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.RunState;
import dev.flightdeck.client.StreamListener;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.testing.DaemonProcesses;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import dev.flightdeck.daemon.store.Database;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariants 1, 2 and 6 against the real daemon process: many runs of several tenants, the daemon
 * killed with SIGKILL at random moments and restarted each time, until every run is terminal.
 * Calls are counted across process deaths with the daemon's call ledger (a testing hook, see
 * {@link CallLedger}); between a kill and the next start the test reads the database directly, so
 * it knows exactly what was committed when the next daemon started.
 *
 * <p>Kill moments come from a seeded RNG; the seed is printed. Reproduce a failure with
 * {@code -Dflightdeck.crash.seed=SEED}; soak with {@code -Dflightdeck.soak.kills=500}. 30 kills run in the regular suite.
 */
class KillNineCrashTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KILLS = Integer.getInteger("flightdeck.soak.kills", 30);
    private static final int MAX_KILL_DELAY_MS = Integer.getInteger("flightdeck.crash.max-delay-ms", 700);
    private static final int FOLLOWERS = 6;

    /** Kept after a failure (target/crash-test/SEED: data dir with logs/daemon.log, ledger, outputs). */
    private static final Path WORK = Path.of("target", "crash-test");

    @Test
    void killNineAtRandomMomentsLosesNoCommittedEventAndRepeatsNoCompletedCall() throws Exception {
        long seed = Long.getLong("flightdeck.crash.seed", System.nanoTime() ^ System.currentTimeMillis());
        System.out.println("KillNineCrashTest: seed=" + seed + " kills=" + KILLS
                + " (reproduce with -Dflightdeck.crash.seed=" + seed + ")");
        Random rng = new Random(seed);
        Path tmp = WORK.resolve(Long.toString(seed)).toAbsolutePath();
        deleteTree(tmp);
        Files.createDirectories(tmp);
        System.out.println("KillNineCrashTest: working in " + tmp + " (kept if the test fails)");
        Path dataDir = tmp.resolve("data");
        Path ledger = tmp.resolve("ledger.tsv");
        long startedAt = System.nanoTime();

        List<Long> pids = new ArrayList<>();
        List<Snapshot> snapshots = new ArrayList<>();
        Map<String, String> runByInput = new HashMap<>();
        List<String> runIds = new ArrayList<>();
        List<Follower> followers = new ArrayList<>();
        int decided = 0;

        // C1 only and the serial collector: a daemon that is killed within a second never needs C2,
        // and starts noticeably faster on 2 cores.
        try (DaemonProcesses daemons = new DaemonProcesses(dataDir, Map.of(CallLedger.ENV, ledger.toString()))
                .withJvmOptions("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")) {
            DaemonProcesses.Started daemon = daemons.startServing();
            pids.add(daemon.process().pid());
            DaemonClient client = DaemonClient.connect(daemon.endpoint());
            client.pushBundle(WORK_BUNDLE);
            client.pushBundle(GATED_BUNDLE);

            for (int kill = 0; kill < KILLS; kill++) {
                int newRuns = 1 + rng.nextInt(3);
                for (int i = 0; i < newRuns; i++) {
                    String input = "crash-" + runIds.size();
                    String bundle = rng.nextInt(6) == 0 ? "crash-gated" : "crash-work";
                    String runId = client.startRun(bundle, input, "tenant-" + rng.nextInt(3), "key-" + input)
                            .run().runId();
                    runIds.add(runId);
                    runByInput.put(input, runId);
                    if (followers.size() < FOLLOWERS) {
                        Follower f = new Follower(runId);
                        followers.add(f);
                        f.connect(client);
                    }
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(rng.nextInt(MAX_KILL_DELAY_MS + 1))); // the kill moment
                DaemonProcesses.kill(daemon.process());
                client.close();
                long t0 = System.nanoTime();
                Snapshot snapshot = Snapshot.read(dataDir);
                snapshots.add(snapshot);
                // StartRun answered: the run row was committed, so it must outlive the kill.
                assertThat(snapshot.runs()).as("runs acknowledged before kill %d (seed %d)", kill + 1, seed)
                        .containsAll(runIds);
                long t1 = System.nanoTime();
                daemon = daemons.startServing();
                System.out.printf("kill %d: snapshot %d ms, restart %d ms%n", kill + 1, (t1 - t0) / 1_000_000,
                        (System.nanoTime() - t1) / 1_000_000);
                pids.add(daemon.process().pid());
                client = DaemonClient.connect(daemon.endpoint());
                for (Follower f : followers) {
                    f.connect(client);
                }
                decided += decidePending(client, rng);
            }

            // The last daemon lives; the reviewer keeps deciding until every run is terminal.
            DaemonClient last = client;
            Set<String> unsettled = new HashSet<>(runIds);
            int[] lastDecided = {0};
            try {
                Await.until("every run to be terminal", Duration.ofSeconds(120), () -> {
                    lastDecided[0] += decidePending(last, rng);
                    unsettled.removeIf(id -> isTerminal(last.getRun(id).state()));
                    return unsettled.isEmpty();
                });
            } catch (AssertionError e) {
                StringBuilder why = new StringBuilder(e.getMessage() + " (seed " + seed + "); unsettled:");
                for (String id : unsettled) {
                    List<RunEventInfo> h = history(last, id);
                    why.append("\n  ").append(id).append(' ').append(last.getRun(id).state()).append(" last events: ")
                            .append(h.subList(Math.max(0, h.size() - 4), h.size()).stream()
                                    .map(x -> x.sequence() + ":" + x.type()).toList());
                }
                String log = daemons.output(daemon.process());
                why.append("\nlast daemon output (tail):\n").append(log.substring(Math.max(0, log.length() - 6000)));
                throw new AssertionError(why.toString(), e);
            }
            decided += lastDecided[0];
            Await.until("every follower to reach the end of its run", Duration.ofSeconds(60),
                    () -> followers.stream().allMatch(Follower::completed));

            Map<String, List<RunEventInfo>> finalHistory = new LinkedHashMap<>();
            for (String id : runIds) {
                finalHistory.put(id, history(last, id));
            }
            last.close();

            Report report = verify(pids, snapshots, runByInput, finalHistory,
                    Files.readAllLines(ledger, StandardCharsets.UTF_8));
            for (Follower f : followers) {
                assertThat(f.problems).as("follower of %s", f.runId).isEmpty();
                assertThat(f.received()).as("events a reconnecting WatchRun of %s received", f.runId)
                        .isEqualTo(finalHistory.get(f.runId));
            }
            System.out.printf("KillNineCrashTest: seed=%d kills=%d runs=%d events=%d approvals-decided=%d "
                            + "model-calls=%d re-issued-model-calls=%d idempotent-tool-retries=%d "
                            + "ambiguous-tool-approvals=%d followers=%d in %d s%n",
                    seed, KILLS, runIds.size(), report.events, decided, report.modelCalls,
                    report.reissuedModelCalls, report.idempotentRetries, report.ambiguous, followers.size(),
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt));
            daemons.close();
            deleteTree(tmp);
        }
    }

    /** What a kill left committed: every event, and the calls whose result is committed. */
    private record Snapshot(Map<String, String> hashes, Set<String> committedCalls, Set<String> runs) {
        static Snapshot read(Path dataDir) throws Exception {
            Map<String, String> hashes = new HashMap<>();
            Set<String> calls = new HashSet<>();
            Set<String> runs = new HashSet<>();
            // What the next daemon will find: a copy of the files opened the way the daemon opens
            // them (journal replay included), so the test never writes the daemon's own files.
            Path copy = Files.createTempDirectory("crash-snapshot");
            try {
                copyTree(dataDir.resolve("db"), copy);
                try (Database db = Database.open(copy)) {
                    db.read(c -> {
                        try (Statement r = c.createStatement(); ResultSet rr = r.executeQuery("SELECT run_id FROM runs")) {
                            while (rr.next()) {
                                runs.add(rr.getString(1));
                            }
                        }
                        try (Statement s = c.createStatement();
                             ResultSet rs = s.executeQuery("SELECT run_id, sequence, step, type, COALESCE(payload_json, payload_lob), hash FROM run_events")) {
                            while (rs.next()) {
                                String run = rs.getString(1);
                                hashes.put(run + "#" + rs.getLong(2), rs.getString(6).trim());
                                String call = committedCall(run, rs.getInt(3), rs.getString(4), readJson(rs.getString(5)));
                                if (call != null) {
                                    calls.add(call);
                                }
                            }
                        }
                        return null;
                    });
                }
            } finally {
                deleteTree(copy);
            }
            return new Snapshot(hashes, calls, runs);
        }
    }

    /** The call whose result an event commits: {@code model|run|turn} or {@code tool|run/call}, else null. */
    private static String committedCall(String runId, int step, String type, JsonNode payload) {
        return switch (type) {
            case "model_responded" -> "model|" + runId + "|" + (step - 1);
            case "tool_call_finished" -> "tool|" + runId + "/" + payload.path("call_id").asText();
            default -> null;
        };
    }

    private record Report(int events, int modelCalls, int reissuedModelCalls, int idempotentRetries, int ambiguous) {
    }

    private static Report verify(List<Long> pids, List<Snapshot> snapshots, Map<String, String> runByInput,
                                 Map<String, List<RunEventInfo>> finalHistory,
                                 List<String> ledgerLines) throws Exception {
        int events = 0;
        Set<String> finalCommitted = new HashSet<>();
        Set<String> ambiguousCalls = new HashSet<>();
        Map<String, Integer> permits = new HashMap<>();   // approve / approve with edits / retry, per call
        Set<String> humanResult = new HashSet<>();  // rejected, or a result recorded by hand
        int idempotentRetries = 0;
        int modelCalls = 0;
        for (var entry : finalHistory.entrySet()) {
            String runId = entry.getKey();
            List<RunEventInfo> h = entry.getValue();
            events += h.size();
            // Invariant 1: gap-free, hash-chained, ends with run_finished.
            assertThat(h).extracting(RunEventInfo::sequence).as("sequences of %s", runId)
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, h.size()).boxed().toList());
            assertThat(HashChain.verify(h)).as("hash chain of %s", runId).isEmpty();
            assertThat(h.get(h.size() - 1).type()).isEqualTo("run_finished");
            Map<String, String> callOfApproval = new HashMap<>();
            Map<String, String> pendingAmbiguous = new HashMap<>(); // call -> approval id not yet decided
            for (RunEventInfo e : h) {
                JsonNode payload = JSON.readTree(e.canonicalJson()).path("payload");
                String call = committedCall(runId, e.step(), e.type(), payload);
                if (call != null) {
                    assertThat(finalCommitted.add(call)).as("%s committed once", call).isTrue();
                    if (call.startsWith("model|")) {
                        modelCalls++;
                    } else {
                        assertThat(pendingAmbiguous).as("%s completed while its ambiguity was undecided", call)
                                .doesNotContainKey(call);
                    }
                }
                switch (e.type()) {
                    case "tool_call_started" -> {
                        String key = runId + "/" + payload.path("call").path("call_id").asText();
                        String tool = payload.path("call").path("tool_name").asText();
                        assertThat(payload.path("idempotency_key").asText()).isEqualTo(key);
                        assertThat(pendingAmbiguous).as("%s started while its ambiguity was undecided", key)
                                .doesNotContainKey("tool|" + key);
                        if (!tool.equals("record_idem")) {
                            // Invariant 2: a gated or re-run non-idempotent call needs a human's yes each time.
                            int allowed = tool.equals("record_gated") ? permits.getOrDefault("tool|" + key, 0)
                                    : 1 + permits.getOrDefault("tool|" + key, 0);
                            assertThat(payload.path("attempt").asInt()).as("attempt of %s (%s)", key, tool)
                                    .isLessThanOrEqualTo(allowed);
                        } else if (payload.path("attempt").asInt() > 1) {
                            idempotentRetries++;
                        }
                    }
                    case "approval_requested" -> {
                        String key = "tool|" + runId + "/" + payload.path("call").path("call_id").asText();
                        String tool = payload.path("call").path("tool_name").asText();
                        callOfApproval.put(payload.path("approval_id").asText(), key);
                        if (payload.path("kind").asText().equals("AMBIGUOUS_TOOL_CALL")) {
                            assertThat(tool).as("only non-idempotent tools are ambiguous").isNotEqualTo("record_idem");
                            ambiguousCalls.add(key);
                            pendingAmbiguous.put(key, payload.path("approval_id").asText());
                        } else {
                            assertThat(tool).isEqualTo("record_gated");
                        }
                    }
                    case "approval_decided" -> {
                        String key = callOfApproval.get(payload.path("approval_id").asText());
                        assertThat(key).as("decision for a requested approval").isNotNull();
                        pendingAmbiguous.remove(key);
                        String d = payload.path("decision").asText();
                        if (d.equals("APPROVE") || d.equals("APPROVE_WITH_EDITS") || d.equals("RETRY")) {
                            permits.merge(key, 1, Integer::sum);
                        } else if (d.equals("REJECT") || d.equals("RECORD_RESULT")) {
                            // The result is a human's: the call may never have reached the tool (killed
                            // between tool_call_started and the tool's first instruction).
                            humanResult.add(key);
                        }
                    }
                    default -> {
                    }
                }
            }
        }
        // Invariant 1: nothing a kill left committed was lost or changed.
        for (int k = 0; k < snapshots.size(); k++) {
            for (var e : snapshots.get(k).hashes().entrySet()) {
                String[] parts = e.getKey().split("#");
                List<RunEventInfo> h = finalHistory.get(parts[0]);
                int seq = Integer.parseInt(parts[1]);
                assertThat(h).as("run %s after kill %d", parts[0], k + 1).hasSizeGreaterThanOrEqualTo(seq);
                assertThat(h.get(seq - 1).hash()).as("event %s committed before kill %d", e.getKey(), k + 1)
                        .isEqualTo(e.getValue());
            }
        }

        // The ledger: which daemon incarnation issued which call.
        Map<String, List<Integer>> issuedBy = new LinkedHashMap<>();
        Map<String, String> labels = new HashMap<>();
        for (String line : ledgerLines) {
            String[] f = line.split("\t", -1);
            assertThat(f).as("ledger line %s", line).hasSize(4);
            int incarnation = pids.indexOf(Long.parseLong(f[1]));
            assertThat(incarnation).as("pid of ledger line %s", line).isNotNegative();
            String call;
            if (f[0].equals("model")) {
                String runId = runByInput.get(f[2]);
                assertThat(runId).as("run of input %s", f[2]).isNotNull();
                call = "model|" + runId + "|" + f[3];
            } else {
                call = "tool|" + f[2];
                labels.put(call, f[3]);
            }
            issuedBy.computeIfAbsent(call, x -> new ArrayList<>()).add(incarnation);
        }
        int reissued = 0;
        for (var e : issuedBy.entrySet()) {
            String call = e.getKey();
            List<Integer> incarnations = e.getValue();
            assertThat(new HashSet<>(incarnations)).as("%s issued at most once per daemon process", call)
                    .hasSameSizeAs(incarnations);
            // The first snapshot holding its result: the daemons after that one must not call it again.
            int committedBy = snapshots.size();
            for (int k = 0; k < snapshots.size(); k++) {
                if (snapshots.get(k).committedCalls().contains(call)) {
                    committedBy = k;
                    break;
                }
            }
            for (int incarnation : incarnations) {
                assertThat(incarnation).as("%s was issued by daemon #%d after its result was committed by daemon #%d",
                        call, incarnation, committedBy).isLessThanOrEqualTo(committedBy);
            }
            if (call.startsWith("model|") && incarnations.size() > 1) {
                reissued++;
            }
            if (call.startsWith("tool|")) {
                String label = labels.get(call);
                int yes = permits.getOrDefault(call, 0);
                if (label.startsWith("gated")) {
                    // Invariant 2: never before an approval, at most once per approval, never after a rejection.
                    assertThat(incarnations.size()).as("runs of gated %s with %d approvals", call, yes)
                            .isLessThanOrEqualTo(yes);
                } else if (label.startsWith("once")) {
                    assertThat(incarnations.size()).as("runs of non-idempotent %s with %d retries", call, yes)
                            .isLessThanOrEqualTo(1 + yes);
                }
            }
            if (!finalCommitted.contains(call)) {
                // Issued, no result ever committed: only a call held as ambiguous (then failed by a human).
                assertThat(ambiguousCalls).as("%s was issued but its result never committed", call).contains(call);
            }
        }
        for (String call : finalCommitted) {
            if (!humanResult.contains(call)) {
                assertThat(issuedBy).as("committed %s has a ledger line", call).containsKey(call);
            }
        }
        return new Report(events, modelCalls, reissued, idempotentRetries, ambiguousCalls.size());
    }

    /** A seeded reviewer: approves two gated calls in three, retries half the ambiguous ones. */
    private static int decidePending(DaemonClient client, Random rng) {
        int n = 0;
        for (ApprovalInfo a : client.listAllApprovals(ApprovalFilter.PENDING)) {
            int r = rng.nextInt(12);
            DecideApproval d = switch (a.kind()) {
                case GATED_TOOL_CALL -> r < 8 ? DecideApproval.approve(a.approvalId(), "ok", "crash-test")
                        : DecideApproval.reject(a.approvalId(), "no", "crash-test");
                case AMBIGUOUS_TOOL_CALL -> r < 6 ? DecideApproval.retry(a.approvalId(), "run it again", "crash-test")
                        : r < 9 ? DecideApproval.recordResult(a.approvalId(), "{\"recorded\":\"by hand\"}", "done",
                        "crash-test")
                        : DecideApproval.failRun(a.approvalId(), "give up", "crash-test");
                default -> null;
            };
            if (d == null) {
                continue;
            }
            try {
                client.decideApproval(d);
                n++;
            } catch (DaemonCallException e) {
                // Decided or closed meanwhile (e.g. the run was cancelled): nothing to do.
            }
        }
        return n;
    }

    private static List<RunEventInfo> history(DaemonClient client, String runId) {
        List<RunEventInfo> all = new ArrayList<>();
        while (true) {
            List<RunEventInfo> page = client.getRunHistory(runId, all.size(), 500);
            if (page.isEmpty()) {
                return all;
            }
            all.addAll(page);
        }
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().endsWith(".lock.db")) {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static JsonNode readJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static boolean isTerminal(RunState s) {
        return s == RunState.SUCCEEDED || s == RunState.FAILED || s == RunState.CANCELLED;
    }

    /** A WatchRun client that reconnects to each new daemon with the last sequence it saw. */
    private static final class Follower {
        final String runId;
        private final List<RunEventInfo> received = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        private AutoCloseable subscription;
        private int generation;
        private boolean completed;

        Follower(String runId) {
            this.runId = runId;
        }

        synchronized void connect(DaemonClient client) throws Exception {
            if (completed) {
                return;
            }
            if (subscription != null) {
                subscription.close();
            }
            int gen = ++generation;
            long after = received.isEmpty() ? 0 : received.get(received.size() - 1).sequence();
            subscription = client.watchRun(runId, after, new StreamListener<>() {
                @Override
                public void onItem(RunEventInfo item) {
                    synchronized (Follower.this) {
                        if (gen != generation) {
                            return;
                        }
                        long expected = received.isEmpty() ? 1 : received.get(received.size() - 1).sequence() + 1;
                        if (item.sequence() != expected) {
                            problems.add("expected sequence " + expected + ", got " + item.sequence());
                        }
                        received.add(item);
                    }
                }

                @Override
                public void onCompleted() {
                    synchronized (Follower.this) {
                        if (gen == generation) {
                            completed = true;
                        }
                    }
                }

                @Override
                public void onError(DaemonCallException error) {
                    // The daemon died; the test reconnects to the next one.
                }
            });
        }

        synchronized boolean completed() {
            return completed;
        }

        synchronized List<RunEventInfo> received() {
            return List.copyOf(received);
        }
    }

    private static final String TOOLS = """
            tools:
              - name: record_idem
                description: Records a call (idempotent)
                implementation: builtin:record_call
                policy: allow
                idempotent: true
                parameters:
                  type: object
                  properties: {label: {type: string}, sleep_ms: {type: integer}}
                  required: [label]
              - name: record_once
                description: Records a call (not idempotent)
                implementation: builtin:record_call
                policy: allow
                parameters:
                  type: object
                  properties: {label: {type: string}, sleep_ms: {type: integer}}
                  required: [label]
              - name: record_gated
                description: Records a call (needs approval)
                implementation: builtin:record_call
                policy: ask
                parameters:
                  type: object
                  properties: {label: {type: string}, sleep_ms: {type: integer}}
                  required: [label]
            """;

    /** Four tool-calling turns (idempotent and not, one turn with two calls) and an answer. */
    static final String WORK_BUNDLE = """
            name: crash-work
            description: crash test work
            system_prompt: You are a crash test agent for {{tenant}}.
            """ + TOOLS + """
            model:
              provider: scripted
              model: test-1
              script:
                - tool_calls:
                    - {tool: record_idem, arguments: {label: idem-1, sleep_ms: 30}}
                  latency_ms: 20
                - tool_calls:
                    - {tool: record_once, arguments: {label: once-1, sleep_ms: 40}}
                    - {tool: record_idem, arguments: {label: idem-2, sleep_ms: 20}}
                  latency_ms: 25
                - tool_calls:
                    - {tool: record_idem, arguments: {label: idem-3, sleep_ms: 30}}
                  latency_ms: 15
                - tool_calls:
                    - {tool: record_once, arguments: {label: once-2, sleep_ms: 20}}
                  latency_ms: 20
                - text: done
                  latency_ms: 20
            limits:
              max_steps: 10
            """;

    /** One idempotent call, then a gated call that waits for a human. */
    static final String GATED_BUNDLE = """
            name: crash-gated
            description: crash test gated
            system_prompt: You are a crash test agent for {{tenant}}.
            """ + TOOLS + """
            model:
              provider: scripted
              model: test-1
              script:
                - tool_calls:
                    - {tool: record_idem, arguments: {label: idem-1, sleep_ms: 30}}
                  latency_ms: 20
                - tool_calls:
                    - {tool: record_gated, arguments: {label: gated-1, sleep_ms: 10}}
                  latency_ms: 20
                - text: done
                  latency_ms: 20
            limits:
              max_steps: 10
            """;
}
