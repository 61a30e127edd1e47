package dev.flightdeck.daemon.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.InvalidSchemaException;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaId;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * JSON Schema (draft 2020-12) support for tool parameters, fully offline: the meta-schemas come
 * from the validator's jar, and loading any other schema (a remote {@code $ref}, another
 * {@code $schema}) is refused.
 */
final class SchemaChecker {
    static final String DIALECT = SchemaId.V202012;

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.schemaLoaders(loaders -> loaders.add(iri -> {
                // Mappers have already turned json-schema.org meta-schema IRIs into classpath ones.
                if (iri.toString().startsWith("classpath:")) {
                    return null; // let the built-in classpath loader serve it
                }
                throw new InvalidSchemaException(ValidationMessage.builder()
                        .message("loading schema ''{1}'' is not allowed; a tool schema must be self-contained")
                        .arguments(iri.toString())
                        .build());
            })));

    private static final JsonSchema META_SCHEMA = FACTORY.getSchema(SchemaLocation.of(DIALECT));

    private static final String CIRCULAR =
            "not a usable JSON Schema: its $ref references loop without end";

    private SchemaChecker() {
    }

    /** Problems with {@code schema} as a draft 2020-12 schema, located under {@code path}. */
    static List<BundleProblem> checkSchema(JsonNode schema, String path) {
        try {
            return toProblems(META_SCHEMA.validate(schema), path);
        } catch (RuntimeException e) {
            return List.of(new BundleProblem(path, "not a valid JSON Schema: " + message(e)));
        } catch (StackOverflowError e) {
            return List.of(new BundleProblem(path, "not a valid JSON Schema: nested too deeply"));
        }
    }

    /**
     * Compiles a schema that passed {@link #checkSchema}; returns null after adding a problem if
     * it cannot be compiled (e.g. a {@code $ref} that points nowhere).
     */
    static JsonSchema compile(JsonNode schema, String path, List<BundleProblem> problems) {
        try {
            JsonSchema compiled = FACTORY.getSchema(schema);
            compiled.initializeValidators(); // resolve $refs now, not at first use
            return compiled;
        } catch (RuntimeException e) {
            problems.add(new BundleProblem(path, "not a usable JSON Schema: " + message(e)));
            return null;
        } catch (StackOverflowError e) {
            problems.add(new BundleProblem(path, CIRCULAR));
            return null;
        }
    }

    /** Problems with {@code instance} against {@code schema}, located under {@code path}. */
    static List<BundleProblem> validate(JsonSchema schema, JsonNode instance, String path) {
        try {
            return toProblems(schema.validate(instance), path);
        } catch (RuntimeException e) {
            return List.of(new BundleProblem(path, "cannot be checked against the tool's schema: " + message(e)));
        } catch (StackOverflowError e) {
            return List.of(new BundleProblem(path, "cannot be checked against the tool's schema: " + CIRCULAR));
        }
    }

    private static List<BundleProblem> toProblems(Set<ValidationMessage> messages, String path) {
        List<ValidationMessage> sorted = new ArrayList<>(messages);
        sorted.sort(Comparator.comparing((ValidationMessage m) -> m.getInstanceLocation().toString())
                .thenComparing(ValidationMessage::getMessage));
        Set<BundleProblem> problems = new LinkedHashSet<>();
        for (ValidationMessage m : sorted) {
            problems.add(new BundleProblem(locate(path, m.getInstanceLocation()), m.getError()));
        }
        return List.copyOf(problems);
    }

    private static String locate(String base, JsonNodePath instance) {
        String path = base;
        for (int i = 0; i < instance.getNameCount(); i++) {
            Object element = instance.getElement(i);
            path = element instanceof Integer index ? Paths.index(path, index) : Paths.key(path, String.valueOf(element));
        }
        return path;
    }

    private static String message(RuntimeException e) {
        String message = e.getMessage();
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        // networknt prefixes the (here empty) instance location: ": Reference ... cannot be resolved"
        String text = message.startsWith(": ") ? message.substring(2) : message;
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
