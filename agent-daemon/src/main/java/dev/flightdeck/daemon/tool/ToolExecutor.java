package dev.flightdeck.daemon.tool;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Executes one tool call: validates the arguments against the bundle's schema for the tool and
 * the implementation's own schema, then runs it. Every failure (bad JSON, schema violation,
 * unknown implementation, the tool's own error) becomes an error result for the model, never an
 * exception, so a confused model gets a chance to correct itself.
 */
public final class ToolExecutor {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ToolRegistry registry;
    private final JsonSchemaFactory schemas = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private final Map<String, JsonSchema> compiled = new ConcurrentHashMap<>();
    /** Runs calls that have a timeout; a tool that ignores its interrupt only keeps its own thread busy. */
    private final ExecutorService callers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tool-call");
        t.setDaemon(true);
        return t;
    });

    public ToolExecutor(ToolRegistry registry) {
        this.registry = registry;
    }

    /**
     * @param toolName           the name the model used (for messages)
     * @param implementation     e.g. {@code builtin:lookup_order}
     * @param declaredSchemaJson the bundle's JSON Schema for the tool's arguments
     */
    public ToolOutcome execute(String toolName, String implementation, String declaredSchemaJson, String argumentsJson) {
        return execute(toolName, implementation, declaredSchemaJson, argumentsJson, 0);
    }

    /**
     * Like {@link #execute(String, String, String, String)}, but a call that takes longer than
     * {@code timeoutMs} (0 = no limit) is interrupted and answers {@code {"error":"timed out after N s"}}.
     */
    public ToolOutcome execute(String toolName, String implementation, String declaredSchemaJson, String argumentsJson,
                               long timeoutMs) {
        return execute(toolName, implementation, declaredSchemaJson, argumentsJson, timeoutMs, "");
    }

    /**
     * Like {@link #execute(String, String, String, String, long)}, handing the tool the call's
     * idempotency key (the same on every attempt of one call, e.g. a retry after a crash).
     */
    public ToolOutcome execute(String toolName, String implementation, String declaredSchemaJson, String argumentsJson,
                               long timeoutMs, String idempotencyKey) {
        long started = System.nanoTime();
        try {
            Tool tool = registry.find(implementation)
                    .orElseThrow(() -> new ToolFailure("tool \"" + toolName + "\" has no implementation \""
                            + implementation + "\" in this daemon"));
            JsonNode args = parseArguments(argumentsJson);
            validate(toolName, declaredSchemaJson, args);
            validate(toolName, tool.argumentsSchemaJson(), args);
            JsonNode result = timeoutMs > 0 ? withTimeout(tool, args, idempotencyKey, timeoutMs)
                    : tool.execute(args, idempotencyKey);
            return new ToolOutcome(JSON.writeValueAsString(result), false, elapsedMs(started));
        } catch (ToolFailure e) {
            return error(e.getMessage(), started);
        } catch (JsonProcessingException e) {
            return error("tool result is not serializable: " + e.getOriginalMessage(), started);
        } catch (RuntimeException e) {
            return error("tool \"" + toolName + "\" failed: " + e, started);
        }
    }

    /** Runs the call on a tool thread and stops waiting (and interrupts it) after {@code timeoutMs}. */
    private JsonNode withTimeout(Tool tool, JsonNode args, String idempotencyKey, long timeoutMs) throws ToolFailure {
        Future<JsonNode> call = callers.submit(() -> tool.execute(args, idempotencyKey));
        try {
            return call.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new ToolFailure("timed out after " + duration(timeoutMs));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ToolFailure f) {
                throw f;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new RuntimeException(e.getCause());
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new ToolFailure("interrupted");
        }
    }

    private static String duration(long ms) {
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }

    /** The error result given back to the model, e.g. for a call denied by policy. */
    public static String errorJson(String message) {
        ObjectNode node = JSON.createObjectNode().put("error", message);
        return node.toString();
    }

    private static JsonNode parseArguments(String argumentsJson) throws ToolFailure {
        try {
            JsonNode args = JSON.readTree(argumentsJson == null || argumentsJson.isBlank() ? "{}" : argumentsJson);
            if (!args.isObject()) {
                throw new ToolFailure("arguments must be a JSON object");
            }
            return args;
        } catch (JsonProcessingException e) {
            throw new ToolFailure("arguments are not valid JSON: " + e.getOriginalMessage());
        }
    }

    private void validate(String toolName, String schemaJson, JsonNode args) throws ToolFailure {
        if (schemaJson == null || schemaJson.isBlank()) {
            return;
        }
        JsonSchema schema = compiled.computeIfAbsent(schemaJson, schemas::getSchema);
        Set<ValidationMessage> problems = schema.validate(args);
        if (!problems.isEmpty()) {
            throw new ToolFailure("invalid arguments for tool \"" + toolName + "\": " + problems.stream()
                    .map(ValidationMessage::getMessage).sorted().collect(Collectors.joining("; ")));
        }
    }

    private static ToolOutcome error(String message, long started) {
        return new ToolOutcome(errorJson(message), true, elapsedMs(started));
    }

    private static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
