package dev.flightdeck.daemon.bundle;

import dev.flightdeck.daemon.error.InvalidArgumentException;
import dev.flightdeck.daemon.error.NotFoundException;
import dev.flightdeck.daemon.store.BundleRepository;
import dev.flightdeck.daemon.store.StoredBundle;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Stores and finds bundle versions. A version is stored once under its content hash and never
 * changes, so parsed specs can be cached by version id for as long as the daemon runs.
 */
public final class BundleRegistry {
    /** Largest bundle file accepted, in UTF-8 bytes. */
    public static final int MAX_YAML_BYTES = 1024 * 1024;
    private static final Pattern HEX_PREFIX = Pattern.compile("[0-9a-f]{8,64}");
    private static final int SPEC_CACHE_LIMIT = 1000;

    private final BundleParser parser;
    private final BundleRepository repository;
    private final Clock clock;
    private final Map<String, BundleSpec> specs = new ConcurrentHashMap<>();

    public BundleRegistry(BundleParser parser, BundleRepository repository, Clock clock) {
        this.parser = parser;
        this.repository = repository;
        this.clock = clock;
    }

    /**
     * Validates and stores a bundle file.
     *
     * @throws InvalidBundleException listing every problem; nothing is stored then
     */
    public PushResult push(String yaml) {
        if (yaml.getBytes(StandardCharsets.UTF_8).length > MAX_YAML_BYTES) {
            throw new InvalidArgumentException("yaml: must be at most " + MAX_YAML_BYTES + " bytes");
        }
        return store(parser.parse(yaml));
    }

    /** Stores an already validated bundle (pushes, and the demo bundle at first start). */
    public PushResult store(ParsedBundle bundle) {
        BundleSpec spec = bundle.spec();
        boolean created = repository.insertIfAbsent(bundle.versionId(), spec.name(), spec.description(),
                bundle.sourceYaml(), bundle.canonicalJson(), clock.instant().truncatedTo(ChronoUnit.MILLIS));
        cache(bundle.versionId(), spec);
        return new PushResult(spec.name(), bundle.versionId(), created);
    }

    /**
     * One version of {@code name}: {@code version} is a full id, a unique prefix of at least 8
     * hex characters, or empty for the latest.
     */
    public BundleVersion get(String name, String version) {
        return get("name", "version", name, version);
    }

    /**
     * Resolves a StartRun reference: {@code name} (latest version) or {@code name@version}.
     * Errors name the {@code bundle} field.
     */
    public BundleVersion resolve(String reference) {
        String ref = reference == null ? "" : reference.trim();
        if (ref.isEmpty()) {
            throw new InvalidArgumentException("bundle: must name a bundle, as name or name@version");
        }
        int at = ref.indexOf('@');
        String name = at < 0 ? ref : ref.substring(0, at);
        String version = at < 0 ? "" : ref.substring(at + 1);
        if (at >= 0 && version.isEmpty()) {
            throw new InvalidArgumentException("bundle: missing version after '@' in \"" + ref + "\"");
        }
        return get("bundle", "bundle", name, version);
    }

    /** The latest version of each bundle, by name, after {@code afterName} ("" = first page). */
    public List<BundleVersion> listLatest(String afterName, int limit) {
        return repository.listLatestPerName(afterName, limit).stream().map(this::toVersion).toList();
    }

    /** Versions of {@code name}, newest first, stored before {@code beforeSeq} (0 = first page). */
    public List<BundleVersion> listVersions(String name, long beforeSeq, int limit) {
        if (!repository.nameExists(name)) {
            throw new NotFoundException("name: unknown bundle \"" + name + "\"");
        }
        return repository.listVersions(name, beforeSeq, limit).stream().map(this::toVersion).toList();
    }

    private BundleVersion get(String nameField, String versionField, String name, String version) {
        if (name == null || name.isBlank()) {
            throw new InvalidArgumentException(nameField + ": must name a bundle");
        }
        String v = version == null ? "" : version.trim().toLowerCase(java.util.Locale.ROOT);
        if (v.isEmpty()) {
            return repository.findLatest(name).map(this::toVersion)
                    .orElseThrow(() -> new NotFoundException(nameField + ": unknown bundle \"" + name + "\""));
        }
        if (!HEX_PREFIX.matcher(v).matches()) {
            throw new InvalidArgumentException(versionField + ": must be a version id or a prefix of at least 8 hex "
                    + "characters, got \"" + version + "\"");
        }
        if (!repository.nameExists(name)) {
            throw new NotFoundException(nameField + ": unknown bundle \"" + name + "\"");
        }
        List<StoredBundle> matches = repository.findByPrefix(name, v);
        if (matches.isEmpty()) {
            throw new NotFoundException(versionField + ": bundle \"" + name + "\" has no version " + version);
        }
        if (matches.size() > 1) {
            throw new InvalidArgumentException(versionField + ": \"" + version + "\" matches several versions of \""
                    + name + "\"; give more characters");
        }
        return toVersion(matches.get(0));
    }

    private BundleVersion toVersion(StoredBundle row) {
        BundleSpec spec = specs.get(row.versionId());
        if (spec == null) {
            // Stored versions were valid when pushed; re-parsing the source gives the same spec.
            spec = parser.parse(row.sourceYaml()).spec();
            cache(row.versionId(), spec);
        }
        return new BundleVersion(spec, row.versionId(), row.canonicalJson(), row.sourceYaml(), row.createdAt(),
                row.versionCount(), row.seq());
    }

    private void cache(String versionId, BundleSpec spec) {
        if (specs.size() >= SPEC_CACHE_LIMIT) {
            specs.clear(); // crude bound; versions are re-parsed on demand
        }
        specs.put(versionId, spec);
    }
}
