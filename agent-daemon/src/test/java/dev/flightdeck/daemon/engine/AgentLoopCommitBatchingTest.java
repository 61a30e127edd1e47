package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.flightdeck.daemon.model.ModelProvider;
import dev.flightdeck.daemon.model.ModelReply;
import dev.flightdeck.daemon.model.ModelRequest;
import dev.flightdeck.daemon.run.RunEventRecord;
import dev.flightdeck.daemon.run.RunRecord;
import dev.flightdeck.daemon.run.RunStatus;
import dev.flightdeck.daemon.store.RunEventRepository;
import dev.flightdeck.daemon.tool.ToolRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Consecutive events of a run share a transaction, but persist-before-act still holds exactly
 * (brief invariant 1): at the moment the model is called and the moment a tool runs, everything
 * that announces it is committed — read back from the database by the model and the tool
 * themselves — and every watcher sees each event once, in order, only when it is committed.
 */
class AgentLoopCommitBatchingTest {
    @TempDir
    Path dir;
    private LoopWiring wiring;
    private RunEventRepository events;
    /** What the database held (event types) each time the model was called / the tool ran. */
    private final List<List<String>> committedAtModelCall = new ArrayList<>();
    private final List<List<String>> committedAtToolRun = new ArrayList<>();

    @BeforeEach
    void wire() {
        ToolRegistry tools = ToolRegistry.builtins().with(TestTools.tool("test:probe", arguments -> {
            committedAtToolRun.add(committedTypes());
            return JsonNodeFactory.instance.objectNode().put("ok", true);
        }));
        wiring = new LoopWiring(dir, tools, scripted -> new ModelProvider() {
            @Override
            public String name() {
                return scripted.name();
            }

            @Override
            public CompletableFuture<ModelReply> call(ModelRequest request) {
                committedAtModelCall.add(committedTypes());
                return scripted.call(request);
            }
        });
        events = wiring.events;
    }

    @AfterEach
    void close() {
        wiring.close();
    }

    private List<String> committedTypes() {
        return events.readAll("run-1").stream().map(RunEventRecord::type).toList();
    }

    @Test
    void theModelAndEachToolActOnlyOnCommittedEventsAndWatchersSeeEachCommittedEventOnceInOrder() {
        String version = wiring.bundles.push("""
                name: probe
                system_prompt: p
                tools:
                  - name: probe
                    description: Reads what is committed
                    implementation: test:probe
                    parameters: {type: object}
                model:
                  provider: scripted
                  model: m
                  script:
                    - tool_calls:
                        - {tool: probe, arguments: {n: 1}}
                    - tool_calls:
                        - {tool: probe, arguments: {n: 2}}
                        - {tool: probe, arguments: {n: 3}}
                    - text: done
                """).versionId();
        wiring.runs.insert(RunRecord.queued("run-1", "probe", version, "default", "go", "", Instant.now()));
        List<String> seenByWatcher = new ArrayList<>();
        List<Long> sequencesSeen = new ArrayList<>();
        wiring.feed.onEvents("run-1", e -> {
            // Told only once committed: the event is in the database when the watcher hears of it.
            assertThat(events.readAfter("run-1", e.sequence() - 1, 1)).containsExactly(e);
            seenByWatcher.add(e.type());
            sequencesSeen.add(e.sequence());
        });

        assertThat(InlineDrive.drive(wiring.loop, "run-1")).isEqualTo(AgentLoop.Outcome.FINISHED);

        assertThat(committedAtModelCall).hasSize(3);
        assertThat(committedAtModelCall).allSatisfy(types -> assertThat(types).endsWith("model_requested"));
        assertThat(committedAtToolRun).hasSize(3);
        assertThat(committedAtToolRun.get(0)).endsWith("model_responded", "tool_call_proposed", "tool_call_started");
        assertThat(committedAtToolRun.get(1)).endsWith("model_responded", "tool_call_proposed", "tool_call_started");
        assertThat(committedAtToolRun.get(2)).endsWith("tool_call_finished", "tool_call_proposed", "tool_call_started");
        List<String> all = committedTypes();
        assertThat(all).containsExactly("run_started", "model_requested", "model_responded", "tool_call_proposed",
                "tool_call_started", "tool_call_finished", "model_requested", "model_responded", "tool_call_proposed",
                "tool_call_started", "tool_call_finished", "tool_call_proposed", "tool_call_started",
                "tool_call_finished", "model_requested", "model_responded", "run_finished");
        assertThat(seenByWatcher).isEqualTo(all);
        assertThat(sequencesSeen).isEqualTo(java.util.stream.LongStream.rangeClosed(1, all.size()).boxed().toList());
        RunRecord run = wiring.runs.find("run-1").orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(run.lastSequence()).isEqualTo(all.size());
    }
}
