package dev.flightdeck.daemon.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Parsing and error paths: everything a user can get wrong with no daemon running. */
class CliWithoutDaemonTest {
    @TempDir
    Path dir;

    private String noDaemon() {
        return "flightdeck: no daemon is running on " + dir.toAbsolutePath().normalize()
                + "; start one with \"flightdeck daemon\"" + System.lineSeparator();
    }

    @Test
    void everyDaemonCommandSaysNoDaemonInOneLine() {
        List<List<String>> commands = List.of(
                List.of("status"),
                List.of("runs"),
                List.of("run", "support-refund", "--input", "hi"),
                List.of("run", "support-refund", "--input", "hi", "--follow"),
                List.of("watch", "run-1"),
                List.of("cancel", "run-1", "--reason", "test"),
                List.of("bundle", "list"),
                List.of("bundle", "show", "support-refund"),
                List.of("prune", "--older-than", "30d", "--dry-run"),
                List.of("costs", "--by", "tenant,day"),
                List.of("costs", "top"));
        for (List<String> command : commands) {
            String[] args = concat(command, "--data-dir", dir.toString());
            Cli.Result r = Cli.run(args);
            assertThat(r.exitCode()).as("%s: %s", command, r).isEqualTo(ExitCodes.NO_DAEMON);
            assertThat(r.err()).as("%s", command).isEqualTo(noDaemon());
            assertThat(r.out()).as("%s", command).isEmpty();
        }
    }

    @Test
    void bundlePushReadsTheFileBeforeLookingForADaemon() throws IOException {
        Cli.Result missing = Cli.run("bundle", "push", dir.resolve("nope.yaml").toString(), "--data-dir", dir.toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(missing.err()).isEqualTo("flightdeck: no such file: " + dir.resolve("nope.yaml")
                + System.lineSeparator());

        Path file = Files.writeString(dir.resolve("b.yaml"), "name: x\n");
        Cli.Result present = Cli.run("bundle", "push", file.toString(), "--data-dir", dir.toString());
        assertThat(present.exitCode()).isEqualTo(ExitCodes.NO_DAEMON);
        assertThat(present.err()).isEqualTo(noDaemon());
    }

    @Test
    void aStaleInfoFileOfADeadDaemonMeansNoDaemon() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
        Files.writeString(dir.resolve("daemon.json"),
                "{\"host\":\"127.0.0.1\",\"port\":1,\"token\":\"t\",\"pid\":" + p.pid() + "}");
        Cli.Result r = Cli.run("status", "--data-dir", dir.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.NO_DAEMON);
        assertThat(r.err()).isEqualTo(noDaemon());
    }

    @Test
    void aGarbledInfoFileIsNamed() throws IOException {
        Files.writeString(dir.resolve("daemon.json"), "{\"port\": 5}");
        Cli.Result r = Cli.run("runs", "--data-dir", dir.toString());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err()).startsWith("flightdeck: ").contains("daemon.json").contains("not a daemon info file");
        assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void aDaemonThatDoesNotAnswerIsReportedNotServing() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // A live pid (this JVM) with a port nobody listens on: an info file whose daemon hangs or died oddly.
        Files.writeString(dir.resolve("daemon.json"), "{\"host\":\"127.0.0.1\",\"port\":" + port
                + ",\"token\":\"t\",\"pid\":" + ProcessHandle.current().pid() + ",\"version\":\"0.0.0\"}");

        Cli.Result status = Cli.run("status", "--data-dir", dir.toString());
        assertThat(status.exitCode()).as("%s", status).isEqualTo(ExitCodes.NO_DAEMON);
        assertThat(status.out()).contains("NOT SERVING").contains(Integer.toString(port));
        assertThat(status.err()).startsWith("flightdeck: the daemon on " + dir.toAbsolutePath().normalize())
                .contains("does not answer health SERVING");
        assertThat(status.err().lines()).hasSize(1);

