package dev.flightdeck.console.viewmodel;

import dev.flightdeck.client.RunInfo;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

import java.time.Instant;

/** One row of the Runs table: the latest known state of a run, and its duration (ticking while it runs). */
public final class RunRow {
    private final String runId;
    private final ReadOnlyObjectWrapper<RunInfo> run;
    private final ReadOnlyStringWrapper duration = new ReadOnlyStringWrapper();

    RunRow(RunInfo info, Instant now) {
        this.runId = info.runId();
        this.run = new ReadOnlyObjectWrapper<>(info);
        tick(now);
    }

    public String runId() {
        return runId;
    }

    public RunInfo getRun() {
        return run.get();
    }

    public ReadOnlyObjectProperty<RunInfo> runProperty() {
        return run.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty durationProperty() {
        return duration.getReadOnlyProperty();
    }

    /** Takes {@code info} unless it is older than what the row has (a stale listing after a live update). */
    boolean update(RunInfo info, Instant now) {
        RunInfo current = run.get();
        if (info.lastSequence() < current.lastSequence()
                || (current.state().isTerminal() && !info.state().isTerminal())) {
            return false;
        }
        run.set(info);
        tick(now);
        return true;
    }

    void tick(Instant now) {
        duration.set(Formats.duration(run.get().duration(now)));
    }
}
