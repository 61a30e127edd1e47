package dev.flightdeck.daemon.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;

/** One provider's HTTP wire format: how a request is written and an answer or error is read. */
interface WireFormat {
    ObjectMapper JSON = new ObjectMapper();

    /** The provider name bundles use. */
    String provider();

    /** The base URL when a bundle names none. */
    String defaultBaseUrl();

    /** The endpoint path appended to the base URL, e.g. {@code /chat/completions}. */
    String path();

    /** Headers carrying the key ({@code apiKey} is null when the target sends none), plus any version header. */
    Map<String, String> headers(String apiKey);

    /** The JSON request body. */
    ObjectNode body(ModelTarget target, ModelRequest request) throws JsonProcessingException;

    /**
     * Reads a successful answer.
     *
     * @param turn how many assistant messages the conversation already has (for generated call ids)
     * @throws MalformedReplyException when the body does not have the documented shape
     */
    Answer answer(JsonNode body, ModelTarget target, int turn) throws MalformedReplyException;

    /** The human part of an error body (its message), or "" when there is none. */
    String errorMessage(String body);

    /** Whether an error says the conversation does not fit the model's context window. */
    boolean isContextLengthError(int status, String body);

    /** What was read from a successful answer. */
    record Answer(String model, ChatMessage message, String finishReason, Usage usage) {
    }

    /** The body of a 2xx answer was not what the API documents. */
    final class MalformedReplyException extends Exception {
        MalformedReplyException(String message) {
            super(message);
        }
    }

    /** Copies the bundle's {@code parameters} into the body, without overriding what the adapter wrote. */
    static void mergeParameters(ObjectNode body, String parametersJson) throws JsonProcessingException {
        JsonNode params = JSON.readTree(parametersJson);
        for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!body.has(e.getKey())) {
                body.set(e.getKey(), e.getValue());
            }
        }
    }

    /** Tokens estimated as characters / 4, rounded up, for servers that report no usage. */
    static long estimateTokens(long chars) {
        return (chars + 3) / 4;
    }

    static long conversationChars(ModelRequest request) {
        long n = 0;
        for (ChatMessage m : request.messages()) {
            n += m.content().length();
            for (ToolCall c : m.toolCalls()) {
                n += c.toolName().length() + c.argumentsJson().length();
            }
        }
        for (OfferedTool t : request.tools()) {
            n += t.name().length() + t.description().length() + t.parametersJson().length();
        }
        return n;
    }
}
