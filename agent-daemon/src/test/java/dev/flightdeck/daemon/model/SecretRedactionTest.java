package dev.flightdeck.daemon.model;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Invariant 4 at the provider: a key the provider echoes back is in no attempt, error or log line. */
class SecretRedactionTest {
    @TempDir
    Path dir;
    private FakeProviderServer server;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeEach
    void start() throws Exception {
        server = new FakeProviderServer();
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void stop() {
        root.detachAppender(logs);
        server.close();
    }

    private String echo(String type) {
        return "{\"error\":{\"message\":\"" + type + " for key " + Calls.CANARY + " (prefix " + Calls.CANARY.substring(0, 12)
                + ")\",\"type\":\"" + type + "\"}}";
    }

    @Test
    void echoedKeysAreRedactedFromAttemptsErrorsAndLogs() throws Exception {
        Calls calls = new Calls(dir);
        ModelTarget target = Calls.openai(server.url() + "/v1", "gpt-4o-mini", 3);
        server.reply(500, echo("server_error")).drop().reply(200, Calls.openAiText("gpt-4o-mini", "ok"));

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(reply.attempts()).hasSize(3);
        assertThat(reply.attempts().get(0).error()).contains(Redactor.MASK).doesNotContain(Calls.CANARY);
        assertThat(reply.toString()).doesNotContain(Calls.CANARY);

        server.reply(401, echo("invalid_api_key"));
        assertThatThrownBy(() -> calls.call(Calls.request(Calls.firstTurn(), target)))
                .hasMessageContaining(Redactor.MASK)
                .hasMessageNotContaining(Calls.CANARY);

        ModelTarget fallback = Calls.anthropic(server.url(), "claude-haiku-4-5", 1);
        server.otherwise(r -> new FakeProviderServer.Reply(503, Map.of(), echo("overloaded_error"),
                FakeProviderServer.Reply.Action.RESPOND));
        assertThatThrownBy(() -> calls.call(Calls.request(Calls.firstTurn(), Calls.openai(server.url() + "/v1", "gpt-4o", 2), fallback)))
                .hasMessageContaining(Redactor.MASK)
                .hasMessageNotContaining(Calls.CANARY);

        assertThat(logs.list).isNotEmpty();
        assertThat(logs.list).allSatisfy(e -> {
            assertThat(e.getFormattedMessage()).doesNotContain(Calls.CANARY);
            assertThat(String.valueOf(e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage()))
                    .doesNotContain(Calls.CANARY);
        });
        // ...while the key did go where it belongs
        assertThat(server.received()).allSatisfy(r -> assertThat(r.headers().values()).anySatisfy(v ->
                assertThat(v).contains(Calls.CANARY)));
    }

    @Test
    void aKeyPastedIntoTheBundleIsRefusedWithoutEchoingIt() {
        var parser = new dev.flightdeck.daemon.bundle.BundleParser(java.util.Set.of("scripted", "openai"), java.util.Set.of());
        assertThatThrownBy(() -> parser.parse("name: b\nsystem_prompt: p\nmodel:\n  provider: openai\n  model: gpt-4o\n"
                + "  api_key: " + Calls.CANARY + "\n"))
                .hasMessageContaining("model.api_key: must be a secret handle")
                .hasMessageNotContaining(Calls.CANARY);
    }
}
