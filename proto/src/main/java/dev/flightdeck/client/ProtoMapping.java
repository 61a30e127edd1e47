package dev.flightdeck.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.flightdeck.proto.v1.Bundle;
import dev.flightdeck.proto.v1.DaemonInfo;
import dev.flightdeck.proto.v1.Run;
import dev.flightdeck.proto.v1.RunEvent;
import dev.flightdeck.proto.v1.RunStatus;
import dev.flightdeck.proto.v1.ToolSpec;
import dev.flightdeck.proto.v1.Usage;

import java.time.Instant;
import java.util.Locale;

/** Converts {@code flightdeck.v1} messages into the client's plain records. The only place that does. */
final class ProtoMapping {
    private static final JsonFormat.Printer DETAILS = JsonFormat.printer().preservingProtoFieldNames();

    private ProtoMapping() {
    }

    static RunInfo run(Run r) {
        return new RunInfo(r.getRunId(), r.getBundleName(), r.getBundleVersion(), r.getTenant(), r.getInput(),
                r.getIdempotencyKey(), state(r.getStatus()), reason(r.getTerminalReason().name()),
                r.getStatusMessage(), r.getOutput(), instant(r.hasCreatedAt(), r.getCreatedAt()),
                instant(r.hasStartedAt(), r.getStartedAt()), instant(r.hasFinishedAt(), r.getFinishedAt()),
                r.getStepCount(), r.getLastSequence(), r.hasUsage() ? usage(r.getUsage()) : UsageInfo.NONE);
    }

    static RunState state(RunStatus status) {
        return switch (status) {
            case RUN_STATUS_QUEUED -> RunState.QUEUED;
            case RUN_STATUS_RUNNING -> RunState.RUNNING;
            case RUN_STATUS_WAITING_APPROVAL -> RunState.WAITING_APPROVAL;
            case RUN_STATUS_SUCCEEDED -> RunState.SUCCEEDED;
            case RUN_STATUS_FAILED -> RunState.FAILED;
            case RUN_STATUS_CANCELLED -> RunState.CANCELLED;
            default -> RunState.UNKNOWN;
        };
    }

    static RunStatus status(RunState state) {
        return switch (state) {
            case QUEUED -> RunStatus.RUN_STATUS_QUEUED;
            case RUNNING -> RunStatus.RUN_STATUS_RUNNING;
            case WAITING_APPROVAL -> RunStatus.RUN_STATUS_WAITING_APPROVAL;
            case SUCCEEDED -> RunStatus.RUN_STATUS_SUCCEEDED;
            case FAILED -> RunStatus.RUN_STATUS_FAILED;
            case CANCELLED -> RunStatus.RUN_STATUS_CANCELLED;
            case UNKNOWN -> RunStatus.RUN_STATUS_UNSPECIFIED;
        };
    }

    static UsageInfo usage(Usage u) {
        return new UsageInfo(u.getInputTokens(), u.getCachedInputTokens(), u.getOutputTokens(),
                u.getReasoningTokens(), u.getCostMicros(), u.getPriced(), u.getCacheWriteTokens());
    }

    static dev.flightdeck.proto.v1.CostDimension dimension(CostDimension d) {
        // A switch, not valueOf by name: a new dimension fails to compile here instead of at run time.
        return switch (d) {
            case TENANT -> dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_TENANT;
            case BUNDLE -> dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_BUNDLE;
            case BUNDLE_VERSION -> dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_BUNDLE_VERSION;
            case PROVIDER -> dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_PROVIDER;
            case MODEL -> dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_MODEL;
            case DAY -> dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_DAY;
            case HOUR -> dev.flightdeck.proto.v1.CostDimension.COST_DIMENSION_HOUR;
        };
    }

    static dev.flightdeck.proto.v1.CostFilter costFilter(CostFilter f) {
        return dev.flightdeck.proto.v1.CostFilter.newBuilder().addAllTenants(f.tenants())
                .addAllBundleNames(f.bundleNames()).addAllBundleVersions(f.bundleVersions())
                .addAllProviders(f.providers()).addAllModels(f.models()).build();
    }

    static dev.flightdeck.proto.v1.QueryCostRequest queryCost(CostQuery q) {
        dev.flightdeck.proto.v1.QueryCostRequest.Builder b = dev.flightdeck.proto.v1.QueryCostRequest.newBuilder()
                .setFrom(timestamp(q.from())).setTo(timestamp(q.to())).setFilter(costFilter(q.filter()))
                .setLimit(q.limit());
        q.groupBy().forEach(d -> b.addGroupBy(dimension(d)));
        return b.build();
    }

