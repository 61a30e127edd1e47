package dev.flightdeck.daemon.api;

import com.google.protobuf.Timestamp;
import dev.flightdeck.daemon.bundle.BundleVersion;
import dev.flightdeck.daemon.engine.EventCodec;
import dev.flightdeck.daemon.engine.EventPayload;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.approval.ApprovalRecord;
import dev.flightdeck.proto.v1.Approval;
import dev.flightdeck.proto.v1.ApprovalDecided;
import dev.flightdeck.proto.v1.ApprovalKind;
import dev.flightdeck.proto.v1.ApprovalState;
import dev.flightdeck.proto.v1.ApprovalDecision;
import dev.flightdeck.proto.v1.ApprovalRequested;
import dev.flightdeck.proto.v1.Bundle;
import dev.flightdeck.proto.v1.CancelRequested;
import dev.flightdeck.proto.v1.ChatMessage;
import dev.flightdeck.proto.v1.GuardrailTripped;
import dev.flightdeck.proto.v1.Limits;
import dev.flightdeck.proto.v1.MessageRole;
import dev.flightdeck.proto.v1.ModelAttempt;
import dev.flightdeck.proto.v1.ModelConfig;
import dev.flightdeck.proto.v1.ModelRequested;
import dev.flightdeck.proto.v1.ModelResponded;
import dev.flightdeck.proto.v1.Run;
import dev.flightdeck.proto.v1.RunEvent;
import dev.flightdeck.proto.v1.RunFinished;
import dev.flightdeck.proto.v1.RunStarted;
import dev.flightdeck.proto.v1.RunStatus;
import dev.flightdeck.proto.v1.TerminalReason;
import dev.flightdeck.proto.v1.ToolCall;
import dev.flightdeck.proto.v1.ToolCallFinished;
import dev.flightdeck.proto.v1.ToolCallProposed;
import dev.flightdeck.proto.v1.ToolCallStarted;
import dev.flightdeck.proto.v1.ToolPolicy;
import dev.flightdeck.proto.v1.ToolSpec;
import dev.flightdeck.proto.v1.Usage;

import java.time.Instant;

/** Converts domain records to flightdeck.v1 messages and back. The only place in the daemon that does. */
final class ProtoConverter {
    private final EventCodec codec;

    ProtoConverter(EventCodec codec) {
        this.codec = codec;
    }

    Run run(RunRecord r) {
        Run.Builder b = Run.newBuilder()
                .setRunId(r.runId()).setBundleName(r.bundleName()).setBundleVersion(r.bundleVersion())
                .setTenant(r.tenant()).setInput(r.input()).setIdempotencyKey(r.idempotencyKey())
                .setStatus(status(r.status()))
                .setStatusMessage(r.statusMessage()).setOutput(r.output())
                .setCreatedAt(timestamp(r.createdAt()))
                .setStepCount(r.stepCount()).setLastSequence(r.lastSequence()).setUsage(usage(r.usage()));
        if (r.terminalReason() != null) {
            b.setTerminalReason(reason(r.terminalReason()));
        }
        if (r.startedAt() != null) {
            b.setStartedAt(timestamp(r.startedAt()));
        }
        if (r.finishedAt() != null) {
            b.setFinishedAt(timestamp(r.finishedAt()));
        }
        return b.build();
    }

