package dev.flightdeck.daemon.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Anthropic Messages ({@code POST {base_url}/v1/messages}): the system prompt as top-level
 * {@code system}; {@code user}/{@code assistant} messages of content blocks, the assistant's tool
 * calls as {@code tool_use} blocks and their results as {@code tool_result} blocks in the next
 * user message; {@code tools} as {@code {name, description, input_schema}}; {@code max_tokens}
 * required; {@code x-api-key} and {@code anthropic-version} headers.
 */
final class AnthropicWire implements WireFormat {
    static final String NAME = "anthropic";
    static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    static final String API_VERSION = "2023-06-01";
    /** {@code max_tokens} when the bundle's parameters give none (the API requires one). */
    static final int DEFAULT_MAX_TOKENS = 4096;

    @Override
    public String provider() {
        return NAME;
    }

    @Override
    public String defaultBaseUrl() {
        return DEFAULT_BASE_URL;
    }

    @Override
    public String path() {
        return "/v1/messages";
    }

    @Override
    public Map<String, String> headers(String apiKey) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("anthropic-version", API_VERSION);
        if (apiKey != null) {
            h.put("x-api-key", apiKey);
        }
        return h;
    }

    @Override
    public ObjectNode body(ModelTarget target, ModelRequest request) throws JsonProcessingException {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", target.model());
        JsonNode params = JSON.readTree(target.parametersJson());
        body.put("max_tokens", params.path("max_tokens").canConvertToInt()
                ? params.path("max_tokens").intValue() : DEFAULT_MAX_TOKENS);
        StringBuilder system = new StringBuilder();
        ArrayNode messages = JSON.createArrayNode();
        for (ChatMessage m : request.messages()) {
            switch (m.role()) {
                case SYSTEM -> system.append(system.length() == 0 ? "" : "\n\n").append(m.content());
                case USER -> turn(messages, "user").addObject().put("type", "text").put("text", m.content());
                case ASSISTANT -> {
                    ArrayNode content = turn(messages, "assistant");
                    if (!m.content().isEmpty()) {
                        content.addObject().put("type", "text").put("text", m.content());
                    }
                    for (ToolCall c : m.toolCalls()) {
                        ObjectNode use = content.addObject();
                        use.put("type", "tool_use").put("id", c.callId()).put("name", c.toolName());
                        use.set("input", input(c.argumentsJson()));
                    }
                }
                case TOOL -> turn(messages, "user").addObject()
                        .put("type", "tool_result").put("tool_use_id", m.toolCallId()).put("content", m.content());
                default -> throw new IllegalStateException("unhandled role " + m.role());
            }
        }
        if (system.length() > 0) {
            body.put("system", system.toString());
        }
        body.set("messages", messages);
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (OfferedTool t : request.tools()) {
                ObjectNode tool = tools.addObject();
                tool.put("name", t.name());
                tool.put("description", t.description());
                tool.set("input_schema", JSON.readTree(t.parametersJson()));
            }
        }
        WireFormat.mergeParameters(body, target.parametersJson());
        return body;
    }

    /** The content array of the last message when it has {@code role}, else of a new one (roles alternate). */
    private static ArrayNode turn(ArrayNode messages, String role) {
        JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last != null && role.equals(last.path("role").asText())) {
            return (ArrayNode) last.get("content");
        }
        ObjectNode m = messages.addObject();
        m.put("role", role);
        return m.putArray("content");
    }

    private static JsonNode input(String argumentsJson) {
        try {
            JsonNode n = JSON.readTree(argumentsJson);
            return n != null && n.isObject() ? n : JSON.createObjectNode();
        } catch (JsonProcessingException e) {
            return JSON.createObjectNode();
        }
    }

    @Override
    public Answer answer(JsonNode body, ModelTarget target, int turn) throws MalformedReplyException {
        JsonNode content = body.path("content");
        if (!content.isArray()) {
            throw new MalformedReplyException("the answer has no content array");
        }
        StringBuilder text = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < content.size(); i++) {
            JsonNode block = content.get(i);
            switch (block.path("type").asText("")) {
                case "text" -> text.append(block.path("text").asText(""));
                case "tool_use" -> {
                    String name = block.path("name").asText("");
                    if (name.isEmpty()) {
                        throw new MalformedReplyException("content[" + i + "] is a tool_use block without a name");
                    }
                    String id = block.path("id").asText("");
                    JsonNode in = block.path("input");
                    calls.add(new ToolCall(id.isEmpty() ? "call_" + (turn + 1) + "_" + (calls.size() + 1) : id, name,
                            in.isObject() ? in.toString() : "{}"));
                }
                default -> {
                    // thinking and other block types are not part of the conversation we keep
                }
            }
        }
        ChatMessage answer = ChatMessage.assistant(text.toString(), calls);
        String stop = body.path("stop_reason").asText(calls.isEmpty() ? "end_turn" : "tool_use");
        return new Answer(body.path("model").asText(target.model()), answer, stop, usage(body.path("usage")));
    }

    /**
     * {@code input_tokens} excludes cache reads and cache writes, which are billed at their own
     * prices: cache writes ({@code cache_creation_input_tokens}) are cache-write tokens, cache reads
     * ({@code cache_read_input_tokens}) cached input.
     */
    static Usage usage(JsonNode u) {
        if (!u.isObject()) {
            return null;
        }
        return new Usage(u.path("input_tokens").asLong(0), u.path("cache_read_input_tokens").asLong(0),
                u.path("output_tokens").asLong(0), 0, 0, false, u.path("cache_creation_input_tokens").asLong(0));
    }

    @Override
    public String errorMessage(String body) {
        try {
            JsonNode root = JSON.readTree(body);
            return root.path("error").path("message").asText("");
        } catch (JsonProcessingException | RuntimeException e) {
            return "";
        }
    }

    @Override
    public boolean isContextLengthError(int status, String body) {
        if (status != 400 && status != 413) {
            return false;
        }
        String lower = body.toLowerCase(Locale.ROOT);
        return lower.contains("prompt is too long") || lower.contains("context window") || lower.contains("context length");
    }
}
