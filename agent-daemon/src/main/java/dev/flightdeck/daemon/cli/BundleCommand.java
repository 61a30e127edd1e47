package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.BundleInfo;
import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.Page;
import dev.flightdeck.client.PushedBundle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code flightdeck bundle push|list|show}. */
@Command(name = "bundle", mixinStandardHelpOptions = true, description = "Push, list and show bundles.",
        subcommands = {BundleCommand.Push.class, BundleCommand.ListBundles.class, BundleCommand.Show.class})
final class BundleCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: push, list or show");
    }

    /** {@code flightdeck bundle push FILE}. */
    @Command(name = "push", mixinStandardHelpOptions = true,
            description = {"Validate a bundle YAML file and store it as a version.",
                    "Prints \"pushed NAME@VERSION\", or \"unchanged NAME@VERSION\" when identical content was stored before.",
                    "A malformed bundle prints every problem as \"location: problem\" and stores nothing."})
    static final class Push implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "The bundle's YAML file.")
        Path file;

        @Mixin
        DataDirOption dataDir;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            String yaml = read(file);
            PrintWriter out = spec.commandLine().getOut();
            try (DaemonClient client = dataDir.connect()) {
                PushedBundle pushed;
                try {
                    pushed = client.pushBundle(yaml);
                } catch (DaemonCallException e) {
                    if (!"INVALID_ARGUMENT".equals(e.code())) {
                        throw e;
                    }
                    printProblems(e.getMessage());
                    return ExitCodes.FAILURE;
                }
                out.println((pushed.created() ? "pushed " : "unchanged ") + pushed.name() + "@" + pushed.versionId());
                out.flush();
                return ExitCodes.OK;
            }
        }

        /**
         * The daemon's INVALID_ARGUMENT message lists every problem as {@code location: problem},
         * one per line or joined by {@code "; "}, possibly after a heading such as
         * {@code invalid bundle:}. Each problem goes on its own stderr line.
         */
        private void printProblems(String message) {
            CommandLine cl = spec.commandLine();
            List<String> problems = problems(message);
            if (problems.size() <= 1) {
                FlightdeckCli.printError(cl, file + " is not a valid bundle: "
                        + (problems.isEmpty() ? message.strip() : problems.get(0)));
                return;
            }
            FlightdeckCli.printError(cl, file + " is not a valid bundle (" + problems.size() + " problems):");
            PrintWriter err = cl.getErr();
            problems.forEach(p -> err.println("  " + p));
            err.flush();
        }

        static List<String> problems(String message) {
            String body = message.strip();
            for (String heading : List.of("invalid bundle:", "invalid bundle")) {
                if (body.regionMatches(true, 0, heading, 0, heading.length())) {
                    body = body.substring(heading.length()).strip();
                    break;
                }
            }
            List<String> lines = new ArrayList<>();
            body.lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(lines::add);
            if (!lines.isEmpty() && lines.get(0).endsWith(":") && lines.size() > 1) {
                lines.remove(0); // a heading line of the daemon's own: ours says the same
            }
            List<String> problems = new ArrayList<>();
            for (String line : lines) {
                for (String part : (lines.size() == 1 ? line.split("; ") : new String[] {line})) {
                    String p = part.strip();
                    if (p.startsWith("- ") || p.startsWith("* ")) {
                        p = p.substring(2).strip();
                    }
                    if (!p.isEmpty()) {
                        problems.add(p);
                    }
                }
            }
            return problems;
        }

        private static String read(Path file) {
            try {
                return Files.readString(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new CliException("no such file: " + file);
            } catch (MalformedInputException e) {
                throw new CliException(file + " is not UTF-8 text");
            } catch (IOException e) {
                throw new CliException("cannot read " + file + ": " + e.getMessage());
            }
        }
    }

    /** {@code flightdeck bundle list [NAME]}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List bundles (latest version of each), or the versions of one bundle, newest first.")
    static final class ListBundles implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "List this bundle's versions.")
        String name;

        @Mixin
        DataDirOption dataDir;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<BundleInfo> bundles = new ArrayList<>();
            try (DaemonClient client = dataDir.connect()) {
                String token = "";
                do {
                    Page<BundleInfo> page = client.listBundles(name, 500, token);
                    bundles.addAll(page.items());
                    token = page.nextPageToken();
                } while (!token.isEmpty());
            }
            if (bundles.isEmpty()) {
                out.println(name == null ? "no bundles" : "no versions of " + name);
                out.flush();
                return ExitCodes.OK;
            }
            Table t = name == null
                    ? new Table("NAME", "LATEST", "VERSIONS", "MODEL", "TOOLS", "STORED", "DESCRIPTION")
                    : new Table("NAME", "VERSION", "MODEL", "TOOLS", "STORED", "DESCRIPTION");
            for (BundleInfo b : bundles) {
                String model = b.provider() + "/" + b.model();
                String tools = b.toolNames().isEmpty() ? "-" : String.join(",", b.toolNames());
                if (name == null) {
                    t.row(b.name(), Formats.shortId(b.versionId()), Integer.toString(b.versionCount()), model, tools,
                            Formats.time(b.createdAt()), b.description());
                } else {
                    t.row(b.name(), Formats.shortId(b.versionId()), model, tools, Formats.time(b.createdAt()),
                            b.description());
                }
            }
            t.print(out);
            return ExitCodes.OK;
        }
    }

    /** {@code flightdeck bundle show NAME[@VERSION]}: prints the YAML as it was pushed. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print a bundle version's YAML as it was pushed (the latest version without @VERSION).")
    static final class Show implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME[@VERSION]",
                description = "The bundle, optionally @ a version id or a unique prefix of 8+ hex characters.")
        String ref;

        @Mixin
        DataDirOption dataDir;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            int at = ref.indexOf('@');
            String name = at < 0 ? ref : ref.substring(0, at);
            String version = at < 0 ? "" : ref.substring(at + 1);
            if (name.isEmpty() || at >= 0 && version.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "expected NAME or NAME@VERSION, not \"" + ref + "\"");
            }
            PrintWriter out = spec.commandLine().getOut();
            try (DaemonClient client = dataDir.connect()) {
                BundleInfo b = client.getBundle(name, version);
                out.print(b.sourceYaml());
                if (!b.sourceYaml().endsWith("\n")) {
                    out.println();
                }
                out.flush();
                return ExitCodes.OK;
            }
        }
    }
}
