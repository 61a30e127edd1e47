package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.model.ChatMessage;
import dev.flightdeck.daemon.model.ToolCall;
import dev.flightdeck.daemon.run.RunEventRecord;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    void theCanonicalJsonOfANestedPayloadIsTheWholeEventSortedAtEveryDepthAndEmbedsThePayloadJson() throws Exception {
        var payload = new EventPayload.ModelRequested("scripted", "m",
                List.of(ChatMessage.system("s \"quoted\" \u00e9\ud83d\ude00"),
                        ChatMessage.assistant("", List.of(new ToolCall("c1", "t", "{\"b\":1,\"a\":[2,{\"z\":0,\"y\":1}]}")))),
                2, List.of("t", "u"));
        Instant at = Instant.parse("2026-11-21T12:00:00.120Z");
        ObjectMapper mapper = JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
        ObjectNode whole = mapper.createObjectNode();
        whole.put("type", payload.type());
        whole.put("step", 1);
        whole.put("sequence", 7L);
        whole.put("run_id", "run-\"1\"");
        whole.set("payload", mapper.valueToTree(payload));
        whole.put("occurred_at", at.toString());

        EventCodec.Encoded texts = codec.encode("run-\"1\"", 7, 1, at, payload);

        assertThat(texts.canonicalJson()).isEqualTo(mapper.writeValueAsString(EventCodec.sorted(whole)))
                .contains("\"payload\":" + texts.payloadJson() + ",");
        assertThat(texts.payloadJson()).isEqualTo(codec.payloadJson(payload));
        assertThat(codec.canonicalJson("run-\"1\"", 7, 1, at, payload)).isEqualTo(texts.canonicalJson());
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
