package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.model.ChatMessage;
import dev.flightdeck.daemon.model.ToolCall;
import dev.flightdeck.daemon.run.RunEventRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
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

        assertThat(texts.canonicalJson()).isEqualTo(mapper.writeValueAsString(sorted(whole)))
                .contains("\"payload\":" + texts.payloadJson() + ",");
        assertThat(texts.payloadJson()).isEqualTo(codec.payloadJson(payload));
        assertThat(codec.canonicalJson("run-\"1\"", 7, 1, at, payload)).isEqualTo(texts.canonicalJson());
    }

    @Test
    void everyPayloadTypeIsWrittenWithItsKeysSortedAtEveryDepth() throws Exception {
        ObjectMapper mapper = JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
        for (Class<? extends EventPayload> type : EventPayload.TYPES) {
            EventPayload sample = (EventPayload) sample(type);

            String written = codec.payloadJson(sample);

            assertThat(written).as(type.getSimpleName()).isEqualTo(mapper.writeValueAsString(sorted(mapper.valueToTree(sample))));
            RunEventRecord stored = new RunEventRecord("run-1", 2, 1, Instant.EPOCH, sample.type(), written, "", "", "");
            assertThat(codec.payloadOf(stored)).as(type.getSimpleName() + " read back").isEqualTo(sample);
        }
    }

    /**
     * A value of {@code type} with every field set (lists of two), built from the record's
     * components; fails for a kind of field it does not know, so a new kind gets looked at here.
     */
    private static Object sample(Type type) throws Exception {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (raw == String.class) {
            return "text \"quoted\" \u00e9";
        } else if (raw == int.class || raw == Integer.class) {
            return 3;
        } else if (raw == long.class || raw == Long.class) {
            return 4L;
        } else if (raw == boolean.class || raw == Boolean.class) {
            return true;
        } else if (raw == double.class || raw == Double.class) {
            return 1.5;
        } else if (raw == Instant.class) {
            return Instant.parse("2026-11-21T12:00:00.120Z");
        } else if (raw.isEnum()) {
            Object[] constants = raw.getEnumConstants();
            return constants[constants.length - 1];
        } else if (raw == List.class) {
            Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
            return List.of(sample(element), sample(element));
        } else if (raw.isRecord()) {
            RecordComponent[] components = raw.getRecordComponents();
            Object[] values = new Object[components.length];
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                values[i] = sample(components[i].getGenericType());
                types[i] = components[i].getType();
            }
            return raw.getDeclaredConstructor(types).newInstance(values);
        }
        throw new AssertionError("no sample for a field of type " + type + ": add one, and check its JSON is sorted");
    }

    /** The reference: a copy of {@code node} whose objects list their fields in key order, at every depth. */
    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            ObjectNode out = ((ObjectNode) node).objectNode();
            for (String name : names) {
                out.set(name, sorted(node.get(name)));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = ((ArrayNode) node).arrayNode();
            node.forEach(child -> out.add(sorted(child)));
            return out;
        }
        return node;
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