    static CostReport costReport(dev.flightdeck.proto.v1.QueryCostResponse r) {
        return new CostReport(r.getGroupsList().stream().map(ProtoMapping::costGroup).toList(),
                r.hasTotal() ? costGroup(r.getTotal()) : CostGroupInfo.EMPTY, r.getTruncated());
    }

    static CostGroupInfo costGroup(dev.flightdeck.proto.v1.CostGroup g) {
        return new CostGroupInfo(g.getKeysList(), instant(g.hasBucketStart(), g.getBucketStart()), g.getRuns(),
                g.getCalls(), g.hasUsage() ? usage(g.getUsage()) : UsageInfo.NONE, g.getUnpricedCalls(),
                g.getLatencyP50Ms(), g.getLatencyP95Ms(), g.getLatencyP99Ms());
    }

    static CostlyRunInfo costlyRun(dev.flightdeck.proto.v1.CostlyRun r) {
        return new CostlyRunInfo(r.getRunId(), r.getTenant(), r.getBundleName(), r.getBundleVersion(),
                state(r.getStatus()), instant(r.hasCreatedAt(), r.getCreatedAt()), r.getCalls(),
                r.hasUsage() ? usage(r.getUsage()) : UsageInfo.NONE, r.getUnpricedCalls());
    }

    static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    static ApprovalInfo approval(dev.flightdeck.proto.v1.Approval a) {
        return new ApprovalInfo(a.getApprovalId(), a.getRunId(), a.getTenant(), a.getBundleName(),
                a.getBundleVersion(), a.getStep(), a.getCall().getCallId(), a.getCall().getToolName(),
                a.getCall().getArgumentsJson(), policy(a.getPolicy()), a.getReason(), kind(a.getKind()),
                approvalState(a.getState()), instant(a.hasCreatedAt(), a.getCreatedAt()), decision(a.getDecision()),
                a.getReviewer(), a.getDecisionReason(), instant(a.hasDecidedAt(), a.getDecidedAt()),
                a.getEditedArgumentsJson(), a.getManualResultJson(), a.getParametersJson());
    }

    static String policy(dev.flightdeck.proto.v1.ToolPolicy p) {
        return switch (p) {
            case TOOL_POLICY_ALLOW -> "allow";
            case TOOL_POLICY_ASK -> "ask";
            case TOOL_POLICY_DENY -> "deny";
            default -> "";
        };
    }

    static ApprovalKind kind(dev.flightdeck.proto.v1.ApprovalKind k) {
        return switch (k) {
            case APPROVAL_KIND_GATED_TOOL_CALL -> ApprovalKind.GATED_TOOL_CALL;
            case APPROVAL_KIND_AMBIGUOUS_TOOL_CALL -> ApprovalKind.AMBIGUOUS_TOOL_CALL;
            default -> ApprovalKind.UNKNOWN;
        };
    }

    static ApprovalState approvalState(dev.flightdeck.proto.v1.ApprovalState s) {
        return switch (s) {
            case APPROVAL_STATE_PENDING -> ApprovalState.PENDING;
            case APPROVAL_STATE_DECIDED -> ApprovalState.DECIDED;
            case APPROVAL_STATE_CLOSED -> ApprovalState.CLOSED;
            default -> ApprovalState.UNKNOWN;
        };
    }

    static dev.flightdeck.proto.v1.ApprovalState approvalState(ApprovalState s) {
        return s == null ? dev.flightdeck.proto.v1.ApprovalState.APPROVAL_STATE_UNSPECIFIED : switch (s) {
            case PENDING -> dev.flightdeck.proto.v1.ApprovalState.APPROVAL_STATE_PENDING;
            case DECIDED -> dev.flightdeck.proto.v1.ApprovalState.APPROVAL_STATE_DECIDED;
            case CLOSED -> dev.flightdeck.proto.v1.ApprovalState.APPROVAL_STATE_CLOSED;
            case UNKNOWN -> dev.flightdeck.proto.v1.ApprovalState.APPROVAL_STATE_UNSPECIFIED;
        };
    }

