package dev.flightdeck.daemon.tool;

import com.fasterxml.jackson.databind.JsonNode;

/** Something an agent may call. Implementations get arguments already validated against {@link #argumentsSchemaJson()}. */
public interface Tool {
    /** The implementation name bundles refer to, e.g. {@code builtin:lookup_order}. */
    String implementation();

    /** JSON Schema (draft 2020-12) of the arguments object this implementation accepts. */
    String argumentsSchemaJson();

    /**
     * Executes the call.
     *
     * @throws ToolFailure when the call cannot produce a result (the message goes back to the model)
     */
    JsonNode execute(JsonNode arguments) throws ToolFailure;

    /**
     * Executes the call knowing its idempotency key ({@code <run id>/<call id>}): the same key on
     * every attempt of one call, so a tool with side effects can recognise a retry after a crash.
     * By default the key is ignored.
     */
    default JsonNode execute(JsonNode arguments, String idempotencyKey) throws ToolFailure {
        return execute(arguments);
    }
}
