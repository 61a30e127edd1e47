package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flightdeck.daemon.run.RunEventRecord;

import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Turns event payloads into JSON and back, and builds the canonical JSON the hash chain covers:
 * keys sorted at every level, no insignificant whitespace, fields run_id, sequence, step,
 * occurred_at (ISO-8601 UTC), type and payload.
 */
public final class EventCodec {
    private final ObjectMapper json = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public String payloadJson(EventPayload payload) {
        return write(sorted(json.valueToTree(payload)));
    }

    public String canonicalJson(String runId, long sequence, int step, Instant occurredAt, EventPayload payload) {
        return encode(runId, sequence, step, occurredAt, payload).canonicalJson();
    }

    /** An event's two texts: its payload's JSON and the canonical JSON its hash covers. */
    public record Encoded(String payloadJson, String canonicalJson) {
    }

    /**
     * Both texts of an event, with the payload turned into JSON once: the canonical JSON embeds
     * the payload's sorted JSON as is, between the other fields in key order (occurred_at, payload,
     * run_id, sequence, step, type). Every event the engine commits goes through here, so this
     * halves the JSON work per event against building the two texts apart.
     */
    public Encoded encode(String runId, long sequence, int step, Instant occurredAt, EventPayload payload) {
        String payloadJson = payloadJson(payload);
        StringWriter out = new StringWriter(payloadJson.length() + 160);
        try (JsonGenerator g = json.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("occurred_at", occurredAt.toString());
            g.writeFieldName("payload");
            g.writeRawValue(payloadJson);
            g.writeStringField("run_id", runId);
            g.writeNumberField("sequence", sequence);
            g.writeNumberField("step", step);
            g.writeStringField("type", payload.type());
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write event JSON", e);
        }
        return new Encoded(payloadJson, out.toString());
    }

    /** The typed payload of a stored event. */
    public EventPayload payloadOf(RunEventRecord event) {
        try {
            return json.readValue(event.payloadJson(), EventPayload.classOf(event.type()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event " + event.runId() + "#" + event.sequence()
                    + " has an unreadable payload: " + e.getOriginalMessage(), e);
        }
    }

    private String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write event JSON", e);
        }
    }

    /** A copy of {@code node} whose objects list their fields in key order, at every depth. */
    static JsonNode sorted(JsonNode node) {
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
            var out = ((com.fasterxml.jackson.databind.node.ArrayNode) node).arrayNode();
            node.forEach(child -> out.add(sorted(child)));
            return out;
        }
        return node;
    }
}
