package dev.flightdeck.daemon.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * OpenAI Chat Completions ({@code POST {base_url}/chat/completions}), also spoken by vLLM, Ollama,
 * LM Studio and OpenRouter: {@code messages} with {@code system}/{@code user}/{@code assistant}
 * (with {@code tool_calls})/{@code tool} (with {@code tool_call_id}) roles, {@code tools} as
 * {@code {"type":"function","function":{name, description, parameters}}}, bearer auth.
 */
final class OpenAiWire implements WireFormat {
    static final String NAME = "openai";
    static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";

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
        return "/chat/completions";
    }

    @Override
    public Map<String, String> headers(String apiKey) {
        return apiKey == null ? Map.of() : Map.of("Authorization", "Bearer " + apiKey);
    }

    @Override
    public ObjectNode body(ModelTarget target, ModelRequest request) throws JsonProcessingException {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", target.model());
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            ObjectNode out = messages.addObject();
            switch (m.role()) {
                case SYSTEM -> out.put("role", "system").put("content", m.content());
                case USER -> out.put("role", "user").put("content", m.content());
                case ASSISTANT -> {
                    out.put("role", "assistant");
                    if (m.content().isEmpty() && !m.toolCalls().isEmpty()) {
                        out.putNull("content");
                    } else {
                        out.put("content", m.content());
                    }
                    if (!m.toolCalls().isEmpty()) {
                        ArrayNode calls = out.putArray("tool_calls");
                        for (ToolCall c : m.toolCalls()) {
                            ObjectNode call = calls.addObject();
                            call.put("id", c.callId());
                            call.put("type", "function");
                            call.putObject("function").put("name", c.toolName()).put("arguments", c.argumentsJson());
                        }
                    }
                }
                case TOOL -> out.put("role", "tool").put("tool_call_id", m.toolCallId()).put("content", m.content());
                default -> throw new IllegalStateException("unhandled role " + m.role());
            }
        }
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (OfferedTool t : request.tools()) {
                ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
                fn.put("name", t.name());
                fn.put("description", t.description());
                fn.set("parameters", JSON.readTree(t.parametersJson()));
            }
        }
        WireFormat.mergeParameters(body, target.parametersJson());
        return body;
    }

    @Override
    public Answer answer(JsonNode body, ModelTarget target, int turn) throws MalformedReplyException {
        JsonNode choice = body.path("choices").path(0);
        JsonNode message = choice.path("message");
        if (!message.isObject()) {
            throw new MalformedReplyException("the answer has no choices[0].message");
        }
        List<ToolCall> calls = new ArrayList<>();
        JsonNode toolCalls = message.path("tool_calls");
        for (int i = 0; i < toolCalls.size(); i++) {
            JsonNode c = toolCalls.get(i);
            String name = c.path("function").path("name").asText("");
            if (name.isEmpty()) {
                throw new MalformedReplyException("choices[0].message.tool_calls[" + i + "] has no function.name");
            }
            JsonNode args = c.path("function").path("arguments");
            String argsJson = args.isTextual() ? args.textValue() : args.isObject() ? args.toString() : "{}";
            String id = c.path("id").asText("");
            calls.add(new ToolCall(id.isEmpty() ? "call_" + (turn + 1) + "_" + (i + 1) : id, name,
                    argsJson.isBlank() ? "{}" : argsJson));
        }
        JsonNode content = message.path("content");
        String text = content.isTextual() ? content.textValue() : "";
        ChatMessage answer = ChatMessage.assistant(text, calls);
        String finish = choice.path("finish_reason").asText(calls.isEmpty() ? "stop" : "tool_calls");
        return new Answer(body.path("model").asText(target.model()), answer, finish, usage(body.path("usage")));
    }

    /**
     * {@code prompt_tokens} includes {@code prompt_tokens_details.cached_tokens}: the uncached rest
     * is input, the cached part cached input. {@code completion_tokens} includes
     * {@code completion_tokens_details.reasoning_tokens}.
     */
    static Usage usage(JsonNode u) {
        if (!u.isObject()) {
            return null;
        }
        long prompt = u.path("prompt_tokens").asLong(0);
        long cached = Math.min(prompt, u.path("prompt_tokens_details").path("cached_tokens").asLong(0));
        long completion = u.path("completion_tokens").asLong(0);
        long reasoning = u.path("completion_tokens_details").path("reasoning_tokens").asLong(0);
        return new Usage(prompt - cached, cached, completion, reasoning, 0, false);
    }

    @Override
    public String errorMessage(String body) {
        try {
            JsonNode root = JSON.readTree(body);
            JsonNode error = root.path("error");
            if (error.isTextual()) {
                return error.textValue();
            }
            return error.path("message").asText(root.path("message").asText(""));
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
        return lower.contains("context_length_exceeded") || lower.contains("maximum context length")
                || lower.contains("context length");
    }
}
