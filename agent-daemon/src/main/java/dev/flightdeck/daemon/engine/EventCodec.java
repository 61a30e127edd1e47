package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.flightdeck.daemon.run.RunEventRecord;

import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;

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

    /**
     * Writes payloads with their properties in key order directly, without a tree to sort: every
     * payload is records, lists, strings, numbers and enums (EventCodecTest checks each type
     * against a tree sorted at every depth), so ordering the properties is sorting every object.
     */
    private final ObjectMapper sortedJson = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    public String payloadJson(EventPayload payload) {
        try {
            return sortedJson.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write event JSON", e);
        }
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
        return payloadOf(event.runId(), event.sequence(), event.type(), event.payloadJson());
    }

    /** The typed payload of event {@code sequence} of {@code runId}, from its type and payload JSON. */
    public EventPayload payloadOf(String runId, long sequence, String type, String payloadJson) {
        try {
            return json.readValue(payloadJson, EventPayload.classOf(type));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event " + runId + "#" + sequence + " has an unreadable payload: "
                    + e.getOriginalMessage(), e);
        }
    }
}
