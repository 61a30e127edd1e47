package dev.flightdeck.daemon.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScriptedProviderTest {
    private static final String SCRIPT = "[{\"tool_calls\":[{\"tool\":\"lookup_order\",\"arguments\":{\"order_id\":\"A-1\"}}],"
            + "\"latency_ms\":0,\"usage\":{\"input_tokens\":7,\"output_tokens\":3}},"
            + "{\"text\":\"done\",\"latency_ms\":0,\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}]";
    private final ScriptedProvider provider = new ScriptedProvider();

    private static ModelRequest request(List<ChatMessage> messages) {
        return new ModelRequest("scripted", "m", "{}", SCRIPT, messages, List.of());
    }

    @Test
    void playsTheTurnNumberedByTheAssistantMessagesAlreadyInTheConversation() throws Exception {
        List<ChatMessage> start = List.of(ChatMessage.system("s"), ChatMessage.user("hi"));
        ModelReply first = provider.call(request(start), CallControl.NONE);
        List<ChatMessage> later = List.of(ChatMessage.system("s"), ChatMessage.user("hi"), first.message(),
                ChatMessage.toolResult("call_1_1", "lookup_order", "{}"));
        ModelReply second = provider.call(request(later), CallControl.NONE);
        ModelReply firstAgain = provider.call(request(start), CallControl.NONE);

        assertThat(first.message().toolCalls()).containsExactly(new ToolCall("call_1_1", "lookup_order", "{\"order_id\":\"A-1\"}"));
        assertThat(first.finishReason()).isEqualTo("tool_calls");
        assertThat(first.usage()).isEqualTo(new Usage(7, 0, 3, 0, 0, true));
        assertThat(second.message().content()).isEqualTo("done");
        assertThat(second.finishReason()).isEqualTo("stop");
        assertThat(second.usage().inputTokens()).isPositive(); // estimated as characters / 4
        assertThat(firstAgain.message()).isEqualTo(first.message());
    }

    @Test
    void askingForMoreTurnsThanTheScriptHasFailsClearly() {
        List<ChatMessage> three = List.of(ChatMessage.user("x"), ChatMessage.assistant("a", List.of()),
                ChatMessage.assistant("b", List.of()));

        assertThatThrownBy(() -> provider.call(request(three), CallControl.NONE))
                .isInstanceOf(ModelCallException.class)
                .hasMessageStartingWith("the script has 2 turn(s) and the run asked for turn 3");
    }

    @Test
    void anAbandonedCallStopsWaitingOutItsLatency() {
        String slow = "[{\"text\":\"late\",\"latency_ms\":60000}]";
        long started = System.nanoTime();

        assertThatThrownBy(() -> provider.call(new ModelRequest("scripted", "m", "{}", slow, List.of(), List.of()),
                () -> System.nanoTime() - started > 50_000_000L)).isInstanceOf(ModelCallCancelledException.class);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5_000);
    }
}
