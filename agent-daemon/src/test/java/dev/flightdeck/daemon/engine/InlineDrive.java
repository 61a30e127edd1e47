package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.model.ModelReply;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Drives a run the way the scheduler does, in the test's thread and never stopping: when the loop
 * returns with a model or tool call in flight, waits for the call and drives the run again with it.
 */
final class InlineDrive implements RunControl {
    private CompletableFuture<ModelReply> call;
    private AgentLoop.ToolInFlight toolCall;

    static AgentLoop.Outcome drive(AgentLoop loop, String runId) {
        InlineDrive control = new InlineDrive();
        while (true) {
            AgentLoop.Outcome outcome = loop.drive(runId, control);
            CompletableFuture<?> pending;
            if (outcome == AgentLoop.Outcome.AWAITING_MODEL) {
                pending = control.call;
            } else if (outcome == AgentLoop.Outcome.AWAITING_TOOL) {
                pending = control.toolCall.outcome();
            } else {
                return outcome;
            }
            try {
                pending.handle((r, e) -> null).get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("the " + outcome + " call did not complete", e);
            }
        }
    }

    @Override
    public EventPayload.CancelRequested cancelRequest() {
        return null;
    }

    @Override
    public boolean stopAtStepBoundary() {
        return false;
    }

    @Override
    public boolean abandonNow() {
        return false;
    }

    @Override
    public void awaitModelCall(CompletableFuture<ModelReply> c) {
        call = c;
    }

    @Override
    public CompletableFuture<ModelReply> takeModelCall() {
        CompletableFuture<ModelReply> c = call;
        call = null;
        return c;
    }

    @Override
    public void awaitToolCall(AgentLoop.ToolInFlight t) {
        toolCall = t;
    }

    @Override
    public AgentLoop.ToolInFlight takeToolCall() {
        AgentLoop.ToolInFlight t = toolCall;
        toolCall = null;
        return t;
    }

    @Override
    public boolean yieldWorker() {
        return false;
    }

    /** Keeps nothing: each drive reads the run again, as for a run just picked up. */
    @Override
    public void keep(AgentLoop.Kept state) {
    }

    @Override
    public AgentLoop.Kept takeKept() {
        return null;
    }
}
