package dev.flightdeck.daemon.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Resolves secret handles ({@code secret:NAME}) to their values, only when a provider call needs
 * one: first from the daemon's environment ({@code NAME}), then from the owner-only secrets file
 * {@code <data-dir>/secrets.yaml} (a YAML mapping {@code NAME: value}). The file is read on every
 * lookup, so editing it needs no restart; one readable by group or others is refused.
 *
 * <p>Values never appear in the messages this class produces.
 */
public final class SecretResolver {
    /** What a secret name looks like: an environment variable name. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<PosixFilePermission> OTHERS = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final Function<String, String> environment;
    private final Path secretsFile;

    /**
     * @param environment looks an environment variable up (e.g. {@code System::getenv})
     * @param secretsFile the secrets file, usually {@code <data-dir>/secrets.yaml}; need not exist
     */
    public SecretResolver(Function<String, String> environment, Path secretsFile) {
        this.environment = environment;
        this.secretsFile = secretsFile;
    }

    /** Resolves from the process environment and {@code <dataDir>/secrets.yaml}. */
    public static SecretResolver forDataDir(Path dataDir) {
        return new SecretResolver(System::getenv, dataDir.resolve("secrets.yaml"));
    }

    public Path secretsFile() {
        return secretsFile;
    }

    /**
     * @return the value of secret {@code name}, or empty when neither the environment nor the
     *         secrets file has it
     * @throws SecretFileException when the secrets file exists but may not or cannot be read
     */
    public Optional<String> resolve(String name) throws SecretFileException {
        String fromEnv = environment.apply(name);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return Optional.of(fromEnv);
        }
        if (!Files.exists(secretsFile)) {
            return Optional.empty();
        }
        checkOwnerOnly();
        JsonNode root;
        try {
            root = YAML.readTree(secretsFile.toFile());
        } catch (IOException e) {
            // Parser messages may quote the file's content: say where, not what.
            throw new SecretFileException("cannot read the secrets file " + secretsFile
                    + ": it must be a YAML mapping of NAME: value");
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Optional.empty();
        }
        if (!root.isObject()) {
            throw new SecretFileException("the secrets file " + secretsFile + " must be a YAML mapping of NAME: value");
        }
        JsonNode value = root.get(name);
        if (value == null || value.isNull() || !value.isValueNode() || value.asText().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(value.asText());
    }

    private void checkOwnerOnly() throws SecretFileException {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(secretsFile);
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system (Windows): the user profile's ACLs protect it
        } catch (IOException e) {
            throw new SecretFileException("cannot read the permissions of the secrets file " + secretsFile + ": " + e);
        }
        if (perms.stream().anyMatch(OTHERS::contains)) {
            throw new SecretFileException("refusing to read the secrets file " + secretsFile + ": it is accessible by "
                    + "group or others (" + PosixFilePermissions.toString(perms) + "); make it owner-only with: chmod 600 "
                    + secretsFile);
        }
    }

    /** The secrets file exists but may not (permissions) or cannot (syntax) be used. */
    public static final class SecretFileException extends Exception {
        public SecretFileException(String message) {
            super(message);
        }
    }

    /** For tests and embedding: a resolver over a fixed map and no file. */
    public static SecretResolver ofMap(Map<String, String> values, Path secretsFile) {
        return new SecretResolver(values::get, secretsFile);
    }
}
