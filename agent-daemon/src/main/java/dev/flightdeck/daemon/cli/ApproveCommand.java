package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.ApprovalInfo;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DecideApproval;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code flightdeck approve ID}: lets a gated tool call execute (or resolves an ambiguous one). */
@Command(name = "approve", mixinStandardHelpOptions = true,
        description = {"Approve a gated tool call: it executes once, as proposed or with --args.",
                "For an ambiguous tool call (the daemon stopped while it ran): --retry executes it again,",
                "--result JSON records what it returned without executing it."})
final class ApproveCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "APPROVAL_ID", description = "The approval (see \"flightdeck approvals\").")
    String approvalId;

    static final class How {
        @Option(names = "--args", paramLabel = "JSON",
                description = "Execute with these arguments instead (a JSON object valid for the tool).")
        String args;

        @Option(names = "--retry", description = "Ambiguous call: execute it again.")
        boolean retry;

        @Option(names = "--result", paramLabel = "JSON",
                description = "Ambiguous call: record this JSON as the tool's result; do not execute.")
        String result;
    }

    @ArgGroup(exclusive = true)
    How how;

    @Option(names = "--reason", paramLabel = "R", description = "Why, recorded in the run's history.")
    String reason;

    @Option(names = "--reviewer", paramLabel = "NAME", description = "Who decides (default: the OS user, ${sys:user.name}).")
    String reviewer;

    @Mixin
    DataDirOption dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String who = reviewer == null || reviewer.isBlank() ? DecideApproval.osUser() : reviewer;
        DecideApproval d;
        if (how != null && how.args != null) {
            d = DecideApproval.approveWithEdits(approvalId, how.args, reason, who);
        } else if (how != null && how.retry) {
            d = DecideApproval.retry(approvalId, reason, who);
        } else if (how != null && how.result != null) {
            d = DecideApproval.recordResult(approvalId, how.result, reason, who);
        } else {
            d = DecideApproval.approve(approvalId, reason, who);
        }
        try (DaemonClient client = dataDir.connect()) {
            print(spec.commandLine().getOut(), client.decideApproval(d));
        }
        return ExitCodes.OK;
    }

    static void print(PrintWriter out, ApprovalInfo a) {
        out.println("approval " + a.approvalId() + " " + ApprovalsCommand.decision(a) + "; run " + a.runId()
                + " continues (follow it with \"flightdeck watch " + a.runId() + "\")");
        out.flush();
    }
}
