package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.bundle.BundleRegistry;
import dev.flightdeck.daemon.bundle.BundleVersion;
import dev.flightdeck.daemon.error.AlreadyExistsException;
import dev.flightdeck.daemon.error.InvalidArgumentException;
import dev.flightdeck.daemon.error.NotFoundException;
import dev.flightdeck.daemon.error.OutOfRangeException;
import dev.flightdeck.daemon.error.UnavailableException;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.store.DuplicateKeyException;
import dev.flightdeck.daemon.store.RunEventRepository;
import dev.flightdeck.daemon.store.RunQuery;
import dev.flightdeck.daemon.store.RunRepository;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** What the API does with runs: start (idempotently), read, list, read history, cancel. */
public final class RunService {
    public static final int MAX_INPUT_BYTES = 1024 * 1024;
    public static final int MAX_KEY_CHARS = 200;
    public static final String DEFAULT_TENANT = "default";

    private final RunRepository runs;
    private final RunEventRepository events;
    private final BundleRegistry bundles;
    private final RunScheduler scheduler;
    private final RunFeed feed;
    private final RunIds ids;
    private final Clock clock;

    public RunService(RunRepository runs, RunEventRepository events, BundleRegistry bundles, RunScheduler scheduler,
                      RunFeed feed, RunIds ids, Clock clock) {
        this.runs = runs;
        this.events = events;
        this.bundles = bundles;
        this.scheduler = scheduler;
        this.feed = feed;
        this.ids = ids;
        this.clock = clock;
    }

    /**
     * Stores the run QUEUED and hands it to the scheduler; returns at once. With an idempotency
     * key, a repeat with the same bundle and input returns the first run; with a different bundle
     * (name, or the version when the reference names one) or input it fails naming the run.
     */
    public StartedRun start(StartRunCommand command) {
        String input = command.input() == null ? "" : command.input();
        int inputBytes = input.getBytes(StandardCharsets.UTF_8).length;
        if (inputBytes > MAX_INPUT_BYTES) {
            throw new InvalidArgumentException("input: must be at most " + MAX_INPUT_BYTES + " bytes, got " + inputBytes);
        }
        String tenant = command.tenant() == null || command.tenant().isBlank() ? DEFAULT_TENANT : command.tenant().trim();
        if (tenant.length() > MAX_KEY_CHARS) {
            throw new InvalidArgumentException("tenant: must be at most " + MAX_KEY_CHARS + " characters");
        }
        String key = command.idempotencyKey() == null ? "" : command.idempotencyKey();
        if (key.length() > MAX_KEY_CHARS) {
            throw new InvalidArgumentException("idempotency_key: must be at most " + MAX_KEY_CHARS + " characters");
        }
        if (scheduler.isDraining()) {
            // Refuse rather than store a run nobody will start before the next daemon.
            throw new UnavailableException("the daemon is shutting down and takes no new runs; start the run again "
                    + "once a daemon is serving");
        }
        BundleVersion bundle = bundles.resolve(command.bundleReference());
        boolean versionPinned = command.bundleReference().contains("@");
        if (!key.isEmpty()) {
            var existing = runs.findByIdempotencyKey(tenant, key);
            if (existing.isPresent()) {
                return repeat(existing.get(), bundle, versionPinned, input, key);
            }
        }
        RunRecord run = RunRecord.queued(ids.next(), bundle.name(), bundle.versionId(), tenant, input, key,
                clock.instant().truncatedTo(ChronoUnit.MILLIS));
        try {
            runs.insert(run);
        } catch (DuplicateKeyException e) {
            // A concurrent StartRun with the same key won: answer as a repeat of it.
            RunRecord winner = runs.findByIdempotencyKey(tenant, key).orElseThrow(() -> e);
            return repeat(winner, bundle, versionPinned, input, key);
        }
        feed.runChanged(run);
        scheduler.submit(run.runId());
        return new StartedRun(run, false);
    }

