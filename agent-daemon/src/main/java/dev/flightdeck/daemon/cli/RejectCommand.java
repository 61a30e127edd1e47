package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.DecideApproval;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code flightdeck reject ID --reason R}: the gated call never executes; the agent is told why. */
@Command(name = "reject", mixinStandardHelpOptions = true,
        description = {"Reject a gated tool call: it never executes, the reason goes back to the agent as the",
                "tool's result, and the run continues. For an ambiguous tool call, --fail-run ends the run FAILED."})
final class RejectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "APPROVAL_ID", description = "The approval (see \"flightdeck approvals\").")
    String approvalId;

    @Option(names = "--reason", paramLabel = "R", required = true,
            description = "Why; the agent (or, with --fail-run, the run's message) says it.")
    String reason;

    @Option(names = "--fail-run", description = "Ambiguous call: do not execute it and end the run FAILED.")
    boolean failRun;

    @Option(names = "--reviewer", paramLabel = "NAME", description = "Who decides (default: the OS user, ${sys:user.name}).")
    String reviewer;

    @Mixin
    DataDirOption dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String who = reviewer == null || reviewer.isBlank() ? DecideApproval.osUser() : reviewer;
        DecideApproval d = failRun ? DecideApproval.failRun(approvalId, reason, who)
                : DecideApproval.reject(approvalId, reason, who);
        try (DaemonClient client = dataDir.connect()) {
            ApproveCommand.print(spec.commandLine().getOut(), client.decideApproval(d));
        }
        return ExitCodes.OK;
    }
}
