package dev.flightdeck.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** JSON text as people read and type it: pretty-printed, and checked before it is sent. */
public final class JsonText {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonText() {
    }

    /** {@code json} indented for reading; text that is not JSON is returned as it is. */
    public static String pretty(String json) {
        if (json == null || json.isBlank()) {
            return "";
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            return json;
        }
    }

    /** Why {@code json} is not a JSON object (with line and column), or null when it is one. */
    public static String objectProblem(String json) {
        try {
            JsonNode node = JSON.readTree(json == null ? "" : json);
            return node != null && node.isObject() ? null : "must be a JSON object";
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            return "not valid JSON" + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + ": " + e.getOriginalMessage();
        }
    }
}
