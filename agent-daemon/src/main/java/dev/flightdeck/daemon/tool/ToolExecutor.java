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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
    /**
     * Runs the calls. Unbounded, but a run has at most one call executing, so there are at most
     * as many busy tool threads as runs in progress (plus calls that timed out and ignore their
     * interrupt); idle ones end after a minute.
     */
    private final ExecutorService callers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tool-call");
        t.setDaemon(true);
        return t;
    });
    /** Times the calls that have a timeout. */
    private final ScheduledThreadPoolExecutor timeouts = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "tool-timeouts");
        t.setDaemon(true);
        return t;
    });

    {
        timeouts.setRemoveOnCancelPolicy(true); // a call that answered in time leaves no timer behind
        timeouts.setKeepAliveTime(1, TimeUnit.MINUTES);
        timeouts.allowCoreThreadTimeOut(true);
    }

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
     * idempotency key (the same on every attempt of one call, e.g. a retry after a crash). Waits
     * for the call on this thread; the engine uses {@link #start} instead.
     */
    public ToolOutcome execute(String toolName, String implementation, String declaredSchemaJson, String argumentsJson,
                               long timeoutMs, String idempotencyKey) {
        try {
            return start(toolName, implementation, declaredSchemaJson, argumentsJson, timeoutMs, idempotencyKey).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof Error err) {
                throw err; // the only way a call completes exceptionally
            }
            throw e;
        }
    }

    /**
     * Starts one call and returns at once: the arguments are checked on this thread, then the tool
     * runs on a tool thread, so a tool that blocks (I/O, a subprocess, a slow service) never holds
     * the caller's thread. The future completes with the result, or with an error result for the
     * model (bad arguments: already complete when this returns); a call that takes longer than
     * {@code timeoutMs} (0 = no limit) is interrupted and answers {@code {"error":"timed out after N s"}}.
     * It completes exceptionally only when the tool throws an {@link Error} (a bug, not the model's doing).
     *
     * @param idempotencyKey handed to the tool: the same on every attempt of one call
     */
    public CompletableFuture<ToolOutcome> start(String toolName, String implementation, String declaredSchemaJson,
                                                String argumentsJson, long timeoutMs, String idempotencyKey) {
        long started = System.nanoTime();
        Tool tool;
        JsonNode args;
        try {
            tool = registry.find(implementation)
                    .orElseThrow(() -> new ToolFailure("tool \"" + toolName + "\" has no implementation \""
                            + implementation + "\" in this daemon"));
            args = parseArguments(argumentsJson);
            validate(toolName, declaredSchemaJson, args);
            validate(toolName, tool.argumentsSchemaJson(), args);
        } catch (ToolFailure e) {
            return CompletableFuture.completedFuture(error(e.getMessage(), started));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(error("tool \"" + toolName + "\" failed: " + e, started));
        }
        CompletableFuture<ToolOutcome> outcome = new CompletableFuture<>();
        Future<?> running = callers.submit(() -> {
            try {
                outcome.complete(call(toolName, tool, args, idempotencyKey, started));
            } catch (Throwable e) {
                outcome.completeExceptionally(e); // an Error: never leave the caller waiting
            }
        });
        if (timeoutMs > 0) {
            Future<?> timer = timeouts.schedule(() -> {
                if (outcome.complete(error("timed out after " + duration(timeoutMs), started))) {
                    running.cancel(true); // a tool that ignores its interrupt only keeps its own thread busy
                }
            }, timeoutMs, TimeUnit.MILLISECONDS);
            outcome.whenComplete((o, e) -> timer.cancel(false));
        }
        return outcome;
    }

    /** Runs the tool on this (tool) thread; every failure but an {@link Error} becomes an error result. */
    private static ToolOutcome call(String toolName, Tool tool, JsonNode args, String idempotencyKey, long started) {
        try {
            JsonNode result = tool.execute(args, idempotencyKey);
            return new ToolOutcome(JSON.writeValueAsString(result), false, elapsedMs(started));
        } catch (ToolFailure e) {
            return error(e.getMessage(), started);
        } catch (JsonProcessingException e) {
            return error("tool result is not serializable: " + e.getOriginalMessage(), started);
        } catch (RuntimeException e) {
            return error("tool \"" + toolName + "\" failed: " + e, started);
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
