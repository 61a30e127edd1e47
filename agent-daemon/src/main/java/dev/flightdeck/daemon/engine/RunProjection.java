package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;

import java.time.Instant;

/** How each event changes the run row (status, timestamps, totals). Pure. */
final class RunProjection {
    private RunProjection() {
    }

    static RunRecord apply(RunRecord run, int step, EventPayload payload, Instant at) {
        if (payload instanceof EventPayload.RunStarted) {
            return run.started(at);
        } else if (payload instanceof EventPayload.ModelRequested) {
            return run.withStepCount(Math.max(run.stepCount(), step));
        } else if (payload instanceof EventPayload.ModelResponded r) {
            return run.plusUsage(r.usage());
        } else if (payload instanceof EventPayload.ApprovalRequested a) {
            return run.withStatus(RunStatus.WAITING_APPROVAL, "waiting for approval of " + a.call().toolName());
        } else if (payload instanceof EventPayload.ApprovalDecided) {
            return run.withStatus(RunStatus.RUNNING, "");
        } else if (payload instanceof EventPayload.RunFinished f) {
            return run.finished(f.status(), f.reason(), f.message(), f.output(), at);
        }
        return run;
    }
}
