package dev.flightdeck.daemon.model;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScriptedProviderTest {
    private static final String SCRIPT = "[{\"tool_calls\":[{\"tool\":\"lookup_order\",\"arguments\":{\"order_id\":\"A-1\"}}],"
            + "\"latency_ms\":0,\"usage\":{\"input_tokens\":7,\"output_tokens\":3}},"
            + "{\"text\":\"done\",\"latency_ms\":0,\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}]";
    private final ScheduledThreadPoolExecutor timer = timer();
    private final ScriptedProvider provider = new ScriptedProvider(timer);

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1);
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private static ModelRequest request(List<ChatMessage> messages) {
        return new ModelRequest("scripted", "m", "{}", SCRIPT, messages, List.of());
    }

    @Test
    void playsTheTurnNumberedByTheAssistantMessagesAlreadyInTheConversation() throws Exception {
        List<ChatMessage> start = List.of(ChatMessage.system("s"), ChatMessage.user("hi"));
        ModelReply first = provider.call(request(start)).join();
        List<ChatMessage> later = List.of(ChatMessage.system("s"), ChatMessage.user("hi"), first.message(),
                ChatMessage.toolResult("call_1_1", "lookup_order", "{}"));
        ModelReply second = provider.call(request(later)).join();
        ModelReply firstAgain = provider.call(request(start)).join();

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

        assertThatThrownBy(() -> provider.call(request(three)).join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(ModelCallException.class)
                .hasMessageStartingWith("the script has 2 turn(s) and the run asked for turn 3");
    }

    @Test
    void aTurnWithLatencyAnswersLaterFromTheTimerWithoutAThreadOfItsOwn() throws Exception {
        String slow = "[{\"text\":\"later\",\"latency_ms\":200}]";
        long started = System.nanoTime();

        CompletableFuture<ModelReply> call = provider.call(new ModelRequest("scripted", "m", "{}", slow, List.of(), List.of()));

        assertThat(call).isNotDone();
        assertThat(timer.getQueue()).hasSize(1);
        ModelReply reply = call.get(10, TimeUnit.SECONDS);
        assertThat(reply.message().content()).isEqualTo("later");
        assertThat(reply.latencyMs()).isGreaterThanOrEqualTo(200);
        assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThanOrEqualTo(200);
    }

    @Test
    void aCancelledCallDropsItsTimerTaskAndNeverAnswers() {
        String slow = "[{\"text\":\"late\",\"latency_ms\":60000}]";

        CompletableFuture<ModelReply> call = provider.call(new ModelRequest("scripted", "m", "{}", slow, List.of(), List.of()));
        call.cancel(true);

        assertThat(call).isCancelled();
        assertThat(timer.getQueue()).as("the latency task is gone").isEmpty();
    }
}
