package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.ApprovalFilter;
import dev.flightdeck.client.ApprovalInfo;
import dev.flightdeck.client.ApprovalState;
import dev.flightdeck.client.DaemonClient;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code flightdeck approvals}: gated tool calls waiting for a reviewer (or all of them). */
@Command(name = "approvals", mixinStandardHelpOptions = true,
        description = {"List approvals, newest first: pending ones by default.",
                "Decide one with \"flightdeck approve ID\" or \"flightdeck reject ID --reason R\"."})
final class ApprovalsCommand implements Callable<Integer> {
    static final class Which {
        @Option(names = "--pending", description = "Only approvals waiting for a decision (the default).")
        boolean pending;

        @Option(names = "--all", description = "Approvals in any state: pending, decided, closed.")
        boolean all;
    }

    @ArgGroup(exclusive = true)
    Which which;

    @Option(names = "--run", paramLabel = "RUN_ID", description = "Only approvals of this run.")
    String runId;

    @Option(names = "--tenant", paramLabel = "T", description = "Only approvals of this tenant's runs.")
    String tenant;

    @Mixin
    DataDirOption dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        boolean all = which != null && which.all;
        PrintWriter out = spec.commandLine().getOut();
        List<ApprovalInfo> approvals;
        try (DaemonClient client = dataDir.connect()) {
            approvals = client.listAllApprovals(new ApprovalFilter(all ? null : ApprovalState.PENDING, runId, tenant));
        }
        if (approvals.isEmpty()) {
            out.println(all ? "no approvals" : "no pending approvals");
            out.flush();
            return ExitCodes.OK;
        }
        Instant now = Instant.now();
        Table t = all
                ? new Table("APPROVAL", "STATE", "TOOL", "RUN", "TENANT", "REQUESTED", "DECISION")
                : new Table("APPROVAL", "TOOL", "ARGUMENTS", "RUN", "TENANT", "WAITING", "GATED BY");
        for (ApprovalInfo a : approvals) {
            if (all) {
                t.row(a.approvalId(), a.state().name().toLowerCase(), a.toolName(), a.runId(), a.tenant(),
                        Formats.time(a.createdAt()), decision(a));
            } else {
                t.row(a.approvalId(), a.toolName(), clip(a.argumentsJson(), 60), a.runId(), a.tenant(),
                        Formats.duration(a.age(now)), clip(a.reason(), 60));
            }
        }
        t.print(out);
        return ExitCodes.OK;
    }

    static String decision(ApprovalInfo a) {
        return switch (a.state()) {
            case PENDING -> "-";
            case CLOSED -> a.decisionReason();
            default -> pastTense(a) + " by " + a.reviewer()
                    + " at " + Formats.time(a.decidedAt()) + (a.decisionReason().isEmpty() ? "" : ": " + a.decisionReason());
        };
    }

    private static String pastTense(ApprovalInfo a) {
        return switch (a.decision()) {
            case APPROVE -> "approved";
            case APPROVE_WITH_EDITS -> "approved with edits";
            case REJECT -> "rejected";
            case RETRY -> "retried";
            case RECORD_RESULT -> "result recorded";
            case FAIL_RUN -> "run failed";
        };
    }

    private static String clip(String s, int max) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() <= max ? one : one.substring(0, max - 1) + "…";
    }
}
