package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.daemon.app.DaemonConfig;
import dev.flightdeck.daemon.app.DaemonSettings;
import dev.flightdeck.daemon.testing.InProcessDaemon;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One in-process daemon at a time with a daemon.yaml and a test clock; starting another (on the
 * same or another data directory) stops the previous one, as a restart does.
 */
final class ConfiguredDaemon implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Clock clock;
    private final UnaryOperator<DaemonSettings> tuning;
    private InProcessDaemon daemon;

    /** @param tuning settings beyond the defaults and the daemon.yaml, e.g. more run workers */
    ConfiguredDaemon(Clock clock, UnaryOperator<DaemonSettings> tuning) {
        this.clock = clock;
        this.tuning = tuning;
    }

    InProcessDaemon start(Path dataDir, String daemonYaml) {
        close();
        daemon = new InProcessDaemon(tuning.apply(DaemonSettings.defaults(dataDir, InProcessDaemon.TOKEN, "test")
                .withConfig(DaemonConfig.parse(daemonYaml, "daemon.yaml"))), clock);
        return daemon;
    }

    @Override
    public void close() {
        if (daemon != null) {
            daemon.close();
            daemon = null;
        }
    }

    /** The payload of the one {@code guardrail_tripped} event of {@code events}. */
    static JsonNode guardrail(List<RunEventInfo> events) {
        List<RunEventInfo> g = events.stream().filter(e -> e.type().equals("guardrail_tripped")).toList();
        assertThat(g).hasSize(1);
        try {
            return JSON.readTree(g.get(0).canonicalJson()).path("payload");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
