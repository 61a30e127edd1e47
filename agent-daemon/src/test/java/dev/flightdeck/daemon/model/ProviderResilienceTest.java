package dev.flightdeck.daemon.model;

import dev.flightdeck.daemon.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Retries, backoff, timeouts, dropped connections, fallback, rate limits, cancellation, keys. */
class ProviderResilienceTest {
    @TempDir
    Path dir;
    private FakeProviderServer server;
    private Calls calls;
    private ModelTarget target;

    @BeforeEach
    void start() throws Exception {
        server = new FakeProviderServer();
        calls = new Calls(dir);
        target = Calls.openai(server.url() + "/v1", "gpt-4o-mini", 3);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static final String RATE_LIMITED = "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini\","
            + "\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}";

    @Test
    void a429WithRetryAfterSecondsIsWaitedOutThenTheAnswerCounts() throws Exception {
        server.reply(429, Map.of("Retry-After", "7"), RATE_LIMITED).reply(200, Calls.openAiText("gpt-4o-mini", "done"));

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(reply.message().content()).isEqualTo("done");
        assertThat(calls.sleeper.waits).containsExactly(7000L);
        assertThat(reply.attempts()).hasSize(2);
        assertThat(reply.attempts().get(0).statusCode()).isEqualTo(429);
        assertThat(reply.attempts().get(0).error()).isEqualTo("HTTP 429: Rate limit reached for gpt-4o-mini");
        assertThat(reply.attempts().get(0).waitMs()).isZero();
        assertThat(reply.attempts().get(1).statusCode()).isEqualTo(200);
        assertThat(reply.attempts().get(1).waitMs()).isEqualTo(7000);
        assertThat(server.received()).hasSize(2);
    }

    @Test
    void aRetryAfterHttpDateIsWaitedUntil() throws Exception {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(Calls.NOW.plusSeconds(12).atZone(ZoneOffset.UTC));
        server.reply(429, Map.of("Retry-After", date), RATE_LIMITED).reply(200, Calls.openAiText("gpt-4o-mini", "ok"));

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(calls.sleeper.waits).containsExactly(12_000L);
        assertThat(reply.attempts().get(1).waitMs()).isEqualTo(12_000);
    }

    @Test
    void aServerErrorIsRetriedWithExponentialBackoffAndJitter() throws Exception {
        server.reply(500, "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}")
                .reply(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}")
                .reply(200, Calls.openAiText("gpt-4o-mini", "ok"));

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        // jitter source fixed at 0.5: half the delay fixed plus a quarter → 500 ms → 375, 1000 ms → 750
        assertThat(calls.sleeper.waits).containsExactly(375L, 750L);
        assertThat(reply.attempts()).extracting(ModelAttempt::statusCode).containsExactly(500, 503, 200);
        assertThat(reply.attempts()).extracting(ModelAttempt::waitMs).containsExactly(0L, 375L, 750L);
    }

    @Test
    void aTimedOutAttemptIsRetriedAndReportedWhenAllTimeOut() {
        server.hang().hang();
        ModelTarget quick = Calls.withTimeout(Calls.openai(server.url() + "/v1", "gpt-4o-mini", 2), Duration.ofMillis(300));

        assertThatThrownBy(() -> calls.call(Calls.request(Calls.firstTurn(), quick)))
                .isInstanceOf(ModelCallException.class)
                .hasMessage("provider openai model gpt-4o-mini: no answer after 2 attempts (last: timed out after 300 ms)");
        assertThat(server.received()).hasSize(2);
    }

    @Test
    void aTimeoutThenAnAnswer() throws Exception {
        server.hang().reply(200, Calls.openAiText("gpt-4o-mini", "late but fine"));
        ModelTarget quick = Calls.withTimeout(target, Duration.ofMillis(300));

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), quick));

        assertThat(reply.message().content()).isEqualTo("late but fine");
        assertThat(reply.attempts().get(0).statusCode()).isZero();
        assertThat(reply.attempts().get(0).error()).isEqualTo("timed out after 300 ms");
    }

    @Test
    void aDroppedConnectionIsRetried() throws Exception {
        server.drop().reply(200, Calls.openAiText("gpt-4o-mini", "ok"));

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(reply.message().content()).isEqualTo("ok");
        assertThat(reply.attempts().get(0).statusCode()).isZero();
        assertThat(reply.attempts().get(0).error()).startsWith("connection failed: ");
        assertThat(server.received()).hasSize(2);
    }

    @Test
    void malformedJsonIsRetriedAndReportedWhenItPersists() {
        server.otherwise(r -> new FakeProviderServer.Reply(200, Map.of(), "{\"choices\": [", FakeProviderServer.Reply.Action.RESPOND));

        assertThatThrownBy(() -> calls.call(Calls.request(Calls.firstTurn(), target)))
                .hasMessageStartingWith("provider openai model gpt-4o-mini: no answer after 3 attempts (last: malformed answer: not valid JSON");
        assertThat(server.received()).hasSize(3);
    }

    @Test
    void aWellFormedAnswerOfTheWrongShapeIsMalformedToo() throws Exception {
        server.reply(200, "{\"object\":\"chat.completion\",\"choices\":[]}").reply(200, Calls.openAiText("gpt-4o-mini", "ok"));

        ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(reply.attempts().get(0).error()).isEqualTo("malformed answer: the answer has no choices[0].message");
    }

    @Test
    void whenThePrimaryIsExhaustedTheNextModelAnswersAndTheReplySaysWhich() throws Exception {
        try (FakeProviderServer claude = new FakeProviderServer()) {
            server.otherwise(r -> new FakeProviderServer.Reply(503, Map.of(), "{\"error\":{\"message\":\"overloaded\"}}",
                    FakeProviderServer.Reply.Action.RESPOND));
            claude.reply(200, Calls.anthropicText("claude-sonnet-4-5", "answered by the fallback"));
            ModelTarget primary = Calls.openai(server.url() + "/v1", "gpt-4o", 2);
            ModelTarget second = Calls.openai(server.url() + "/v1", "gpt-4o-mini", 1);
            ModelTarget third = Calls.anthropic(claude.url(), "claude-sonnet-4-5", 2);

            ModelReply reply = calls.call(Calls.request(Calls.firstTurn(), primary, second, third));

            assertThat(reply.provider()).isEqualTo("anthropic");
            assertThat(reply.model()).isEqualTo("claude-sonnet-4-5");
            assertThat(reply.message().content()).isEqualTo("answered by the fallback");
            assertThat(reply.attempts()).extracting(ModelAttempt::attempt).containsExactly(1, 2, 3, 4);
            assertThat(reply.attempts()).extracting(ModelAttempt::model)
                    .containsExactly("gpt-4o", "gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5");
            assertThat(reply.attempts()).extracting(ModelAttempt::statusCode).containsExactly(503, 503, 503, 200);
            assertThat(server.received()).extracting(r -> r.body().path("model").asText())
                    .containsExactly("gpt-4o", "gpt-4o", "gpt-4o-mini");
            assertThat(claude.received().get(0).body().path("model").asText()).isEqualTo("claude-sonnet-4-5");
        }
    }

    @Test
    void whenEveryModelIsExhaustedTheErrorNamesEach() {
        server.otherwise(r -> new FakeProviderServer.Reply(502, Map.of(), "bad gateway", FakeProviderServer.Reply.Action.RESPOND));
        ModelTarget primary = Calls.openai(server.url() + "/v1", "gpt-4o", 1);
        ModelTarget second = Calls.openai(server.url() + "/v1", "gpt-4o-mini", 1);

        assertThatThrownBy(() -> calls.call(Calls.request(Calls.firstTurn(), primary, second)))
                .hasMessage("provider openai model gpt-4o: no answer after 1 attempt (last: HTTP 502: bad gateway); "
                        + "then provider openai model gpt-4o-mini: no answer after 1 attempt (last: HTTP 502: bad gateway)");
    }

    @Test
    void aNonRetryableErrorDoesNotFallBack() {
        server.reply(401, "{\"error\":{\"message\":\"bad key\"}}");
        ModelTarget second = Calls.openai(server.url() + "/v1", "gpt-4o-mini", 1);

        assertThatThrownBy(() -> calls.call(Calls.request(Calls.firstTurn(), target, second)))
                .hasMessage("provider openai rejected the API key secret:OPENAI_API_KEY (401): bad key");
        assertThat(server.received()).hasSize(1);
    }

    @Test
    void concurrentCallsNeverExceedTheRequestsPerMinute() throws Exception {
        // A 2 s window stands for the minute, so the limiter waits for real but briefly. Arrival
        // times at the server lag the limiter's admissions by scheduling noise on a loaded machine,
        // hence the tolerance below; a limiter that let a third request through early would put
        // three arrivals within a few milliseconds.
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
        Sleeper sleeper = Sleeper.on(timer);
        RateLimiter limiter = new RateLimiter(Clock.systemUTC(), sleeper, Duration.ofMillis(2000));
        HttpModelCaller caller = new HttpModelCaller(http, SecretResolver.ofMap(Map.of("OPENAI_API_KEY", "k"),
                dir.resolve("none.yaml")), limiter, Clock.systemUTC(), sleeper, () -> 0.5);
        ModelProvider openai = caller.providers().stream().filter(p -> p.name().equals("openai")).findFirst().orElseThrow();
        server.otherwise(r -> new FakeProviderServer.Reply(200, Map.of(), Calls.openAiText("gpt-4o-mini", "ok"),
                FakeProviderServer.Reply.Action.RESPOND));
        ModelTarget limited = Calls.withRate(target, 2, 0);
        int n = 6;
        try {
            // All six started from this one thread: the four that must wait their turn wait as
            // timer tasks, not on threads of their own.
            List<CompletableFuture<ModelReply>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(openai.call(Calls.request(Calls.firstTurn(), limited)));
            }
            assertThat(timer.getQueue()).as("one timer task for all calls waiting their turn").hasSize(1);
            List<ModelReply> replies = new ArrayList<>();
            for (CompletableFuture<ModelReply> f : futures) {
                replies.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(replies).allSatisfy(r -> assertThat(r.message().content()).isEqualTo("ok"));
            // Each waited its turn instead of being sent: no 429s, and the waits are recorded.
            assertThat(replies.stream().mapToLong(r -> r.attempts().get(0).waitMs()).filter(w -> w > 0).count()).isEqualTo(4);
        } finally {
            timer.shutdownNow();
        }
        List<Long> at = server.received().stream().map(FakeProviderServer.Received::receivedNanos).sorted().toList();
        assertThat(at).hasSize(n);
        for (int i = 0; i + 2 < at.size(); i++) {
            long gapMs = (at.get(i + 2) - at.get(i)) / 1_000_000;
            // any 3 consecutive requests span about a window (less the time a request takes to arrive)
            assertThat(gapMs).as("requests %d..%d", i, i + 2).isGreaterThanOrEqualTo(1200);
        }
    }

    @Test
    void cancellingAbortsTheInFlightRequestAndMakesNoFurtherAttempt() throws Exception {
        server.hang();
        ModelTarget slow = Calls.withTimeout(target, Duration.ofSeconds(30));

        CompletableFuture<ModelReply> call = calls.start(Calls.request(Calls.firstTurn(), slow));
        Await.until("the request reaches the server", Duration.ofSeconds(10), () -> !server.received().isEmpty());
        call.cancel(true);

        assertThat(call).isCancelled();
        // No retry follows the abort (a retry would need no wait: this caller's backoffs are instant).
        assertThat(server.received()).hasSize(1);
        assertThat(calls.sleeper.waits).as("no backoff before another attempt").isEmpty();
    }

    @Test
    void aMissingKeyNamesTheBundleTheProviderAndTheHandle() {
        Calls noKeys = new Calls(dir, Map.of());

        assertThatThrownBy(() -> noKeys.call(Calls.request(Calls.firstTurn(), target)))
                .hasMessage("bundle support-refund: provider openai needs the API key secret:OPENAI_API_KEY, which is "
                        + "not set: set the environment variable OPENAI_API_KEY for the daemon, or add OPENAI_API_KEY to "
                        + dir.resolve("secrets.yaml"));
        assertThat(server.received()).isEmpty();
    }

    @Test
    void theKeyComesFromAnOwnerOnlySecretsFile() throws Exception {
        Path file = dir.resolve("secrets.yaml");
        Files.writeString(file, "OPENAI_API_KEY: sk-from-file-123\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        server.reply(200, Calls.openAiText("gpt-4o-mini", "ok"));

        new Calls(dir, Map.of()).call(Calls.request(Calls.firstTurn(), target));

        assertThat(server.received().get(0).header("Authorization")).isEqualTo("Bearer sk-from-file-123");
    }

    @Test
    void aSecretsFileOthersCanReadIsRefused() throws Exception {
        Path file = dir.resolve("secrets.yaml");
        Files.writeString(file, "OPENAI_API_KEY: sk-from-file-123\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> new Calls(dir, Map.of()).call(Calls.request(Calls.firstTurn(), target)))
                .hasMessage("bundle support-refund: provider openai needs the API key secret:OPENAI_API_KEY: refusing "
                        + "to read the secrets file " + file + ": it is accessible by group or others (rw-r--r--); make "
                        + "it owner-only with: chmod 600 " + file)
                .hasMessageNotContaining("sk-from-file-123");
        assertThat(server.received()).isEmpty();
    }

    @Test
    void theEnvironmentWinsOverTheSecretsFile() throws Exception {
        Path file = dir.resolve("secrets.yaml");
        Files.writeString(file, "OPENAI_API_KEY: sk-from-file\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        server.reply(200, Calls.openAiText("gpt-4o-mini", "ok"));

        calls.call(Calls.request(Calls.firstTurn(), target));

        assertThat(server.received().get(0).header("Authorization")).isEqualTo("Bearer " + Calls.CANARY);
    }
}
