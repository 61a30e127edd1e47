package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flightdeck.daemon.run.RunEventRecord;

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
        ObjectNode node = json.createObjectNode();
        node.put("run_id", runId);
        node.put("sequence", sequence);
        node.put("step", step);
        node.put("occurred_at", occurredAt.toString());
        node.put("type", payload.type());
        node.set("payload", json.valueToTree(payload));
        return write(sorted(node));
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