    private StartedRun repeat(RunRecord existing, BundleVersion bundle, boolean versionPinned, String input, String key) {
        boolean sameBundle = existing.bundleName().equals(bundle.name())
                && (!versionPinned || existing.bundleVersion().equals(bundle.versionId()));
        if (!sameBundle || !existing.input().equals(input)) {
            throw new AlreadyExistsException("idempotency_key: \"" + key + "\" was already used by run "
                    + existing.runId() + " for tenant \"" + existing.tenant() + "\" with a different "
                    + (sameBundle ? "input" : "bundle"));
        }
        return new StartedRun(runs.find(existing.runId()).orElse(existing), true);
    }

    public RunRecord get(String runId) {
        if (runId == null || runId.isBlank()) {
            throw new InvalidArgumentException("run_id: must not be empty");
        }
        if (runId.length() > MAX_KEY_CHARS) {
            // Never a run id the daemon issued; refusing it also keeps a huge id out of the error text.
            throw new InvalidArgumentException("run_id: must be at most " + MAX_KEY_CHARS + " characters, got "
                    + runId.length());
        }
        return runs.find(runId).orElseThrow(() -> new NotFoundException("run_id: unknown run \"" + runId + "\""));
    }

    public List<RunRecord> list(RunQuery query) {
        return runs.list(query);
    }

    /** Up to {@code pageSize} events after {@code afterSequence}, in order. */
    public HistoryPage history(String runId, long afterSequence, int pageSize) {
        checkAfterSequence(runId, afterSequence);
        List<RunEventRecord> page = events.readAfter(runId, afterSequence, pageSize + 1);
        boolean more = page.size() > pageSize;
        return new HistoryPage(more ? page.subList(0, pageSize) : page, more);
    }

    /**
     * Where a reader of {@code runId}'s events may start: after 0 or any later sequence, but not
     * past the last event of a run that has ended (nothing more will come). Past the last event of
     * a live run is valid: its events have not happened yet.
     *
     * @throws NotFoundException      for an unknown run
     * @throws InvalidArgumentException for a negative sequence
     * @throws OutOfRangeException    past the end of an ended run, naming its last sequence
     */
    public void checkAfterSequence(String runId, long afterSequence) {
        RunRecord run = get(runId);
        if (afterSequence < 0) {
            throw new InvalidArgumentException("after_sequence: must be 0 or more, got " + afterSequence);
        }
        if (run.status().isTerminal() && afterSequence > run.lastSequence()) {
            throw new OutOfRangeException("after_sequence: " + afterSequence + " is past the end of run " + runId
                    + ", which ended " + run.status().name() + " with event " + run.lastSequence()
                    + " (use " + run.lastSequence() + " or less)");
        }
    }

    /** Events after {@code afterSequence} for a follower; no validation (the follower checked once). */
    public List<RunEventRecord> eventsAfter(String runId, long afterSequence, int limit) {
        return events.readAfter(runId, afterSequence, limit);
    }

    /**
     * Completes with the run as cancelled, or as it is while a worker takes the cancel to its next
     * safe point; or with the refusal of a cancel that waited for the run longer than {@code caller}
     * could (nothing changed).
     */
    public CompletableFuture<RunRecord> cancel(String runId, String reason, String requestedBy, CallerWait caller) {
        RunRecord run = get(runId);
        // Both go into the run's hash-chained history: bounded like an approval's reason and reviewer.
        if (reason != null && reason.length() > ApprovalService.MAX_TEXT_CHARS) {
            throw new InvalidArgumentException("reason: must be at most " + ApprovalService.MAX_TEXT_CHARS
                    + " characters, got " + reason.length());
        }
        if (requestedBy != null && requestedBy.length() > ApprovalService.MAX_NAME_CHARS) {
            throw new InvalidArgumentException("requested_by: must be at most " + ApprovalService.MAX_NAME_CHARS
                    + " characters, got " + requestedBy.length());
        }
        return scheduler.cancel(run, requestedBy, reason, caller);
    }

    public RunFeed feed() {
        return feed;
    }
}
