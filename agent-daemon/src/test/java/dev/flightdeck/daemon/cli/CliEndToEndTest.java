package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.client.DaemonProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI against a real daemon process on a temporary data directory: started the way
 * {@code flightdeck demo} and the console start one ({@link DaemonProcess#ensureRunning}), stopped
 * by its pid from {@code daemon.json}. Waits on state (health, stream completion), never sleeps.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliEndToEndTest {
    private static final Pattern EVENT_LINE = Pattern.compile("^\\s*(\\d+)  ");
    private static final Pattern RUN_ID = Pattern.compile("(?:started|existing) run (\\S+) ");

    @TempDir
    static Path dir;

    @TempDir
    Path files;

    @BeforeAll
    static void startDaemon() {
        DaemonProcess.ensureRunning(dir, Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopDaemon() {
        stop(dir);
    }

    static void stop(Path dataDir) {
        DaemonEndpoint.discover(dataDir).flatMap(e -> ProcessHandle.of(e.pid())).ifPresent(p -> {
            p.destroy();
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        });
    }

    private static Cli.Result cli(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data-dir";
        all[args.length + 1] = dir.toString();
        return Cli.run(all);
    }

    private static String demoYaml() {
        return dev.flightdeck.daemon.bundle.BundleParser.demoBundleYaml();
    }

    private static List<Long> sequences(String out) {
        return out.lines().map(EVENT_LINE::matcher).filter(Matcher::find).map(m -> Long.parseLong(m.group(1))).toList();
    }

    private static String runId(Cli.Result r) {
        Matcher m = RUN_ID.matcher(r.out());
        assertThat(m.find()).as("a run id in %s", r).isTrue();
        return m.group(1);
    }

    @Test
    void aReviewerListsApprovesAndCannotReverseAGatedRefundFromTheCommandLine() {
        Cli.Result started = cli("run", "refund-with-approval", "--input", "refund A-1001, it arrived damaged",
                "--tenant", "cli-approvals");
        assertThat(started.exitCode()).as("%s", started).isZero();
        String runId = runId(started);
        dev.flightdeck.daemon.testing.Await.until("the run's approval to be listed", Duration.ofSeconds(30),
                () -> cli("approvals", "--run", runId).out().contains("issue_refund"));

        Cli.Result pending = cli("approvals", "--pending", "--run", runId);
        assertThat(pending.out()).contains("APPROVAL").contains("issue_refund").contains("89.99")
                .contains("bundle policy for tool \"issue_refund\": ask");
        String approvalId = pending.out().lines().skip(1).findFirst().orElseThrow().split("\\s+")[0];

        Cli.Result approved = cli("approve", approvalId, "--reviewer", "ann", "--reason", "photos check out");
        assertThat(approved.exitCode()).as("%s", approved).isZero();
        assertThat(approved.out()).contains("approval " + approvalId + " approved by ann").contains("photos check out");

        Cli.Result reversed = cli("reject", approvalId, "--reason", "changed my mind", "--reviewer", "bob");
        assertThat(reversed.exitCode()).as("%s", reversed).isEqualTo(ExitCodes.FAILURE);
        assertThat(reversed.err().strip()).startsWith("flightdeck: approval " + approvalId
                + " was already decided: APPROVE by ann").doesNotContain("\n");

        Cli.Result all = cli("approvals", "--all", "--run", runId);
        assertThat(all.out()).contains("decided").contains("approved by ann");
        Cli.Result watched = cli("watch", runId);
        assertThat(watched.out()).contains("approval decided: approve by ann");
    }

    @Test
    void approvalCommandsRefuseBadInputOnOneLine() {
        Cli.Result unknown = cli("approve", "apr_nope");
        assertThat(unknown.exitCode()).as("%s", unknown).isEqualTo(ExitCodes.FAILURE);
        assertThat(unknown.err().strip()).isEqualTo("flightdeck: approval_id: unknown approval \"apr_nope\"");

        Cli.Result noReason = cli("reject", "apr_nope");
        assertThat(noReason.exitCode()).as("%s", noReason).isEqualTo(ExitCodes.USAGE);
        assertThat(noReason.err()).contains("--reason");

        Cli.Result both = cli("approve", "apr_nope", "--retry", "--args", "{}");
        assertThat(both.exitCode()).as("%s", both).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void statusReportsAServingDaemon() {
        Cli.Result r = cli("status");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.out()).contains("SERVING").contains(dir.toAbsolutePath().normalize().toString())
                .containsPattern("pid\\s+\\d+").containsPattern("address\\s+127\\.0\\.0\\.1:\\d+");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void bundlePushStoresOnceAndShowsIt() throws IOException {
        Path file = Files.writeString(files.resolve("refund-copy.yaml"),
                demoYaml().replace("name: support-refund", "name: refund-copy"));

        Cli.Result first = cli("bundle", "push", file.toString());
        assertThat(first.exitCode()).as("%s", first).isZero();
        assertThat(first.out().strip()).matches("pushed refund-copy@[0-9a-f]{64}");
        String versionId = first.out().strip().substring("pushed refund-copy@".length());

        Cli.Result again = cli("bundle", "push", file.toString());
        assertThat(again.exitCode()).as("%s", again).isZero();
        assertThat(again.out().strip()).isEqualTo("unchanged refund-copy@" + versionId);

        Cli.Result list = cli("bundle", "list");
        assertThat(list.exitCode()).as("%s", list).isZero();
        assertThat(list.out()).contains("NAME").contains("support-refund").contains("refund-copy")
                .contains(versionId.substring(0, 12));

        Cli.Result show = cli("bundle", "show", "refund-copy@" + versionId.substring(0, 8));
        assertThat(show.exitCode()).as("%s", show).isZero();
        assertThat(show.out()).contains("name: refund-copy").contains("lookup_order");
    }

    @Test
    void aMalformedBundlePrintsEveryProblemAndStoresNothing() throws IOException {
        Path file = Files.writeString(files.resolve("broken.yaml"), String.join("\n",
                "format: 1",
                "name: Broken Bundle",
                "system_prompt: hi",
                "tools:",
                "  - name: lookup_order",
                "    description: Look up an order",
                "    implementation: builtin:lookup_order",
                "    policy: maybe",
                "    parameters: {type: object}",
                "model:",
                "  provider: nowhere",
                "  model: x",
                ""));
        Cli.Result r = cli("bundle", "push", file.toString());
        assertThat(r.exitCode()).as("%s", r).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.out()).isEmpty();
        List<String> lines = r.err().lines().toList();
        assertThat(lines.get(0)).startsWith("flightdeck: " + file + " is not a valid bundle");
        assertThat(lines.size()).as("%s", r).isGreaterThanOrEqualTo(3);
        assertThat(lines.subList(1, lines.size())).allSatisfy(l -> assertThat(l).startsWith("  ").contains(": "));
        assertThat(r.err()).contains("name").contains("policy").contains("provider");

        // Nothing was stored: the listing works and still shows only the bundles that were there.
        Cli.Result list = cli("bundle", "list");
        assertThat(list.exitCode()).as("%s", list).isZero();
        assertThat(list.out()).contains("support-refund").doesNotContain("Broken");
    }

    @Test
    void runFollowPrintsEveryEventAndSucceeds() {
        Cli.Result r = cli("run", "support-refund", "--input", "Order A-1001 arrived broken, refund please",
                "--tenant", "acme", "--follow");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.out()).contains("started run ").contains("support-refund@").contains(" SUCCEEDED in ")
                .contains("answer:").contains("lookup_order");
        List<Long> seqs = sequences(r.out());
        assertThat(seqs).isNotEmpty();
        for (int i = 0; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).as("gap-free sequences in %s", r).isEqualTo(i + 1L);
        }
        String id = runId(r);

        Cli.Result runs = cli("runs", "--tenant", "acme", "--status", "succeeded");
        assertThat(runs.exitCode()).as("%s", runs).isZero();
        assertThat(runs.out().lines().findFirst().orElseThrow())
                .contains("RUN").contains("STATUS").contains("BUNDLE").contains("TENANT").contains("STARTED")
                .contains("DURATION").contains("STEPS");
        assertThat(runs.out()).contains(id).contains("SUCCEEDED").contains("acme");

        Cli.Result none = cli("runs", "--tenant", "nobody-here");
        assertThat(none.out().strip()).isEqualTo("no runs");

        Cli.Result cancel = cli("cancel", id);
        assertThat(cancel.exitCode()).as("%s", cancel).isZero();
        assertThat(cancel.out()).contains("already ended SUCCEEDED");
    }

    @Test
    void costsShowsSpendByTenantAndModelAsATableOrCsv_andTheMostExpensiveRuns() {
        Cli.Result run = cli("run", "support-refund", "--input", "Order A-1001 arrived broken, refund please",
                "--tenant", "cli-costs", "--follow");
        assertThat(run.exitCode()).as("%s", run).isZero();
        String id = runId(run);

        Cli.Result table = cli("costs", "--since", "1d", "--by", "tenant,model");
        assertThat(table.exitCode()).as("%s", table).isZero();
        assertThat(table.out().lines().findFirst().orElseThrow()).contains("TENANT").contains("MODEL").contains("CALLS")
                .contains("COST").contains("P95_MS");
        assertThat(table.out().lines().filter(l -> l.startsWith("cli-costs ")).findFirst().orElseThrow())
                .contains("scripted/demo-1").contains("$");
        assertThat(table.out().lines().reduce((a, b) -> b).orElseThrow()).startsWith("TOTAL");

        Cli.Result csv = cli("costs", "--since", "1d", "--by", "tenant", "--csv");
        assertThat(csv.exitCode()).as("%s", csv).isZero();
        assertThat(csv.out().lines().findFirst().orElseThrow())
                .isEqualTo("TENANT,RUNS,CALLS,INPUT,CACHED,CACHE_WRITE,OUTPUT,COST,UNPRICED,P50_MS,P95_MS,P99_MS");
        assertThat(csv.out().lines().filter(l -> l.startsWith("cli-costs,1,")).findFirst().orElseThrow())
                .matches("cli-costs,1,[0-9]+,[0-9]+,0,0,[0-9]+,0\\.[0-9]{6},0,[0-9]+,[0-9]+,[0-9]+");

        Cli.Result top = cli("costs", "top", "--since", "1d", "--limit", "500");
        assertThat(top.exitCode()).as("%s", top).isZero();
        assertThat(top.out().lines().findFirst().orElseThrow()).contains("RUN").contains("TENANT").contains("COST");
        assertThat(top.out()).contains(id).contains("cli-costs").contains("SUCCEEDED");
    }

    @Test
    void watchAfterASequencePrintsOnlyLaterEvents() {
        Cli.Result started = cli("run", "support-refund", "--input", "A-1001 is damaged", "--idempotency-key", "k-watch");
        assertThat(started.exitCode()).as("%s", started).isZero();
        String id = runId(started);

        Cli.Result all = cli("watch", id);
        assertThat(all.exitCode()).as("%s", all).isZero();
        List<Long> allSeqs = sequences(all.out());
        assertThat(allSeqs.size()).isGreaterThan(3);

        Cli.Result later = cli("watch", id, "--after", "3");
        assertThat(later.exitCode()).as("%s", later).isZero();
        assertThat(sequences(later.out())).isEqualTo(allSeqs.subList(3, allSeqs.size()));

        Cli.Result retry = cli("run", "support-refund", "--input", "A-1001 is damaged", "--idempotency-key", "k-watch");
        assertThat(retry.exitCode()).as("%s", retry).isZero();
        assertThat(retry.out()).startsWith("existing run " + id + " ");
    }

    @Test
    void unknownThingsAreOneLineErrors() {
        Cli.Result run = cli("run", "nope", "--input", "x");
        assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCodes.FAILURE);
        assertThat(run.err()).startsWith("flightdeck: ").contains("nope");
        assertThat(run.err().lines()).hasSize(1);

        Cli.Result watch = cli("watch", "no-such-run");
        assertThat(watch.exitCode()).as("%s", watch).isEqualTo(ExitCodes.FAILURE);
        assertThat(watch.err()).startsWith("flightdeck: ").contains("no-such-run");
        assertThat(watch.err().lines()).hasSize(1);

        Cli.Result show = cli("bundle", "show", "nope");
        assertThat(show.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(show.err()).startsWith("flightdeck: ").contains("nope");
    }

    @Test
    void aRunThatHitsItsStepLimitExitsNonZeroWithTheReason() throws IOException {
        Path file = Files.writeString(files.resolve("short.yaml"), demoYaml()
                .replace("name: support-refund", "name: short-leash")
                .replace("max_steps: 8", "max_steps: 2"));
        assertThat(cli("bundle", "push", file.toString()).exitCode()).isZero();

        Cli.Result r = cli("run", "short-leash", "--input", "A-1001 broke", "--follow");
        assertThat(r.exitCode()).as("%s", r).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.out()).contains(" FAILED (STEP_LIMIT) in ").doesNotContain("answer:");
        assertThat(r.err()).startsWith("flightdeck: run " + runId(r) + " ended FAILED (STEP_LIMIT)");
        assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void cancelStopsARunningRunAndWatchReportsIt() throws IOException {
        Path file = Files.writeString(files.resolve("slow.yaml"), demoYaml()
                .replace("name: support-refund", "name: slow-refund")
                .replace("latency_ms: 320", "latency_ms: 6000")); // long enough to cancel it mid-run
        assertThat(cli("bundle", "push", file.toString()).exitCode()).isZero();
        Cli.Result started = cli("run", "slow-refund", "--input", "A-1001 broke");
        String id = runId(started);

        Cli.Result cancel = cli("cancel", id, "--reason", "changed my mind");
        assertThat(cancel.exitCode()).as("%s", cancel).isZero();
        assertThat(cancel.out()).contains(id);

        Cli.Result watch = cli("watch", id);
        assertThat(watch.exitCode()).as("%s", watch).isEqualTo(ExitCodes.FAILURE);
        assertThat(watch.out()).contains("changed my mind").contains(" CANCELLED in ");
        assertThat(watch.err()).startsWith("flightdeck: run " + id + " ended CANCELLED");
    }

    @Test
    void demoRunsOnTheRunningDaemon() {
        Cli.Result r = cli("demo");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("customer: ").contains(" SUCCEEDED in ").contains("answer:")
                .contains("full refund");
    }

    @Test
    void demoStartsADaemonWhenNoneRuns(@TempDir Path fresh) {
        try {
            Cli.Result r = Cli.run("demo", "--data-dir", fresh.toString());
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.err()).startsWith("started a daemon on " + fresh.toAbsolutePath().normalize() + " (pid ");
            assertThat(r.out()).contains(" SUCCEEDED in ").contains("full refund");
        } finally {
            stop(fresh);
        }
    }
}