    /** The client decision of a proto decision; null for UNSPECIFIED. */
    static ApprovalDecision decision(dev.flightdeck.proto.v1.ApprovalDecision d) {
        return switch (d) {
            case APPROVAL_DECISION_APPROVE -> ApprovalDecision.APPROVE;
            case APPROVAL_DECISION_APPROVE_WITH_EDITS -> ApprovalDecision.APPROVE_WITH_EDITS;
            case APPROVAL_DECISION_REJECT -> ApprovalDecision.REJECT;
            case APPROVAL_DECISION_RETRY -> ApprovalDecision.RETRY;
            case APPROVAL_DECISION_RECORD_RESULT -> ApprovalDecision.RECORD_RESULT;
            case APPROVAL_DECISION_FAIL_RUN -> ApprovalDecision.FAIL_RUN;
            default -> null;
        };
    }

    static dev.flightdeck.proto.v1.ApprovalDecision decision(ApprovalDecision d) {
        return d == null ? dev.flightdeck.proto.v1.ApprovalDecision.APPROVAL_DECISION_UNSPECIFIED
                : dev.flightdeck.proto.v1.ApprovalDecision.valueOf("APPROVAL_DECISION_" + d.name());
    }

    static RunEventInfo event(RunEvent e) {
        Message payload = payload(e);
        String type = e.getPayloadCase() == RunEvent.PayloadCase.PAYLOAD_NOT_SET
                ? "unknown" : e.getPayloadCase().name().toLowerCase(Locale.ROOT);
        return new RunEventInfo(e.getRunId(), e.getSequence(), instant(e.hasOccurredAt(), e.getOccurredAt()),
                e.getStep(), type, EventSummaries.summarize(e), payload == null ? "{}" : json(payload),
                e.getPrevHash(), e.getHash(), e.getCanonicalJson(), e.hasRunFinished(), modelCall(e));
    }

    private static ModelCallInfo modelCall(RunEvent e) {
        if (!e.hasModelResponded()) {
            return null;
        }
        dev.flightdeck.proto.v1.ModelResponded m = e.getModelResponded();
        return new ModelCallInfo(m.getProvider(), m.getModel(), usage(m.getUsage()), m.getLatencyMs());
    }

    static BundleInfo bundle(Bundle b) {
        return new BundleInfo(b.getName(), b.getVersionId(), b.getDescription(),
                instant(b.hasCreatedAt(), b.getCreatedAt()),
                b.getToolsList().stream().map(ToolSpec::getName).toList(),
                b.getModel().getProvider(), b.getModel().getModel(), b.getLimits().getMaxSteps(),
                b.getVersionCount(), b.getSourceYaml());
    }

    static DaemonStatus daemon(DaemonInfo d) {
        return new DaemonStatus(d.getVersion(), d.getDataDir(), d.getPid(),
                instant(d.hasStartedAt(), d.getStartedAt()));
    }

    private static Message payload(RunEvent e) {
        return switch (e.getPayloadCase()) {
            case RUN_STARTED -> e.getRunStarted();
            case MODEL_REQUESTED -> e.getModelRequested();
            case MODEL_RESPONDED -> e.getModelResponded();
            case TOOL_CALL_PROPOSED -> e.getToolCallProposed();
            case APPROVAL_REQUESTED -> e.getApprovalRequested();
            case APPROVAL_DECIDED -> e.getApprovalDecided();
            case TOOL_CALL_STARTED -> e.getToolCallStarted();
            case TOOL_CALL_FINISHED -> e.getToolCallFinished();
            case GUARDRAIL_TRIPPED -> e.getGuardrailTripped();
            case CANCEL_REQUESTED -> e.getCancelRequested();
            case RUN_FINISHED -> e.getRunFinished();
            case PAYLOAD_NOT_SET -> null;
        };
    }

    private static String json(Message m) {
        try {
            return DetailsJson.readable(DETAILS.print(m));
        } catch (InvalidProtocolBufferException e) {
            return "{\"error\": \"cannot render payload: " + e.getMessage().replace("\"", "'") + "\"}";
        }
    }

    private static String reason(String enumName) {
        return enumName.startsWith("TERMINAL_REASON_") && !enumName.endsWith("UNSPECIFIED")
                ? enumName.substring("TERMINAL_REASON_".length()) : "";
    }

    private static Instant instant(boolean present, Timestamp t) {
        return present ? Instant.ofEpochSecond(t.getSeconds(), t.getNanos()) : null;
    }
}
