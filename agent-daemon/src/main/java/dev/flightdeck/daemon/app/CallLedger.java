package dev.flightdeck.daemon.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flightdeck.daemon.model.ChatMessage;
import dev.flightdeck.daemon.model.ModelProvider;
import dev.flightdeck.daemon.model.ModelReply;
import dev.flightdeck.daemon.model.ModelRequest;
import dev.flightdeck.daemon.model.Role;
import dev.flightdeck.daemon.tool.Tool;
import dev.flightdeck.daemon.tool.ToolFailure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * TESTING HOOK, off by default: an external, append-only record of every model and tool call the
 * daemon <em>issues</em>, so a test can count calls across daemon processes it kills with
 * {@code kill -9} (docs/durability.md). Enabled only when the environment variable
 * {@value #ENV} names a file; then
 * <ul>
 *   <li>every model call first appends {@code model<TAB>pid<TAB>input<TAB>turn} (the run's
 *       input, which crash tests make unique per run, and the 0-based turn = assistant
 *       messages already in the conversation);</li>
 *   <li>the built-in tool {@value #RECORD_CALL} is registered: arguments
 *       {@code {"label": "...", "sleep_ms": N}}; it appends {@code tool<TAB>pid<TAB>key<TAB>label}
 *       (key = the call's idempotency key), then takes {@code sleep_ms}, then answers.</li>
 * </ul>
 * Each line is forced to disk ({@link FileChannel#force}) before the call goes on, so a line
 * exists for every call that was issued, whatever moment the process dies.
 */
public final class CallLedger {
    /** The environment variable that enables the ledger. */
    public static final String ENV = "FLIGHTDECK_CALL_LEDGER";
    /** The implementation name of the recording test tool. */
    public static final String RECORD_CALL = "builtin:record_call";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final FileChannel channel;
    private final long pid = ProcessHandle.current().pid();

    private CallLedger(FileChannel channel) {
        this.channel = channel;
    }

    /** The ledger named by {@value #ENV}, if set. */
    static Optional<CallLedger> fromEnvironment() {
        String file = System.getenv(ENV);
        if (file == null || file.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new CallLedger(FileChannel.open(Path.of(file), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the call ledger " + file, e);
        }
    }

    private synchronized void record(String kind, String what, String detail) {
        String line = kind + "\t" + pid + "\t" + what.replace('\t', ' ').replace('\n', ' ') + "\t"
                + detail.replace('\t', ' ').replace('\n', ' ') + "\n";
        try {
            ByteBuffer buf = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the call ledger", e);
        }
    }

    /** Wraps {@code provider} so each call is recorded before it is issued. */
    ModelProvider recording(ModelProvider provider) {
        return new ModelProvider() {
            @Override
            public String name() {
                return provider.name();
            }

            @Override
            public CompletableFuture<ModelReply> call(ModelRequest request) {
                String input = request.messages().stream().filter(m -> m.role() == Role.USER).findFirst()
                        .map(ChatMessage::content).orElse("");
                long turn = request.messages().stream().filter(m -> m.role() == Role.ASSISTANT).count();
                record("model", input, Long.toString(turn));
                return provider.call(request);
            }
        };
    }

    /** The {@value #RECORD_CALL} test tool. */
    Tool recordCallTool() {
        return new Tool() {
            @Override
            public String implementation() {
                return RECORD_CALL;
            }

            @Override
            public String argumentsSchemaJson() {
                return "{\"type\":\"object\",\"properties\":{\"label\":{\"type\":\"string\"},"
                        + "\"sleep_ms\":{\"type\":\"integer\",\"minimum\":0}},\"required\":[\"label\"]}";
            }

            @Override
            public JsonNode execute(JsonNode arguments) throws ToolFailure {
                return execute(arguments, "");
            }

            @Override
            public JsonNode execute(JsonNode arguments, String idempotencyKey) throws ToolFailure {
                String label = arguments.path("label").asText();
                record("tool", idempotencyKey, label);
                long sleepMs = arguments.path("sleep_ms").asLong(0);
                if (sleepMs > 0) {
                    try {
                        Thread.sleep(sleepMs); // simulated work, so a kill can land while the tool runs
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new ToolFailure("interrupted");
                    }
                }
                return JSON.createObjectNode().put("recorded", label).put("idempotency_key", idempotencyKey);
            }
        };
    }
}
