package dev.flightdeck.daemon.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks a bundle tree (already number-normalized by {@link CanonicalJson#normalize}) against
 * format v1, collecting every problem, and builds the normalized spec: the canonical tree with
 * defaults applied, plus the {@link BundleSpec} records.
 */
final class BundleValidator {
    static final int FORMAT = 1;

    private static final Pattern BUNDLE_NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    private static final Pattern TOOL_NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9_-]{0,63}");

    private static final Set<String> TOP_KEYS =
            Set.of("format", "name", "description", "system_prompt", "tools", "model", "limits");
    private static final Set<String> TOOL_KEYS =
            Set.of("name", "description", "implementation", "policy", "idempotent", "parameters", "timeout_seconds");
    /** Model keys of HTTP providers (everything but {@code scripted}); format v1 additions. */
    private static final List<String> HTTP_KEYS =
            List.of("base_url", "api_key", "max_attempts", "timeout_seconds", "rate_limit", "fallbacks");
    private static final Set<String> MODEL_KEYS = Set.of("provider", "model", "parameters", "script",
            "base_url", "api_key", "max_attempts", "timeout_seconds", "rate_limit", "fallbacks");
    private static final Set<String> FALLBACK_KEYS = Set.of("provider", "model", "parameters",
            "base_url", "api_key", "max_attempts", "timeout_seconds", "rate_limit");
    private static final Set<String> RATE_LIMIT_KEYS = Set.of("requests_per_minute", "tokens_per_minute");
    /** Base URL and key handle of an HTTP provider when the bundle names none. */
    private static final Map<String, String> DEFAULT_BASE_URLS = Map.of(
            "openai", "https://api.openai.com/v1", "anthropic", "https://api.anthropic.com");
    private static final Map<String, String> DEFAULT_API_KEYS = Map.of(
            "openai", "secret:OPENAI_API_KEY", "anthropic", "secret:ANTHROPIC_API_KEY");
    static final int DEFAULT_MAX_ATTEMPTS = 3;
    static final int MAX_MAX_ATTEMPTS = 10;
    static final int DEFAULT_TIMEOUT_SECONDS = 60;
    static final int MAX_TIMEOUT_SECONDS = 3600;
    private static final Pattern SECRET_HANDLE = Pattern.compile("secret:[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Set<String> LIMIT_KEYS =
            Set.of("max_steps", "max_tokens", "max_cost_usd", "max_wall_time_seconds", "loop_threshold",
                    "tool_timeout_seconds");
    /** Longest tool timeout a bundle may set: one day. */
    private static final long MAX_TOOL_TIMEOUT_SECONDS = 86_400;
    private static final Set<String> TURN_KEYS = Set.of("text", "tool_calls", "latency_ms", "usage");
    private static final Set<String> CALL_KEYS = Set.of("tool", "arguments");
    private static final Set<String> USAGE_KEYS = Set.of("input_tokens", "output_tokens");

    private static final BigDecimal MICROS_PER_USD = BigDecimal.valueOf(1_000_000);

    private final Set<String> providers;
    private final Set<String> implementations;
    private final List<BundleProblem> problems;
    private final JsonNodeFactory nodes = CanonicalJson.nodes();

    /** Compiled parameter schemas of the tools whose schema is valid, by tool name. */
    private final Map<String, JsonSchema> toolSchemas = new HashMap<>();
    /** Names of all tools declared (valid or not), so script turns are not blamed twice. */
    private final Set<String> declaredTools = new TreeSet<>();

    record Result(BundleSpec spec, ObjectNode canonicalTree) {
    }

    BundleValidator(Set<String> providers, Set<String> implementations, List<BundleProblem> problems) {
        this.providers = providers;
        this.implementations = implementations;
        this.problems = problems;
    }

    /** @return the normalized bundle, or null if any problem was found */
    Result validate(JsonNode root) {
        int before = problems.size();
        if (!root.isObject()) {
            problem("", "a bundle is a YAML mapping of format v1 fields, got " + CanonicalJson.describeType(root));
            return null;
        }
        unknownKeys(root, "", TOP_KEYS);

        JsonNode format = root.get("format");
        if (format != null) {
            Long value = integer(format, "format", 0, Long.MAX_VALUE);
            if (value != null && value != FORMAT) {
                problem("format", "unsupported format " + value + " (this daemon reads format " + FORMAT + ")");
            }
        }
        String name = requiredString(root, "name", "");
        if (name != null && !BUNDLE_NAME.matcher(name).matches()) {
            problem("name", "invalid bundle name " + Paths.quote(name)
                    + ": use 1 to 63 lowercase letters, digits and dashes, starting with a letter");
        }
        String description = optionalString(root, "description", "", "");
        String systemPrompt = requiredString(root, "system_prompt", "");
        if (systemPrompt != null && systemPrompt.isBlank()) {
            problem("system_prompt", "must not be empty");
        }

        ArrayNode toolsTree = nodes.arrayNode();
        List<ToolSpec> tools = tools(root.get("tools"), toolsTree);

        ObjectNode modelTree = nodes.objectNode();
        ModelSpec model = model(root.get("model"), modelTree);

        ObjectNode limitsTree = nodes.objectNode();
        LimitsSpec limits = limits(root.get("limits"), limitsTree);

        if (problems.size() != before) {
            return null;
        }
        ObjectNode tree = nodes.objectNode();
        tree.put("format", FORMAT);
        tree.put("name", name);
        tree.put("description", description);
        tree.put("system_prompt", systemPrompt);
        tree.set("tools", toolsTree);
        tree.set("model", modelTree);
        tree.set("limits", limitsTree);
        return new Result(new BundleSpec(name, description, systemPrompt, tools, model, limits), tree);
    }

    // ---------------------------------------------------------------- tools

    private List<ToolSpec> tools(JsonNode node, ArrayNode out) {
        List<ToolSpec> tools = new ArrayList<>();
        if (node == null || node.isNull()) {
            return tools;
        }
        if (!node.isArray()) {
            typeProblem("tools", "a list of tools", node);
            return tools;
        }
        Map<String, Integer> firstIndex = new LinkedHashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String path = Paths.index("tools", i);
            ToolSpec tool = tool(node.get(i), path, firstIndex, i, out);
            if (tool != null) {
                tools.add(tool);
            }
        }
        return tools;
    }

    private ToolSpec tool(JsonNode node, String path, Map<String, Integer> firstIndex, int index, ArrayNode out) {
        if (!node.isObject()) {
            typeProblem(path, "a mapping describing a tool", node);
            return null;
        }
        int before = problems.size();
        unknownKeys(node, path, TOOL_KEYS);

        String name = requiredString(node, "name", path);
        if (name != null) {
            if (!TOOL_NAME.matcher(name).matches()) {
                problem(Paths.key(path, "name"), "invalid tool name " + Paths.quote(name)
                        + ": use 1 to 64 letters, digits, '_' and '-', starting with a letter");
            }
            Integer first = firstIndex.putIfAbsent(name, index);
            if (first != null) {
                problem(Paths.key(path, "name"), "duplicate tool name " + Paths.quote(name)
                        + " (also tools[" + first + "])");
            }
            declaredTools.add(name);
        }
        String description = requiredString(node, "description", path);
        if (description != null && description.isBlank()) {
            problem(Paths.key(path, "description"), "must not be empty");
        }
        String implementation = requiredString(node, "implementation", path);
        if (implementation != null && !implementations.contains(implementation)) {
            problem(Paths.key(path, "implementation"), "unknown implementation " + Paths.quote(implementation)
                    + " (this daemon serves: " + String.join(", ", new TreeSet<>(implementations)) + ")");
        }
        String policyText = optionalString(node, "policy", path, "allow");
        ToolPolicy policy = null;
        if (policyText != null) {
            switch (policyText) {
                case "allow" -> policy = ToolPolicy.ALLOW;
                case "ask" -> policy = ToolPolicy.ASK;
                case "deny" -> policy = ToolPolicy.DENY;
                default -> problem(Paths.key(path, "policy"), "invalid policy " + Paths.quote(policyText)
                        + " (expected allow, ask or deny)");
            }
        }
        Boolean idempotent = optionalBoolean(node, "idempotent", path, false);
        // No default written: absent means "the bundle's limits.tool_timeout_seconds".
        Long timeoutSeconds = optionalInteger(node, "timeout_seconds", path, 1, MAX_TOOL_TIMEOUT_SECONDS, null);

        String parametersPath = Paths.key(path, "parameters");
        JsonNode parameters = node.get("parameters");
        JsonSchema compiled = null;
        if (parameters == null) {
            problem(parametersPath, "required (a JSON Schema of the arguments object)");
        } else if (!parameters.isObject()) {
            typeProblem(parametersPath, "a JSON Schema object", parameters);
        } else {
            compiled = parametersSchema(parameters, parametersPath);
        }

        if (problems.size() != before) {
            return null;
        }
        if (compiled != null) {
            toolSchemas.put(name, compiled);
        }
        ObjectNode tree = nodes.objectNode();
        tree.put("name", name);
        tree.put("description", description);
        tree.put("implementation", implementation);
        tree.put("policy", policyText);
        tree.put("idempotent", idempotent);
        tree.set("parameters", parameters);
        if (timeoutSeconds != null) {
            tree.put("timeout_seconds", timeoutSeconds);
        }
        out.add(tree);
        return new ToolSpec(name, description, CanonicalJson.write(parameters), policy, idempotent, implementation,
                timeoutSeconds == null ? 0 : timeoutSeconds * 1000);
    }

    /** Checks a tool's parameters schema; returns it compiled, or null after reporting problems. */
    private JsonSchema parametersSchema(JsonNode schema, String path) {
        int before = problems.size();
        JsonNode dialect = schema.get("$schema");
        if (dialect != null && !(dialect.isTextual() && isDialect2020(dialect.textValue()))) {
            problem(Paths.key(path, "$schema"), "only JSON Schema draft 2020-12 is supported (\""
                    + SchemaChecker.DIALECT + "\"); leave $schema out or use that");
        }
        List<BundleProblem> metaProblems = SchemaChecker.checkSchema(schema, path);
        String typePath = Paths.key(path, "type");
        JsonNode type = schema.get("type");
        if (type != null && !(type.isTextual() && type.textValue().equals("object"))) {
            // Say it once, in our words, rather than also with the meta-schema's enum/array messages.
            metaProblems.stream().filter(p -> !p.location().equals(typePath)).forEach(problems::add);
            problem(typePath, "must be \"object\" (a tool's arguments are an object), got "
                    + (type.isTextual() ? Paths.quote(type.textValue()) : CanonicalJson.describeType(type)));
        } else {
            problems.addAll(metaProblems);
            if (type == null) {
                problem(typePath, "required: a tool's parameters are an object (type: object)");
            }
        }
        SchemaLint.check(schema, path, problems);
        JsonNode properties = schema.get("properties");
        JsonNode required = schema.get("required");
        if (required != null && required.isArray()) {
            for (int j = 0; j < required.size(); j++) {
                JsonNode entry = required.get(j);
                if (entry.isTextual() && (properties == null || !properties.isObject() || !properties.has(entry.textValue()))) {
                    problem(Paths.index(Paths.key(path, "required"), j), "unknown property " + Paths.quote(entry.textValue()));
                }
            }
        }
        if (problems.size() != before) {
            return null;
        }
        return SchemaChecker.compile(schema, path, problems);
    }

    private static boolean isDialect2020(String uri) {
        return uri.equals(SchemaChecker.DIALECT) || uri.equals(SchemaChecker.DIALECT + "#");
    }

    // ---------------------------------------------------------------- model

    private ModelSpec model(JsonNode node, ObjectNode out) {
        if (node == null) {
            problem("model", "required (provider and model)");
            return null;
        }
        if (!node.isObject()) {
            typeProblem("model", "a mapping", node);
            return null;
        }
        int before = problems.size();
        unknownKeys(node, "model", MODEL_KEYS);
        String provider = requiredString(node, "provider", "model");
        if (provider != null && !providers.contains(provider)) {
            problem("model.provider", "unknown provider " + Paths.quote(provider)
                    + " (this daemon knows: " + String.join(", ", new TreeSet<>(providers)) + ")");
        }
        String model = requiredString(node, "model", "model");
        if (model != null && model.isBlank()) {
            problem("model.model", "must not be empty");
        }
        JsonNode parameters = node.get("parameters");
        if (parameters == null || parameters.isNull()) {
            parameters = nodes.objectNode();
        } else if (!parameters.isObject()) {
            typeProblem("model.parameters", "a mapping", parameters);
        }

        boolean scripted = "scripted".equals(provider);
        JsonNode script = node.get("script");
        ArrayNode scriptTree = nodes.arrayNode();
        if (script == null || script.isNull()) {
            if (scripted) {
                problem("model.script", "required when provider is \"scripted\": the turns the model plays");
            }
        } else {
            if (provider != null && providers.contains(provider) && !scripted) {
                problem("model.script", "only allowed when provider is \"scripted\"");
            }
            script(script, scriptTree);
        }
        boolean http = provider != null && providers.contains(provider) && !scripted;
        if (scripted) {
            for (String key : HTTP_KEYS) {
                if (node.has(key)) {
                    problem(Paths.key("model", key), "not used by provider \"scripted\" (it makes no HTTP calls)");
                }
            }
        }
        HttpFields httpFields = http ? httpFields(node, "model", provider) : null;
        List<ModelSpec> fallbacks = new ArrayList<>();
        ArrayNode fallbacksTree = nodes.arrayNode();
        if (http) {
            fallbacks(node.get("fallbacks"), fallbacks, fallbacksTree);
        }
        if (problems.size() != before) {
            return null;
        }
        out.put("provider", provider);
        out.put("model", model);
        out.set("parameters", parameters);
        out.set("script", scriptTree);
        if (!http) {
            // Scripted bundles keep exactly the canonical form (and version ids) they always had.
            return new ModelSpec(provider, model, CanonicalJson.write(parameters), CanonicalJson.write(scriptTree));
        }
        httpFields.writeTo(out);
        out.set("fallbacks", fallbacksTree);
        return httpFields.spec(provider, model, CanonicalJson.write(parameters), CanonicalJson.write(scriptTree), fallbacks);
    }

    /** The HTTP settings of a model or fallback, defaults applied. */
    private record HttpFields(String baseUrl, String apiKey, long maxAttempts, long timeoutSeconds,
                              long requestsPerMinute, long tokensPerMinute) {
        void writeTo(ObjectNode out) {
            out.put("base_url", baseUrl);
            out.put("api_key", apiKey);
            out.put("max_attempts", maxAttempts);
            out.put("timeout_seconds", timeoutSeconds);
            ObjectNode rate = out.putObject("rate_limit");
            rate.put("requests_per_minute", requestsPerMinute);
            rate.put("tokens_per_minute", tokensPerMinute);
        }

        ModelSpec spec(String provider, String model, String parametersJson, String scriptJson, List<ModelSpec> fallbacks) {
            return new ModelSpec(provider, model, parametersJson, scriptJson, baseUrl, apiKey, (int) maxAttempts,
                    (int) timeoutSeconds, (int) requestsPerMinute, tokensPerMinute, fallbacks);
        }
    }

    /** Reads base_url, api_key, max_attempts, timeout_seconds and rate_limit of {@code node} at {@code path}. */
    private HttpFields httpFields(JsonNode node, String path, String provider) {
        String baseUrl = baseUrl(node, path, provider);
        String apiKey = apiKey(node, path, provider);
        Long maxAttempts = optionalInteger(node, "max_attempts", path, 1, MAX_MAX_ATTEMPTS, (long) DEFAULT_MAX_ATTEMPTS);
        Long timeout = optionalInteger(node, "timeout_seconds", path, 1, MAX_TIMEOUT_SECONDS, (long) DEFAULT_TIMEOUT_SECONDS);
        Long rpm = 0L;
        Long tpm = 0L;
        JsonNode rate = node.get("rate_limit");
        String ratePath = Paths.key(path, "rate_limit");
        if (rate != null && !rate.isNull()) {
            if (!rate.isObject()) {
                typeProblem(ratePath, "a mapping with requests_per_minute and tokens_per_minute", rate);
            } else {
                unknownKeys(rate, ratePath, RATE_LIMIT_KEYS);
                rpm = optionalInteger(rate, "requests_per_minute", ratePath, 0, Integer.MAX_VALUE, 0L);
                tpm = optionalInteger(rate, "tokens_per_minute", ratePath, 0, Long.MAX_VALUE, 0L);
            }
        }
        if (baseUrl == null || apiKey == null || maxAttempts == null || timeout == null || rpm == null || tpm == null) {
            return null;
        }
        return new HttpFields(baseUrl, apiKey, maxAttempts, timeout, rpm, tpm);
    }

    private String baseUrl(JsonNode node, String path, String provider) {
        String where = Paths.key(path, "base_url");
        String value = optionalString(node, "base_url", path, null);
        if (value == null) {
            if (node.has("base_url") && !node.get("base_url").isNull()) {
                return null; // type problem reported
            }
            String fallback = DEFAULT_BASE_URLS.get(provider);
            if (fallback == null) {
                problem(where, "required: provider " + Paths.quote(provider) + " has no default base URL");
            }
            return fallback;
        }
        java.net.URI uri;
        try {
            uri = new java.net.URI(value);
        } catch (java.net.URISyntaxException e) {
            problem(where, "not a valid URL: " + e.getReason());
            return null;
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            problem(where, "must be an http:// or https:// URL with a host, e.g. http://localhost:11434/v1");
            return null;
        }
        if (uri.getRawUserInfo() != null) {
            // Never echo it: it holds credentials.
            problem(where, "must not contain a user name or password; put the key in api_key as a secret handle");
            return null;
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            problem(where, "must not have a query (?...) or fragment (#...)");
            return null;
        }
        return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    }

    private String apiKey(JsonNode node, String path, String provider) {
        String where = Paths.key(path, "api_key");
        JsonNode raw = node.get("api_key");
        if (raw == null || raw.isNull()) {
            return DEFAULT_API_KEYS.getOrDefault(provider, "none");
        }
        if (!raw.isTextual()) {
            typeProblem(where, "a string", raw);
            return null;
        }
        String value = raw.textValue();
        if (value.equals("none") || SECRET_HANDLE.matcher(value).matches()) {
            return value;
        }
        // Never echo the value: it may be the key itself, pasted by mistake.
        problem(where, "must be a secret handle like \"secret:OPENAI_API_KEY\" (a name of letters, digits and _), "
                + "or none; the key itself never goes in a bundle");
        return null;
    }

    private void fallbacks(JsonNode node, List<ModelSpec> specs, ArrayNode out) {
        if (node == null || node.isNull()) {
            return;
        }
        if (!node.isArray()) {
            typeProblem("model.fallbacks", "a list of models", node);
            return;
        }
        for (int i = 0; i < node.size(); i++) {
            String path = Paths.index("model.fallbacks", i);
            JsonNode entry = node.get(i);
            if (!entry.isObject()) {
                typeProblem(path, "a mapping with provider and model", entry);
                continue;
            }
            int before = problems.size();
            unknownKeys(entry, path, FALLBACK_KEYS);
            String provider = requiredString(entry, "provider", path);
            boolean known = false;
            if (provider != null) {
                if (!providers.contains(provider)) {
                    problem(Paths.key(path, "provider"), "unknown provider " + Paths.quote(provider)
                            + " (this daemon knows: " + String.join(", ", new TreeSet<>(providers)) + ")");
                } else if (provider.equals("scripted")) {
                    problem(Paths.key(path, "provider"), "\"scripted\" cannot be a fallback (it plays a script, offline)");
                } else {
                    known = true;
                }
            }
            String model = requiredString(entry, "model", path);
            if (model != null && model.isBlank()) {
                problem(Paths.key(path, "model"), "must not be empty");
            }
            JsonNode parameters = entry.get("parameters");
            if (parameters == null || parameters.isNull()) {
                parameters = nodes.objectNode();
            } else if (!parameters.isObject()) {
                typeProblem(Paths.key(path, "parameters"), "a mapping", parameters);
            }
            HttpFields fields = known ? httpFields(entry, path, provider) : null;
            if (problems.size() != before || fields == null) {
                continue;
            }
            ObjectNode tree = nodes.objectNode();
            tree.put("provider", provider);
            tree.put("model", model);
            tree.set("parameters", parameters);
            fields.writeTo(tree);
            out.add(tree);
            specs.add(fields.spec(provider, model, CanonicalJson.write(parameters), "[]", List.of()));
        }
    }

    private void script(JsonNode script, ArrayNode out) {
        if (!script.isArray()) {
            typeProblem("model.script", "a list of turns", script);
            return;
        }
        if (script.isEmpty()) {
            problem("model.script", "must have at least one turn");
        }
        for (int i = 0; i < script.size(); i++) {
            ObjectNode turn = turn(script.get(i), Paths.index("model.script", i));
            if (turn != null) {
                out.add(turn);
            }
        }
    }

    private ObjectNode turn(JsonNode node, String path) {
        if (!node.isObject()) {
            typeProblem(path, "a mapping with text or tool_calls", node);
            return null;
        }
        int before = problems.size();
        unknownKeys(node, path, TURN_KEYS);
        JsonNode text = node.get("text");
        JsonNode calls = node.get("tool_calls");
        ObjectNode out = nodes.objectNode();
        if (text != null && calls != null) {
            problem(path, "a turn has exactly one of \"text\" or \"tool_calls\", found both");
        } else if (text == null && calls == null) {
            problem(path, "a turn has exactly one of \"text\" or \"tool_calls\", found neither");
        }
        if (text != null) {
            String value = string(text, Paths.key(path, "text"));
            if (value != null) {
                out.put("text", value);
            }
        }
        if (calls != null) {
            String callsPath = Paths.key(path, "tool_calls");
            if (!calls.isArray()) {
                typeProblem(callsPath, "a list of tool calls", calls);
            } else {
                if (calls.isEmpty()) {
                    problem(callsPath, "must have at least one tool call (use text for a final answer)");
                }
                ArrayNode callsTree = nodes.arrayNode();
                for (int j = 0; j < calls.size(); j++) {
                    ObjectNode call = toolCall(calls.get(j), Paths.index(callsPath, j));
                    if (call != null) {
                        callsTree.add(call);
                    }
                }
                out.set("tool_calls", callsTree);
            }
        }
        Long latency = optionalInteger(node, "latency_ms", path, 0, Integer.MAX_VALUE, 0L);
        out.put("latency_ms", latency == null ? 0 : latency);

        ObjectNode usageTree = nodes.objectNode();
        JsonNode usage = node.get("usage");
        String usagePath = Paths.key(path, "usage");
        if (usage != null && !usage.isNull() && !usage.isObject()) {
            typeProblem(usagePath, "a mapping with input_tokens and output_tokens", usage);
        } else {
            JsonNode source = usage == null || usage.isNull() ? nodes.objectNode() : usage;
            unknownKeys(source, usagePath, USAGE_KEYS);
            Long input = optionalInteger(source, "input_tokens", usagePath, 0, Long.MAX_VALUE, 0L);
            Long output = optionalInteger(source, "output_tokens", usagePath, 0, Long.MAX_VALUE, 0L);
            usageTree.put("input_tokens", input == null ? 0 : input);
            usageTree.put("output_tokens", output == null ? 0 : output);
        }
        out.set("usage", usageTree);
        return problems.size() == before ? out : null;
    }

    private ObjectNode toolCall(JsonNode node, String path) {
        if (!node.isObject()) {
            typeProblem(path, "a mapping with tool and arguments", node);
            return null;
        }
        int before = problems.size();
        unknownKeys(node, path, CALL_KEYS);
        String tool = requiredString(node, "tool", path);
        if (tool != null && !declaredTools.contains(tool)) {
            problem(Paths.key(path, "tool"), "unknown tool " + Paths.quote(tool) + " (not in tools"
                    + (declaredTools.isEmpty() ? "; the bundle declares none)" : ": " + String.join(", ", declaredTools) + ")"));
        }
        JsonNode arguments = node.get("arguments");
        String argumentsPath = Paths.key(path, "arguments");
        if (arguments == null || arguments.isNull()) {
            arguments = nodes.objectNode();
        }
        if (!arguments.isObject()) {
            typeProblem(argumentsPath, "a mapping of argument names to values", arguments);
        } else if (tool != null && toolSchemas.containsKey(tool)) {
            problems.addAll(SchemaChecker.validate(toolSchemas.get(tool), arguments, argumentsPath));
        }
        if (problems.size() != before) {
            return null;
        }
        ObjectNode out = nodes.objectNode();
        out.put("tool", tool);
        out.set("arguments", arguments);
        return out;
    }

    // ---------------------------------------------------------------- limits

    private LimitsSpec limits(JsonNode node, ObjectNode out) {
        JsonNode source = node;
        if (source == null || source.isNull()) {
            source = nodes.objectNode();
        } else if (!source.isObject()) {
            typeProblem("limits", "a mapping", source);
            return null;
        }
        int before = problems.size();
        unknownKeys(source, "limits", LIMIT_KEYS);
        Long maxSteps = optionalInteger(source, "max_steps", "limits", 1, Integer.MAX_VALUE, (long) LimitsSpec.DEFAULT_MAX_STEPS);
        Long maxTokens = optionalInteger(source, "max_tokens", "limits", 0, Long.MAX_VALUE, 0L);
        Long maxWallSeconds = optionalInteger(source, "max_wall_time_seconds", "limits", 0, Long.MAX_VALUE / 1000, 0L);
        Long loopThreshold = optionalInteger(source, "loop_threshold", "limits", 0, Integer.MAX_VALUE,
                (long) LimitsSpec.DEFAULT_LOOP_THRESHOLD);
        if (loopThreshold != null && loopThreshold == 1) {
            problem("limits.loop_threshold", "must be 0 (loop detection off) or >= 2, got 1");
        }
        Long toolTimeout = optionalInteger(source, "tool_timeout_seconds", "limits", 1, MAX_TOOL_TIMEOUT_SECONDS,
                LimitsSpec.DEFAULT_TOOL_TIMEOUT_SECONDS);
        Long maxCostMicros = 0L;
        JsonNode cost = source.get("max_cost_usd");
        if (cost != null) {
            maxCostMicros = micros(cost, "limits.max_cost_usd");
        }
        if (problems.size() != before) {
            return null;
        }
        out.put("max_steps", maxSteps);
        out.put("max_tokens", maxTokens);
        out.put("max_cost_micros", maxCostMicros);
        out.put("max_wall_time_seconds", maxWallSeconds);
        // Written only when not the default, so bundles that predate these keys keep their version id.
        if (loopThreshold != LimitsSpec.DEFAULT_LOOP_THRESHOLD) {
            out.put("loop_threshold", loopThreshold);
        }
        if (toolTimeout != LimitsSpec.DEFAULT_TOOL_TIMEOUT_SECONDS) {
            out.put("tool_timeout_seconds", toolTimeout);
        }
        return new LimitsSpec(maxSteps.intValue(), maxTokens, maxCostMicros, maxWallSeconds * 1000,
                loopThreshold.intValue(), toolTimeout * 1000);
    }

    private Long micros(JsonNode node, String path) {
        if (!node.isNumber()) {
            typeProblem(path, "a number of US dollars", node);
            return null;
        }
        BigDecimal usd = node.decimalValue();
        if (usd.signum() < 0) {
            problem(path, "must be >= 0, got " + usd.toPlainString());
            return null;
        }
        BigDecimal micros = usd.multiply(MICROS_PER_USD).stripTrailingZeros();
        if (micros.scale() > 0) {
            problem(path, "at most 6 decimal places (whole micro-dollars), got " + usd.toPlainString());
            return null;
        }
        BigInteger value = micros.toBigIntegerExact();
        if (value.bitLength() >= 64) {
            problem(path, "too large, got " + usd.toPlainString());
            return null;
        }
        return value.longValue();
    }

    // ---------------------------------------------------------------- field helpers

    private void unknownKeys(JsonNode node, String path, Set<String> known) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                problem(Paths.key(path, key), "unknown property " + Paths.quote(key));
            }
        }
    }

    private String requiredString(JsonNode parent, String key, String parentPath) {
        String path = Paths.key(parentPath, key);
        JsonNode node = parent.get(key);
        if (node == null) {
            problem(path, "required");
            return null;
        }
        return string(node, path);
    }

    private String optionalString(JsonNode parent, String key, String parentPath, String defaultValue) {
        JsonNode node = parent.get(key);
        if (node == null || node.isNull()) {
            return defaultValue;
        }
        return string(node, Paths.key(parentPath, key));
    }

    private String string(JsonNode node, String path) {
        if (!node.isTextual()) {
            typeProblem(path, "a string", node);
            return null;
        }
        return node.textValue();
    }

    private Boolean optionalBoolean(JsonNode parent, String key, String parentPath, boolean defaultValue) {
        JsonNode node = parent.get(key);
        if (node == null || node.isNull()) {
            return defaultValue;
        }
        if (!node.isBoolean()) {
            typeProblem(Paths.key(parentPath, key), "true or false", node);
            return null;
        }
        return node.booleanValue();
    }

    private Long optionalInteger(JsonNode parent, String key, String parentPath, long min, long max, Long defaultValue) {
        JsonNode node = parent.get(key);
        if (node == null || node.isNull()) {
            return defaultValue;
        }
        return integer(node, Paths.key(parentPath, key), min, max);
    }

    /** An integral number in [min, max]; numbers are already canonical, so 3.0 arrives as 3. */
    private Long integer(JsonNode node, String path, long min, long max) {
        if (!node.isIntegralNumber()) {
            typeProblem(path, "an integer", node);
            return null;
        }
        BigInteger value = node.bigIntegerValue();
        if (value.compareTo(BigInteger.valueOf(min)) < 0) {
            problem(path, (min == 0 ? "must be >= 0" : "must be >= " + min) + ", got " + value);
            return null;
        }
        if (value.compareTo(BigInteger.valueOf(max)) > 0) {
            problem(path, "must be <= " + max + ", got " + value);
            return null;
        }
        return value.longValue();
    }

    private void typeProblem(String path, String expected, JsonNode actual) {
        String got = CanonicalJson.describeType(actual);
        if (actual.isNumber()) {
            got = "a number (" + actual.asText() + ")";
        }
        String hint = "";
        if (expected.equals("a string") && (actual.isBoolean() || actual.isNumber() || actual.isNull())) {
            hint = actual.isBoolean()
                    ? "; YAML reads unquoted yes/no/on/off/true/false as booleans, so quote the text"
                    : actual.isNull() ? "; an empty value or ~ is null in YAML" : "; quote it if it is meant as text";
        }
        problem(path, "expected " + expected + ", got " + got + hint);
    }

    private void problem(String path, String message) {
        problems.add(new BundleProblem(path, message));
    }
}