    RunEvent event(RunEventRecord e) {
        RunEvent.Builder b = RunEvent.newBuilder()
                .setRunId(e.runId()).setSequence(e.sequence()).setOccurredAt(timestamp(e.occurredAt()))
                .setStep(e.step()).setPrevHash(e.prevHash()).setHash(e.hash()).setCanonicalJson(e.canonicalJson());
        EventPayload p = codec.payloadOf(e);
        if (p instanceof EventPayload.RunStarted s) {
            b.setRunStarted(RunStarted.newBuilder().setBundleName(s.bundleName()).setBundleVersion(s.bundleVersion())
                    .setTenant(s.tenant()).setInput(s.input()));
        } else if (p instanceof EventPayload.ModelRequested m) {
            ModelRequested.Builder mb = ModelRequested.newBuilder().setProvider(m.provider()).setModel(m.model())
                    .setMessageCount(m.messageCount()).addAllToolNames(m.toolNames());
            m.newMessages().forEach(msg -> mb.addNewMessages(message(msg)));
            b.setModelRequested(mb);
        } else if (p instanceof EventPayload.ModelResponded m) {
            ModelResponded.Builder mb = ModelResponded.newBuilder().setProvider(m.provider()).setModel(m.model())
                    .setMessage(message(m.message())).setFinishReason(m.finishReason()).setUsage(usage(m.usage()))
                    .setLatencyMs(m.latencyMs());
            m.attempts().forEach(a -> mb.addAttempts(ModelAttempt.newBuilder().setAttempt(a.attempt())
                    .setModel(a.model()).setStatusCode(a.statusCode()).setError(a.error()).setWaitMs(a.waitMs())
                    .setLatencyMs(a.latencyMs())));
            b.setModelResponded(mb);
        } else if (p instanceof EventPayload.ToolCallProposed t) {
            b.setToolCallProposed(ToolCallProposed.newBuilder().setCall(call(t.call())).setPolicy(policy(t.policy()))
                    .setPolicyReason(t.policyReason()));
        } else if (p instanceof EventPayload.ApprovalRequested a) {
            b.setApprovalRequested(ApprovalRequested.newBuilder().setApprovalId(a.approvalId()).setCall(call(a.call()))
                    .setReason(a.reason()).setKind(kind(a.kind() == null
                            ? dev.flightdeck.daemon.approval.ApprovalKind.GATED_TOOL_CALL : a.kind())));
        } else if (p instanceof EventPayload.ApprovalDecided d) {
            b.setApprovalDecided(ApprovalDecided.newBuilder().setApprovalId(d.approvalId())
                    .setDecision(decision(d.decision()))
                    .setEditedArgumentsJson(nz(d.editedArgumentsJson())).setReviewer(nz(d.reviewer()))
                    .setReason(nz(d.reason())).setManualResultJson(nz(d.manualResultJson()))
                    .setRequestId(nz(d.requestId())));
        } else if (p instanceof EventPayload.ToolCallStarted s) {
            b.setToolCallStarted(ToolCallStarted.newBuilder().setCall(call(s.call())).setIdempotencyKey(s.idempotencyKey())
                    .setAttempt(s.attempt()));
        } else if (p instanceof EventPayload.ToolCallFinished f) {
            b.setToolCallFinished(ToolCallFinished.newBuilder().setCallId(f.callId()).setToolName(f.toolName())
                    .setResultJson(f.resultJson()).setIsError(f.isError()).setLatencyMs(f.latencyMs()));
        } else if (p instanceof EventPayload.GuardrailTripped g) {
            b.setGuardrailTripped(GuardrailTripped.newBuilder().setGuardrail(reason(g.guardrail())).setLimit(g.limit())
                    .setObserved(g.observed()).setMessage(g.message()));
        } else if (p instanceof EventPayload.CancelRequested c) {
            b.setCancelRequested(CancelRequested.newBuilder().setRequestedBy(c.requestedBy()).setReason(c.reason()));
        } else if (p instanceof EventPayload.RunFinished f) {
            b.setRunFinished(RunFinished.newBuilder().setStatus(status(f.status())).setReason(reason(f.reason()))
                    .setMessage(f.message()).setOutput(f.output()).setUsage(usage(f.usage())).setStepCount(f.stepCount()));
        }
        return b.build();
    }

    /** An approval, with its tool's schema. */
    Approval approval(ApprovalRecord a) {
        Approval.Builder b = Approval.newBuilder().setApprovalId(a.approvalId()).setRunId(a.runId())
                .setTenant(a.tenant()).setBundleName(a.bundleName()).setBundleVersion(a.bundleVersion())
                .setStep(a.step())
                .setCall(ToolCall.newBuilder().setCallId(a.callId()).setToolName(a.toolName())
                        .setArgumentsJson(nz(a.argumentsJson())))
                .setPolicy(policy(a.policy())).setReason(nz(a.reason())).setKind(kind(a.kind()))
                .setState(state(a.state())).setCreatedAt(timestamp(a.createdAt()))
                .setReviewer(nz(a.reviewer())).setDecisionReason(nz(a.decisionReason()))
                .setEditedArgumentsJson(nz(a.editedArgumentsJson())).setManualResultJson(nz(a.manualResultJson()))
                .setParametersJson(nz(a.parametersJson()));
        if (a.decision() != null) {
            b.setDecision(decision(a.decision()));
        }
        if (a.decidedAt() != null) {
            b.setDecidedAt(timestamp(a.decidedAt()));
        }
        return b.build();
    }

    static ApprovalDecision decision(dev.flightdeck.daemon.approval.ApprovalDecision d) {
        return ApprovalDecision.valueOf("APPROVAL_DECISION_" + d.name());
    }

    /** The domain decision of a proto decision, or null for UNSPECIFIED / unknown values. */
    static dev.flightdeck.daemon.approval.ApprovalDecision decision(ApprovalDecision d) {
        if (d == ApprovalDecision.APPROVAL_DECISION_UNSPECIFIED || d == ApprovalDecision.UNRECOGNIZED) {
            return null;
        }
        return dev.flightdeck.daemon.approval.ApprovalDecision.valueOf(d.name().substring("APPROVAL_DECISION_".length()));
    }

