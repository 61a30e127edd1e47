package dev.flightdeck.daemon.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flightdeck.client.DaemonEndpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes and removes {@code <data-dir>/daemon.json}, the handshake clients read
 * ({@link DaemonEndpoint#discover}): host, port, token, pid, version. Written atomically (temp
 * file + rename) with owner-only permissions from the start, so no reader ever sees a partial
 * file and no other user ever sees the token.
 */
final class EndpointFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EndpointFile() {
    }

    static Path write(Path dataDir, String host, int port, String token, long pid, String version) throws IOException {
        ObjectNode info = JSON.createObjectNode().put("host", host).put("port", port).put("token", token)
                .put("pid", pid).put("version", version);
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(info).getBytes(StandardCharsets.UTF_8);
        Path target = dataDir.resolve(DaemonEndpoint.INFO_FILE);
        Path temp = dataDir.resolve(DaemonEndpoint.INFO_FILE + ".tmp");
        Files.deleteIfExists(temp);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(temp);
        }
        Files.write(temp, bytes);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    static void delete(Path dataDir) throws IOException {
        Files.deleteIfExists(dataDir.resolve(DaemonEndpoint.INFO_FILE));
    }
}
