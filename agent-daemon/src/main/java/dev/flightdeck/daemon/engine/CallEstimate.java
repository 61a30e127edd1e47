package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.flightdeck.daemon.bundle.ToolSpec;
import dev.flightdeck.daemon.model.ChatMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The worst case of a model call to one model, known before making it, for the token and cost
 * guardrails. Output tokens are at most the model's {@code parameters.max_tokens}, or
 * {@link #DEFAULT_MAX_OUTPUT_TOKENS} when the bundle does not set it. Input tokens are counted
 * over everything sent (every message's text, tool call names and arguments, tool result names,
 * and the offered tools' names, descriptions and schemas):
 * <ul>
 * <li>OpenAI model families (gpt-3.5, gpt-4*, gpt-5*, o1/o3/o4, chatgpt-*): with OpenAI's own
 * tokenizer ({@code o200k_base}, or {@code cl100k_base} for gpt-3.5 and gpt-4 before gpt-4o), via
 * JTokkit, plus 3 tokens of framing per message and 3 for the reply, as OpenAI documents;</li>
 * <li>Anthropic: characters / 3.5, rounded up (Anthropic publishes no tokenizer; English text
 * runs at about 3.5 characters per Claude token, so this errs high);</li>
 * <li>anything else: characters / 4, rounded up.</li>
 * </ul>
 */
record CallEstimate(long inputTokens, long maxOutputTokens) {
    static final long DEFAULT_MAX_OUTPUT_TOKENS = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FRAMING_PER_MESSAGE = 3;
    private static final int FRAMING_PER_REPLY = 3;

    long worstCaseTokens() {
        return inputTokens + maxOutputTokens;
    }

    /** The worst case of sending {@code conversation} and {@code tools} to {@code provider}/{@code model}. */
    static CallEstimate of(String provider, String model, List<ChatMessage> conversation, List<ToolSpec> tools,
                           String modelParametersJson) {
        List<String> texts = new ArrayList<>();
        for (ChatMessage m : conversation) {
            texts.add(m.content());
            texts.add(m.toolName() == null ? "" : m.toolName());
            m.toolCalls().forEach(c -> {
                texts.add(c.toolName());
                texts.add(c.argumentsJson());
            });
        }
        for (ToolSpec t : tools) {
            texts.add(t.name());
            texts.add(t.description());
            texts.add(t.parametersJson());
        }
        long input;
        Optional<Encoding> tokenizer = Tokenizers.openAi(provider, model);
        if (tokenizer.isPresent()) {
            input = (long) FRAMING_PER_MESSAGE * conversation.size() + FRAMING_PER_REPLY;
            for (String text : texts) {
                input += tokenizer.get().countTokensOrdinary(text);
            }
        } else {
            long chars = texts.stream().mapToLong(String::length).sum();
            input = "anthropic".equals(provider) ? (chars * 2 + 6) / 7 : (chars + 3) / 4;
        }
        return new CallEstimate(input, maxOutputTokens(modelParametersJson));
    }

    static long maxOutputTokens(String parametersJson) {
        try {
            JsonNode max = JSON.readTree(parametersJson == null || parametersJson.isBlank() ? "{}" : parametersJson)
                    .path("max_tokens");
            return max.canConvertToLong() && max.asLong() > 0 ? max.asLong() : DEFAULT_MAX_OUTPUT_TOKENS;
        } catch (java.io.IOException e) {
            return DEFAULT_MAX_OUTPUT_TOKENS;
        }
    }

    /** OpenAI's tokenizers, each loaded on first use. */
    static final class Tokenizers {
        private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

        private Tokenizers() {
        }

        /** The tokenizer of an OpenAI model family, or empty for any other model. */
        static Optional<Encoding> openAi(String provider, String model) {
            if (!"openai".equals(provider)) {
                return Optional.empty();
            }
            String m = model.toLowerCase(Locale.ROOT);
            if (m.startsWith("gpt-3.5") || (m.startsWith("gpt-4") && !m.startsWith("gpt-4o") && !m.startsWith("gpt-4.")))  {
                return Optional.of(REGISTRY.getEncoding(EncodingType.CL100K_BASE));
            }
            if (m.startsWith("gpt-") || m.startsWith("chatgpt-") || m.matches("o[1-9]([-.].*)?")) {
                return Optional.of(REGISTRY.getEncoding(EncodingType.O200K_BASE));
            }
            return Optional.empty();
        }
    }
}
