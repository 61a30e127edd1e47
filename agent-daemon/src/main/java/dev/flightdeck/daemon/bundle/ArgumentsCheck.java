package dev.flightdeck.daemon.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks JSON text a person typed (e.g. a reviewer's edited tool arguments) against a tool's JSON
 * Schema, with problems located under a field name: {@code edited_arguments_json.amount_usd: ...}.
 */
public final class ArgumentsCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ArgumentsCheck() {
    }

    /** Problems with {@code json} as JSON of any kind, located at {@code field}; empty when it parses. */
    public static List<BundleProblem> parses(String json, String field) {
        try {
            JSON.readTree(json);
            return List.of();
        } catch (JsonProcessingException e) {
            return List.of(syntaxProblem(e, field));
        }
    }

    /**
     * Problems with {@code json} as an arguments object valid against {@code schemaJson} (draft
     * 2020-12), located under {@code field}; empty when valid.
     */
    public static List<BundleProblem> check(String schemaJson, String json, String field) {
        JsonNode args;
        try {
            args = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return List.of(syntaxProblem(e, field));
        }
        if (args == null || args.isMissingNode() || !args.isObject()) {
            return List.of(new BundleProblem(field, "must be a JSON object"));
        }
        if (schemaJson == null || schemaJson.isBlank()) {
            return List.of();
        }
        List<BundleProblem> problems = new ArrayList<>();
        JsonNode schemaNode;
        try {
            schemaNode = JSON.readTree(schemaJson);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored tool schema is not JSON", e);
        }
        JsonSchema schema = SchemaChecker.compile(schemaNode, field, problems);
        if (schema == null) {
            return problems;
        }
        return SchemaChecker.validate(schema, args, field);
    }

    private static BundleProblem syntaxProblem(JsonProcessingException e, String field) {
        var at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return new BundleProblem(field, "not valid JSON" + where + ": " + e.getOriginalMessage());
    }
}
