package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.model.ChatMessage;
import dev.flightdeck.daemon.model.ToolCall;
import dev.flightdeck.daemon.run.RunEventRecord;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EventCodecTest {
    private final EventCodec codec = new EventCodec();

    @Test
    void canonicalJsonHasSortedKeysNoWhitespaceAndSnakeCaseType() {
        var payload = new EventPayload.CancelRequested("ann", "why");

        String canonical = codec.canonicalJson("run-1", 3, 0, Instant.parse("2026-11-21T12:00:00.120Z"), payload);

        assertThat(canonical).isEqualTo("{\"occurred_at\":\"2026-11-21T12:00:00.120Z\",\"payload\":{\"reason\":\"why\","
                + "\"requested_by\":\"ann\"},\"run_id\":\"run-1\",\"sequence\":3,\"step\":0,\"type\":\"cancel_requested\"}");
    }

    @Test
    void everyPayloadTypeHasTheOneofNameOfTheContract() {
        assertThat(EventPayload.TYPES.stream().map(EventPayload::typeOf)).containsExactly("run_started",
                "model_requested", "model_responded", "tool_call_proposed", "approval_requested", "approval_decided",
                "tool_call_started", "tool_call_finished", "guardrail_tripped", "cancel_requested", "run_finished");
    }

    @Test
    void aPayloadReadBackFromItsJsonEqualsTheOriginal() {
        var payload = new EventPayload.ModelRequested("scripted", "m",
                List.of(ChatMessage.system("s"), ChatMessage.assistant("", List.of(new ToolCall("c1", "t", "{\"a\":1}")))),
                2, List.of("t"));
        RunEventRecord stored = new RunEventRecord("run-1", 2, 1, Instant.EPOCH, payload.type(),
                codec.payloadJson(payload), "", "", "");

        assertThat(codec.payloadOf(stored)).isEqualTo(payload);
    }
}