        Cli.Result runs = Cli.run("runs", "--data-dir", dir.toString());
        assertThat(runs.exitCode()).as("%s", runs).isEqualTo(ExitCodes.NO_DAEMON);
        assertThat(runs.err()).startsWith("flightdeck: the daemon does not answer (");
        assertThat(runs.err().lines()).hasSize(1);
    }

    @Test
    void usageErrorsAreOneLineWithExitTwo() {
        assertUsageError(Cli.run("run", "support-refund"), "Missing required option: '--input=TEXT'", "flightdeck run --help");
        assertUsageError(Cli.run("run"), "Missing required", "flightdeck run --help");
        assertUsageError(Cli.run("runs", "--status", "bogus"), "unknown status \"bogus\"", "flightdeck runs --help");
        assertUsageError(Cli.run("runs", "--limit", "0", "--data-dir", dir.toString()), "--limit must be 1 or more",
                "flightdeck runs --help");
        assertUsageError(Cli.run("watch", "r1", "--after", "-1", "--data-dir", dir.toString()), "--after must be 0 or more",
                "flightdeck watch --help");
        assertUsageError(Cli.run("bundle", "show", "x@", "--data-dir", dir.toString()), "expected NAME or NAME@VERSION",
                "flightdeck bundle show --help");
        assertUsageError(Cli.run("bundle"), "missing subcommand", "flightdeck bundle --help");
        assertUsageError(Cli.run("frobnicate"), "Unmatched argument", "flightdeck --help");
    }

    @Test
    void statusesParseInAnyCase() {
        RunsCommand.StatusConverter c = new RunsCommand.StatusConverter();
        assertThat(c.convert("succeeded")).isEqualTo(dev.flightdeck.client.RunState.SUCCEEDED);
        assertThat(c.convert("waiting-approval")).isEqualTo(dev.flightdeck.client.RunState.WAITING_APPROVAL);
    }

    @Test
    void helpListsEveryCommandAndTheExitCodes() {
        Cli.Result r = Cli.run("--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Exit codes:");
        // Every registered command is listed as a line of its own in the help, not just somewhere in the text.
        for (String command : new picocli.CommandLine(new FlightdeckCli()).getSubcommands().keySet()) {
            assertThat(r.out().lines()).as("help line for %s", command)
                    .anySatisfy(line -> assertThat(line.strip()).startsWith(command + " "));
        }
        Cli.Result bundle = Cli.run("bundle", "--help");
        assertThat(bundle.out()).contains("push", "list", "show");
    }

    private static void assertUsageError(Cli.Result r, String message, String hint) {
        assertThat(r.exitCode()).as("%s", r).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).as("%s", r).startsWith("flightdeck: ").contains(message).contains(hint);
        assertThat(r.err().lines()).as("%s", r).hasSize(1);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void pruneRejectsAnUnreadableAgeBeforeLookingForADaemon() {
        for (String age : List.of("30", "0d", "-1d", "thirty days", "5w")) {
            Cli.Result r = Cli.run("prune", "--older-than", age, "--data-dir", dir.toString());
            assertThat(r.exitCode()).as("%s: %s", age, r).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).isEqualTo("flightdeck: --older-than: expected a positive age such as 30d, 12h, 90m or "
                    + "3600s, got \"" + age + "\"" + System.lineSeparator());
        }
    }

    @Test
    void costsRejectsAnUnknownDimensionOrAgeBeforeLookingForADaemon() {
        Cli.Result dim = Cli.run("costs", "--by", "tenant,colour", "--data-dir", dir.toString());
        assertThat(dim.exitCode()).as("%s", dim).isEqualTo(ExitCodes.USAGE);
        assertThat(dim.err()).isEqualTo("flightdeck: --by: unknown dimension \"colour\"; expected tenant, bundle, "
                + "version, provider, model, day or hour" + System.lineSeparator());
        Cli.Result age = Cli.run("costs", "top", "--since", "a week", "--data-dir", dir.toString());
        assertThat(age.exitCode()).as("%s", age).isEqualTo(ExitCodes.USAGE);
        assertThat(age.err()).isEqualTo("flightdeck: --since: expected a positive age such as 30d, 12h, 90m or "
                + "3600s, got \"a week\"" + System.lineSeparator());
        assertUsageError(Cli.run("costs", "top", "--limit", "501", "--data-dir", dir.toString()),
                "--limit must be 1 to 500, not 501", "flightdeck costs top --help");
    }

    @Test
    void aMalformedDaemonYamlStopsTheDaemonWithOneLineNamingTheLocation() throws IOException {
        assertDaemonRefusesToStart("daemon.yaml", "prices:\n  - {provider: openai, model: gpt-4o, "
                + "input_per_million_usd: 2.5, output_per_million_usd: ten}\n", "prices[0].output_per_million_usd: "
                + "expected a number of US dollars per million tokens, got \"ten\"");
    }

    @Test
    void aMalformedPricingYamlStopsTheDaemonWithOneLineNamingTheEntryAndField() throws IOException {
        assertDaemonRefusesToStart("pricing.yaml", "prices:\n  - {provider: openai, model: gpt-4o, "
                + "effective_from: 2026-13-01, input_per_million_usd: 2.5, output_per_million_usd: 10}\n",
                "prices[0].effective_from: expected a date like 2025-06-10, got \"2026-13-01\"");
    }

    /** Writes {@code file} into the data directory; the daemon must exit 2 with "FILE: problem" and touch nothing. */
    private void assertDaemonRefusesToStart(String file, String content, String problem) throws IOException {
        Files.writeString(dir.resolve(file), content);

        Cli.Result r = Cli.run("daemon", "--data-dir", dir.toString());

        assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
        assertThat(r.err()).isEqualTo(dir.toAbsolutePath().resolve(file) + ": " + problem + System.lineSeparator());
        assertThat(r.out()).isEmpty();
        assertThat(dir.resolve("daemon.json")).doesNotExist();
        assertThat(dir.resolve("db")).doesNotExist();
    }

    private static String[] concat(List<String> command, String... more) {
        String[] all = new String[command.size() + more.length];
        for (int i = 0; i < command.size(); i++) {
            all[i] = command.get(i);
        }
        System.arraycopy(more, 0, all, command.size(), more.length);
        return all;
    }
}
