package dev.flightdeck.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DaemonEndpointTest {
    @TempDir
    Path dataDir;

    @Test
    void noInfoFileMeansNoDaemon() {
        assertThat(DaemonEndpoint.discover(dataDir)).isEmpty();
    }

    @Test
    void infoFileOfALiveProcessIsDiscovered() throws Exception {
        long pid = ProcessHandle.current().pid();
        Files.writeString(dataDir.resolve("daemon.json"),
                "{\"port\":4711,\"token\":\"abc\",\"pid\":" + pid + ",\"version\":\"1.2.3\"}");
        DaemonEndpoint endpoint = DaemonEndpoint.discover(dataDir).orElseThrow();
        assertThat(endpoint.host()).isEqualTo("127.0.0.1");
        assertThat(endpoint.port()).isEqualTo(4711);
        assertThat(endpoint.token()).isEqualTo("abc");
        assertThat(endpoint.version()).isEqualTo("1.2.3");
    }

    @Test
    void infoFileLeftByAKilledDaemonIsIgnored() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        Files.writeString(dataDir.resolve("daemon.json"),
                "{\"port\":4711,\"token\":\"abc\",\"pid\":" + p.pid() + "}");
        assertThat(DaemonEndpoint.discover(dataDir)).isEmpty();
    }

    @Test
    void malformedInfoFileIsAClearError() throws Exception {
        Files.writeString(dataDir.resolve("daemon.json"), "{\"port\":1}");
        assertThatThrownBy(() -> DaemonEndpoint.discover(dataDir))
                .hasMessageContaining("daemon.json is not a daemon info file (needs port, token and pid)");
    }
}