    static ApprovalKind kind(dev.flightdeck.daemon.approval.ApprovalKind k) {
        return ApprovalKind.valueOf("APPROVAL_KIND_" + k.name());
    }

    static ApprovalState state(dev.flightdeck.daemon.approval.ApprovalState s) {
        return ApprovalState.valueOf("APPROVAL_STATE_" + s.name());
    }

    /** The domain state of a proto state, or null for UNSPECIFIED (any state). */
    static dev.flightdeck.daemon.approval.ApprovalState state(ApprovalState s) {
        if (s == ApprovalState.APPROVAL_STATE_UNSPECIFIED) {
            return null;
        }
        if (s == ApprovalState.UNRECOGNIZED) {
            throw new dev.flightdeck.daemon.error.InvalidArgumentException("state: not an approval state");
        }
        return dev.flightdeck.daemon.approval.ApprovalState.valueOf(s.name().substring("APPROVAL_STATE_".length()));
    }

    /** A bundle version; summaries leave out the YAML and canonical JSON. */
    Bundle bundle(BundleVersion v, boolean summary) {
        var spec = v.spec();
        Bundle.Builder b = Bundle.newBuilder().setName(spec.name()).setVersionId(v.versionId())
                .setDescription(nz(spec.description())).setCreatedAt(timestamp(v.createdAt()))
                .setSystemPrompt(nz(spec.systemPrompt()))
                .setModel(ModelConfig.newBuilder().setProvider(spec.model().provider()).setModel(spec.model().model())
                        .setParametersJson(nz(spec.model().parametersJson())).setScriptJson(nz(spec.model().scriptJson())))
                .setLimits(Limits.newBuilder().setMaxSteps(spec.limits().maxSteps()).setMaxTokens(spec.limits().maxTokens())
                        .setMaxCostMicros(spec.limits().maxCostMicros()).setMaxWallTimeMs(spec.limits().maxWallTimeMs()))
                .setVersionCount(v.versionCount());
        for (dev.flightdeck.daemon.bundle.ToolSpec t : spec.tools()) {
            b.addTools(ToolSpec.newBuilder().setName(t.name()).setDescription(nz(t.description()))
                    .setParametersJson(nz(t.parametersJson())).setPolicy(policy(t.policy())).setIdempotent(t.idempotent())
                    .setImplementation(nz(t.implementation())));
        }
        if (!summary) {
            b.setSourceYaml(v.sourceYaml()).setCanonicalJson(v.canonicalJson());
        }
        return b.build();
    }

    static RunStatus status(dev.flightdeck.daemon.run.RunStatus s) {
        return RunStatus.valueOf("RUN_STATUS_" + s.name());
    }

    /** The domain status of a proto status, or null for UNSPECIFIED / unknown values. */
    static dev.flightdeck.daemon.run.RunStatus status(RunStatus s) {
        if (s == RunStatus.RUN_STATUS_UNSPECIFIED || s == RunStatus.UNRECOGNIZED) {
            return null;
        }
        return dev.flightdeck.daemon.run.RunStatus.valueOf(s.name().substring("RUN_STATUS_".length()));
    }

    static TerminalReason reason(dev.flightdeck.daemon.run.TerminalReason r) {
        return TerminalReason.valueOf("TERMINAL_REASON_" + r.name());
    }

    static ToolPolicy policy(dev.flightdeck.daemon.bundle.ToolPolicy p) {
        return ToolPolicy.valueOf("TOOL_POLICY_" + p.name());
    }

    static Usage usage(dev.flightdeck.daemon.model.Usage u) {
        return Usage.newBuilder().setInputTokens(u.inputTokens()).setCachedInputTokens(u.cachedInputTokens())
                .setOutputTokens(u.outputTokens()).setReasoningTokens(u.reasoningTokens()).setCostMicros(u.costMicros())
                .setPriced(u.priced()).setCacheWriteTokens(u.cacheWriteTokens()).build();
    }

    static ToolCall call(dev.flightdeck.daemon.model.ToolCall c) {
        return ToolCall.newBuilder().setCallId(c.callId()).setToolName(c.toolName()).setArgumentsJson(c.argumentsJson()).build();
    }

    static ChatMessage message(dev.flightdeck.daemon.model.ChatMessage m) {
        ChatMessage.Builder b = ChatMessage.newBuilder().setRole(MessageRole.valueOf("MESSAGE_ROLE_" + m.role().name()))
                .setContent(m.content()).setToolCallId(m.toolCallId()).setToolName(m.toolName());
        m.toolCalls().forEach(c -> b.addToolCalls(call(c)));
        return b.build();
    }

    static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
