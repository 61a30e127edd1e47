package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.run.TerminalReason;
import dev.flightdeck.daemon.store.JournalLimits;
import dev.flightdeck.daemon.testing.Await;
import dev.flightdeck.daemon.tool.ToolRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a run produces goes into its history whole: a tool result larger than a run records, or a
 * step too large for the write journal, fails the run with a reason that says so (naming the
 * tool, sizes and limits) instead of an internal error, and the run is not tried again.
 */
class OversizedRunWritesTest {
    @TempDir
    Path dir;
    private LoopWiring wiring;
    /** Characters of the "text" field the test tool returns. */
    private volatile int resultChars;

    @BeforeEach
    void wire() {
        ToolRegistry tools = ToolRegistry.builtins().with(TestTools.tool("test:dump",
                arguments -> JsonNodeFactory.instance.objectNode().put("text", "x".repeat(resultChars))));
        wiring = new LoopWiring(dir, tools);
    }

    @AfterEach
    void close() {
        wiring.close();
    }

    private RunRecord runToTheEnd(String runId) {
        String version = wiring.bundles.push("""
                name: dump
                system_prompt: p
                tools:
                  - name: dump
                    description: Returns a text of the size the test sets
                    implementation: test:dump
                    parameters: {type: object}
                model:
                  provider: scripted
                  model: m
                  script:
                    - tool_calls:
                        - {tool: dump, arguments: {}}
                    - text: done
                """).versionId();
        wiring.runs.insert(RunRecord.queued(runId, "dump", version, "default", "go", "", Instant.now()));
        assertThat(InlineDrive.drive(wiring.loop, runId)).isEqualTo(AgentLoop.Outcome.FINISHED);
        return wiring.runs.find(runId).orElseThrow();
    }

    @Test
    void aStepTooLargeForTheWriteJournalFailsItsRunSayingSoAndOnlyOnce() {
        String version = wiring.bundles.push("""
                name: verbose
                system_prompt: p
                model:
                  provider: scripted
                  model: m
                  script:
                    - text: "%s"
                """.formatted("y".repeat(300_000))).versionId();
        wiring.runs.insert(RunRecord.queued("run-verbose", "verbose", version, "default", "go", "", Instant.now()));
        JournalLimits.limitRecordBytes(wiring.db, 200_000); // the model's answer alone is over it
        try (RunScheduler scheduler = new RunScheduler(wiring.loop, wiring.runs, 2)) {
            scheduler.resumeUnfinished();
            Await.until("the run ends", Duration.ofSeconds(60),
                    () -> wiring.runs.find("run-verbose").orElseThrow().status().isTerminal());
        }

        RunRecord run = wiring.runs.find("run-verbose").orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.statusMessage()).startsWith("the run's step could not be recorded: a write transaction of up to ")
                .endsWith(" bytes is larger than the write journal's record limit of 200000 bytes; nothing was written");
        assertThat(types("run-verbose")).containsExactly("run_started", "model_requested", "run_finished");
    }

    private List<String> types(String runId) {
        return wiring.events.readAll(runId).stream().map(RunEventRecord::type).toList();
    }

    @Test
    void aToolResultOverTheLimitFailsTheRunNamingTheToolItsSizeAndTheLimitAndIsNotRecorded() {
        int limit = AgentLoop.MAX_TOOL_RESULT_BYTES;
        resultChars = limit; // {"text":"xxx..."}: 11 bytes over
        RunRecord run = runToTheEnd("run-big");

        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.terminalReason()).isEqualTo(TerminalReason.ERROR);
        assertThat(run.statusMessage()).isEqualTo("tool \"dump\" (call call_1_1) returned a result of " + (limit + 11)
                + " bytes, more than the " + limit + " bytes a run records for a tool result");
        assertThat(types("run-big")).endsWith("tool_call_started", "tool_call_finished", "run_finished");
        RunEventRecord finished = wiring.events.readAll("run-big").stream()
                .filter(e -> e.type().equals("tool_call_finished")).findFirst().orElseThrow();
        assertThat(finished.payloadJson()).contains("result not recorded").hasSizeLessThan(10_000);
    }

    @Test
    void aToolResultAtTheLimitIsRecordedWholeAndTheRunGoesOn() {
        resultChars = AgentLoop.MAX_TOOL_RESULT_BYTES - 11;
        RunRecord run = runToTheEnd("run-at-limit");

        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(wiring.events.readAll("run-at-limit").stream().filter(e -> e.type().equals("tool_call_finished"))
                .findFirst().orElseThrow().payloadJson()).contains("x".repeat(1000));
    }
}
