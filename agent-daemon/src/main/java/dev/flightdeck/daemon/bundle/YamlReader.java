package dev.flightdeck.daemon.bundle;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.MarkedYAMLException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads bundle YAML into a Jackson tree, turning every way the text can be unreadable into a
 * {@link BundleProblem} with line and column. Rejects what Jackson would otherwise silently
 * mangle: duplicate keys (last one would win), aliases (Jackson reads {@code *x} as the string
 * {@code "x"}) and more than one document.
 */
final class YamlReader {
    /** Largest bundle file accepted, in UTF-8 bytes. */
    static final int MAX_BYTES = 1024 * 1024;

    private static final YAMLMapper MAPPER = newMapper();

    private YamlReader() {
    }

    private static YAMLMapper newMapper() {
        LoaderOptions loader = new LoaderOptions();
        loader.setCodePointLimit(MAX_BYTES + 1024);
        loader.setMaxAliasesForCollections(10);
        YAMLFactory factory = YAMLFactory.builder().loaderOptions(loader).build();
        return YAMLMapper.builder(factory)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
                .build();
    }

    /**
     * @return the root node, or null after adding the reason to {@code problems}
     */
    static JsonNode read(String yaml, List<BundleProblem> problems) {
        int bytes = utf8Length(yaml);
        if (bytes > MAX_BYTES) {
            problems.add(new BundleProblem("", "bundle is too large: " + bytes + " bytes of YAML, the limit is "
                    + MAX_BYTES + " bytes (1 MiB)"));
            return null;
        }
        try {
            rejectAliases(yaml);
            JsonNode root;
            try (JsonParser parser = MAPPER.createParser(yaml)) {
                root = MAPPER.readTree(parser);
                if (root != null && !root.isMissingNode() && parser.nextToken() != null) {
                    problems.add(new BundleProblem("", syntaxMessage(parser.currentTokenLocation(),
                            "a bundle file holds exactly one YAML document, found another one")));
                    return null;
                }
            }
            if (root == null || root.isMissingNode() || root.isNull()) {
                problems.add(new BundleProblem("", "bundle is empty"));
                return null;
            }
            return root;
        } catch (JsonProcessingException e) {
            problems.add(new BundleProblem("", describe(e)));
            return null;
        } catch (IOException | RuntimeException e) {
            // The YAML scanner reports some malformed input as unchecked exceptions.
            problems.add(new BundleProblem("", "YAML syntax error: " + firstLine(String.valueOf(e.getMessage()))));
            return null;
        }
    }

    /** Jackson turns an alias into the anchor's name as a string; refuse aliases instead. */
    private static void rejectAliases(String yaml) throws IOException {
        try (JsonParser parser = MAPPER.createParser(yaml)) {
            YAMLParser yamlParser = (YAMLParser) parser;
            while (parser.nextToken() != null) {
                if (yamlParser.isCurrentAlias()) {
                    throw new AliasException(parser,
                            "YAML aliases are not supported (found *" + parser.getText() + "); write the value out");
                }
            }
        }
    }

    private static final class AliasException extends JsonProcessingException {
        private static final long serialVersionUID = 1L;

        AliasException(JsonParser parser, String message) {
            super(message, parser.currentTokenLocation());
        }
    }

    private static String describe(JsonProcessingException e) {
        if (e instanceof MarkedYAMLException marked) {
            // SnakeYAML's message spans several lines with a source snippet; keep the essentials.
            String problem = marked.getOriginalMessage();
            String[] lines = problem.split("\n");
            StringBuilder what = new StringBuilder();
            for (String line : lines) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("in 'reader'") || trimmed.equals("^")
                        || line.startsWith("    ")) {
                    continue;
                }
                if (what.length() > 0) {
                    what.append(", ");
                }
                what.append(trimmed);
            }
            return syntaxMessage(e.getLocation(), what.toString());
        }
        return syntaxMessage(e.getLocation(), firstLine(e.getOriginalMessage()));
    }

    private static String syntaxMessage(JsonLocation location, String what) {
        if (location == null || location.getLineNr() < 1) {
            return "YAML syntax error: " + what;
        }
        return "YAML syntax error at line " + location.getLineNr() + ", column " + location.getColumnNr() + ": " + what;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable input";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static int utf8Length(String s) {
        if (s.length() > MAX_BYTES) {
            return s.getBytes(StandardCharsets.UTF_8).length;
        }
        // Fast enough either way; one pass without allocating for the common case.
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
