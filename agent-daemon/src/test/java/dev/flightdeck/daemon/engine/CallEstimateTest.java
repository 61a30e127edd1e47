package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.model.ChatMessage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The pre-call token estimate: OpenAI's tokenizer for OpenAI models, documented heuristics otherwise. */
class CallEstimateTest {
    private static final List<ChatMessage> HELLO = List.of(ChatMessage.user("hello world"));

    @Test
    void openAiModelsAreCountedWithTheirTokenizerPlusMessageFraming() {
        // "hello world" is 2 tokens in o200k_base and cl100k_base; 3 framing tokens per message, 3 for the reply
        assertThat(CallEstimate.of("openai", "gpt-4o", HELLO, List.of(), "{}").inputTokens()).isEqualTo(8);
        assertThat(CallEstimate.of("openai", "gpt-4-turbo", HELLO, List.of(), "{}").inputTokens()).isEqualTo(8);
        assertThat(CallEstimate.of("openai", "o3-mini", HELLO, List.of(), "{}").inputTokens()).isEqualTo(8);
        // "The quick brown fox jumps over the lazy dog." is 10 tokens, with or without a leading space
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(100).strip();
        assertThat(CallEstimate.of("openai", "gpt-4.1", List.of(ChatMessage.user(text)), List.of(), "{}").inputTokens())
                .isEqualTo(6 + 1000);
    }

    @Test
    void otherModelsUseCharacterHeuristics() {
        // 11 characters: Anthropic 11 / 3.5 rounded up = 4; anything else 11 / 4 rounded up = 3
        assertThat(CallEstimate.of("anthropic", "claude-sonnet-4", HELLO, List.of(), "{}").inputTokens()).isEqualTo(4);
        assertThat(CallEstimate.of("openai", "qwen2.5:7b", HELLO, List.of(), "{}").inputTokens()).isEqualTo(3);
        assertThat(CallEstimate.of("scripted", "test-1", HELLO, List.of(), "{}").inputTokens()).isEqualTo(3);
    }

    @Test
    void maxOutputTokensComeFromTheModelParameters() {
        assertThat(CallEstimate.of("openai", "gpt-4o", HELLO, List.of(), "{\"max_tokens\": 77}").maxOutputTokens())
                .isEqualTo(77);
        assertThat(CallEstimate.of("openai", "gpt-4o", HELLO, List.of(), "{}").maxOutputTokens())
                .isEqualTo(CallEstimate.DEFAULT_MAX_OUTPUT_TOKENS);
    }
}
