package dev.flightdeck.daemon.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.DoubleSupplier;

/**
 * Makes model calls to HTTP providers (OpenAI-compatible chat completions, Anthropic messages)
 * with everything around the wire format: API keys resolved from secret handles at call time,
 * retries with exponential backoff and jitter (honouring {@code Retry-After}) on 429, 5xx,
 * timeouts and dropped connections, a fallback chain, shared client-side rate limits, and
 * cancellation of an in-flight request. Every attempt is recorded in the reply.
 *
 * <p>A call holds no thread while it waits: requests go out with {@link HttpClient#sendAsync},
 * backoff and rate-limit waits are timed tasks of the {@link Sleeper}, and each step of the call
 * is chained on the completion of the one before. Cancelling the call's future (or completing it,
 * e.g. by a timeout) cancels the step in progress: an exchange in flight is aborted, a pending wait
 * is dropped, and no further attempt is made.
 *
 * <p>The key value never leaves this class: every text that does (attempt errors, exception
 * messages, log lines) passes through a {@link Redactor} holding it.
 */
public final class HttpModelCaller {
    private static final Logger LOG = LoggerFactory.getLogger(HttpModelCaller.class);
    /** First backoff wait; doubled for each further retry, up to {@link #MAX_BACKOFF_MS}. */
    static final long BASE_BACKOFF_MS = 500;
    static final long MAX_BACKOFF_MS = 20_000;
    /** A {@code Retry-After} longer than this is not waited for: the next model in the chain is tried. */
    static final long MAX_RETRY_AFTER_MS = 120_000;
    private static final int MAX_ERROR_CHARS = 300;
    private static final Map<String, String> DEFAULT_KEYS = Map.of(
            OpenAiWire.NAME, "secret:OPENAI_API_KEY", AnthropicWire.NAME, "secret:ANTHROPIC_API_KEY");

    private final Map<String, WireFormat> formats = Map.of(
            OpenAiWire.NAME, new OpenAiWire(), AnthropicWire.NAME, new AnthropicWire());
    private final HttpClient http;
    private final SecretResolver secrets;
    private final RateLimiter limiter;
    private final Clock clock;
    private final Sleeper sleeper;
    private final DoubleSupplier random;

    /**
     * @param random jitter source in [0, 1)
     */
    public HttpModelCaller(HttpClient http, SecretResolver secrets, RateLimiter limiter, Clock clock, Sleeper sleeper,
                           DoubleSupplier random) {
        this.http = http;
        this.secrets = secrets;
        this.limiter = limiter;
        this.clock = clock;
        this.sleeper = sleeper;
        this.random = random;
    }

    /**
     * The daemon's caller: real time, waits as tasks on {@code timer}, keys from the environment and
     * {@code <dataDir>/secrets.yaml}.
     */
    public static HttpModelCaller forDaemon(Path dataDir, Clock clock, ScheduledExecutorService timer) {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        SecureRandom random = new SecureRandom();
        Sleeper sleeper = Sleeper.on(timer);
        return new HttpModelCaller(http, SecretResolver.forDataDir(dataDir), new RateLimiter(clock, sleeper),
                clock, sleeper, random::nextDouble);
    }

    /** The HTTP providers this caller serves, as {@link ModelProvider}s: {@code openai} and {@code anthropic}. */
    public List<ModelProvider> providers() {
        return formats.keySet().stream().sorted().<ModelProvider>map(name -> new ModelProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public CompletableFuture<ModelReply> call(ModelRequest request) {
                return HttpModelCaller.this.call(name, request);
            }
        }).toList();
    }

    /** The default base URL of an HTTP provider, or "" for one this caller does not serve. */
    public static String defaultBaseUrl(String provider) {
        return switch (provider) {
            case OpenAiWire.NAME -> OpenAiWire.DEFAULT_BASE_URL;
            case AnthropicWire.NAME -> AnthropicWire.DEFAULT_BASE_URL;
            default -> "";
        };
    }

    /** The default key handle of an HTTP provider ({@code secret:OPENAI_API_KEY}...), or {@code none}. */
    public static String defaultApiKey(String provider) {
        return DEFAULT_KEYS.getOrDefault(provider, ModelTarget.NO_KEY);
    }

    CompletableFuture<ModelReply> call(String provider, ModelRequest request) {
        List<ModelTarget> chain = request.targets().isEmpty()
                ? List.of(new ModelTarget(provider, request.model(), defaultBaseUrl(provider), defaultApiKey(provider),
                request.parametersJson(), ModelTarget.DEFAULT_MAX_ATTEMPTS, ModelTarget.DEFAULT_TIMEOUT, 0, 0))
                : request.targets();
        Call call = new Call(request, chain);
        call.target(0);
        return call.result;
    }

    /** What one target of the chain is called with. */
    private record TargetCall(int index, ModelTarget target, WireFormat format, String key, Redactor redactor,
                              String body, URI uri, int turn, long estimated, String limiterKey, String who) {
    }

    /** An attempt's outcome with the permit it went out under and how long the exchange took. */
    private record Sent(RateLimiter.Permit permit, Outcome outcome, long latencyMs) {
    }

    /**
     * One model call over its fallback chain: the attempts made so far and the step in progress.
     * Steps run one after another (each starts when the one before completes), so the lists need
     * no locking.
     */
    private final class Call {
        final CompletableFuture<ModelReply> result = new CompletableFuture<>();
        final ModelRequest request;
        final List<ModelTarget> chain;
        final long started = System.nanoTime();
        final List<ModelAttempt> attempts = new ArrayList<>();
        final List<String> exhausted = new ArrayList<>();
        /** The step in progress (a wait, a rate-limit turn, an exchange): cancelled with the call. */
        private volatile CompletableFuture<?> current;

        Call(ModelRequest request, List<ModelTarget> chain) {
            this.request = request;
            this.chain = chain;
            result.whenComplete((r, e) -> {
                CompletableFuture<?> c = current;
                if (c != null) {
                    c.cancel(true); // cancel(true) on a sendAsync future aborts the exchange (JDK 16+, JDK-8245462)
                }
            });
        }

        /** Makes {@code step} the one to cancel with the call; cancels it at once if the call is over. */
        <T> CompletableFuture<T> step(CompletableFuture<T> step) {
            current = step;
            if (result.isDone()) {
                step.cancel(true);
            }
            return step;
        }

        void fail(ModelCallException e) {
            result.completeExceptionally(e);
        }

        /** Tries target {@code i} of the chain; past its end, fails with every target's reason. */
        void target(int i) {
            if (result.isDone()) {
                return;
            }
            if (i >= chain.size()) {
                fail(new ModelCallException(String.join("; then ", exhausted)));
                return;
            }
            try {
                attempt(prepare(i, chain.get(i)), 1, -1, "");
            } catch (ModelCallException e) {
                fail(e);
            }
        }

        private TargetCall prepare(int i, ModelTarget target) throws ModelCallException {
            WireFormat format = formats.get(target.provider());
            if (format == null) {
                throw new ModelCallException("provider \"" + target.provider() + "\" is not an HTTP provider this daemon serves");
            }
            String key = apiKey(target, request.bundleName());
            String who = "provider " + target.provider() + " model " + target.model();
            String body;
            try {
                body = WireFormat.JSON.writeValueAsString(format.body(target, request));
            } catch (JsonProcessingException e) {
                throw new ModelCallException(who + ": cannot write the request: " + e.getOriginalMessage());
            }
            URI uri;
            try {
                uri = URI.create(target.baseUrl().isEmpty() ? format.defaultBaseUrl() + format.path()
                        : stripSlash(target.baseUrl()) + format.path());
            } catch (IllegalArgumentException e) {
                throw new ModelCallException(who + ": invalid base URL " + target.baseUrl());
            }
            int turn = (int) request.messages().stream().filter(m -> m.role() == Role.ASSISTANT).count();
            long estimated = WireFormat.estimateTokens(WireFormat.conversationChars(request));
            String limiterKey = target.provider() + " " + uri + " " + target.model();
            return new TargetCall(i, target, format, key, Redactor.of(key), body, uri, turn, estimated, limiterKey, who);
        }

        /** Attempt {@code n} at {@code t}: backoff (from the second on), a rate-limit turn, the exchange. */
        private void attempt(TargetCall t, int n, long retryAfterMs, String lastError) {
            if (result.isDone()) {
                return;
            }
            long backoffMs = 0;
            if (n > 1) {
                backoffMs = retryAfterMs >= 0 ? retryAfterMs : backoff(n - 1);
                if (backoffMs > MAX_RETRY_AFTER_MS) {
                    exhaust(t, lastError + " (Retry-After " + backoffMs / 1000 + " s is too long to wait)");
                    return;
                }
                LOG.info("{}: attempt {} failed ({}); retrying in {} ms", t.who(), n - 1, lastError, backoffMs);
            }
            long waitedMs = backoffMs;
            CompletableFuture<Void> backedOff = n > 1 ? step(sleeper.after(backoffMs))
                    : CompletableFuture.completedFuture(null);
            backedOff.thenCompose(v -> step(limiter.acquire(t.limiterKey(), t.target().requestsPerMinute(),
                            t.target().tokensPerMinute(), t.estimated())))
                    .thenCompose(permit -> {
                        long t0 = System.nanoTime();
                        return send(t).thenApply(o -> new Sent(permit, o, (System.nanoTime() - t0) / 1_000_000));
                    })
                    .whenComplete((sent, e) -> {
                        if (result.isDone()) {
                            return; // cancelled or timed out meanwhile: no further attempt
                        }
                        if (e != null) {
                            result.completeExceptionally(unwrap(e)); // a bug, not the provider: the run fails with an error id
                            return;
                        }
                        try {
                            settle(t, n, waitedMs + sent.permit().waitedMs(), sent);
                        } catch (RuntimeException bug) {
                            result.completeExceptionally(bug);
                        }
                    });
        }

        /** Records the attempt and answers, fails, retries or moves on to the next target. */
        private void settle(TargetCall t, int n, long waitMs, Sent sent) {
            Outcome outcome = sent.outcome();
            int number = attempts.size() + 1;
            if (outcome.status >= 200 && outcome.status < 300 && outcome.json != null) {
                try {
                    WireFormat.Answer a = t.format().answer(outcome.json, t.target(), t.turn());
                    Usage usage = a.usage() != null ? a.usage() : new Usage(t.estimated(), 0,
                            WireFormat.estimateTokens(a.message().content().length() + a.message().toolCalls().stream()
                                    .mapToLong(c -> c.toolName().length() + c.argumentsJson().length()).sum()), 0, 0, false);
                    sent.permit().settle(usage.totalTokens());
                    attempts.add(new ModelAttempt(number, t.target().model(), outcome.status, "", waitMs, sent.latencyMs()));
                    long latencyMs = (System.nanoTime() - started) / 1_000_000;
                    // The model id as the bundle names it (price tables and dashboards key on it), not
                    // the dated snapshot id some APIs report back.
                    result.complete(new ModelReply(t.target().model(), a.message(), a.finishReason(), usage, latencyMs,
                            attempts, t.target().provider()));
                    return;
                } catch (WireFormat.MalformedReplyException e) {
                    outcome = Outcome.retryable(outcome.status, "malformed answer: " + t.redactor().redact(e.getMessage()), -1);
                }
            }
            attempts.add(new ModelAttempt(number, t.target().model(), outcome.status, outcome.error, waitMs,
                    sent.latencyMs()));
            if (outcome.fatal != null) {
                LOG.warn("{}: {}", t.who(), outcome.fatal);
                fail(new ModelCallException(outcome.fatal));
            } else if (n < t.target().maxAttempts()) {
                attempt(t, n + 1, outcome.retryAfterMs, outcome.error);
            } else {
                exhaust(t, outcome.error);
            }
        }

        private void exhaust(TargetCall t, String lastError) {
            String reason = t.who() + ": no answer after " + attemptsText(t.target(), attempts) + " (last: " + lastError + ")";
            LOG.warn("{}", reason);
            exhausted.add(reason);
            target(t.index() + 1);
        }

        /** One exchange; its future never fails: transport failures and timeouts are retryable outcomes. */
        private CompletableFuture<Outcome> send(TargetCall t) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(t.uri())
                    .timeout(t.target().timeout())
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(t.body()));
            t.format().headers(t.key()).forEach(builder::header);
            CompletableFuture<HttpResponse<String>> exchange = step(http.sendAsync(builder.build(),
                    HttpResponse.BodyHandlers.ofString()));
            String timedOut = "timed out after " + seconds(t.target().timeout());
            // The request timeout covers the wait for the response headers; this one the whole
            // exchange, body included.
            return exchange.copy().orTimeout(t.target().timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .handle((response, e) -> {
                        if (e == null) {
                            return outcome(t, response);
                        }
                        Throwable cause = unwrap(e);
                        if (cause instanceof TimeoutException || cause instanceof HttpTimeoutException) {
                            exchange.cancel(true);
                            return Outcome.retryable(0, timedOut, -1);
                        }
                        if (cause instanceof IOException) {
                            return Outcome.retryable(0, "connection failed: " + t.redactor().redact(describe(cause)), -1);
                        }
                        return Outcome.retryable(0, "request failed: " + t.redactor().redact(describe(cause)), -1);
                    });
        }
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String attemptsText(ModelTarget target, List<ModelAttempt> attempts) {
        long n = attempts.stream().filter(a -> a.model().equals(target.model())).count();
        return n + (n == 1 ? " attempt" : " attempts");
    }

    /** Exponential backoff with jitter: half the doubled delay fixed, half random. */
    private long backoff(int retry) {
        long delay = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS << Math.min(retry - 1, 20));
        return delay / 2 + (long) (random.getAsDouble() * (delay / 2.0));
    }

    private String apiKey(ModelTarget target, String bundle) throws ModelCallException {
        if (target.apiKey().equals(ModelTarget.NO_KEY)) {
            return null;
        }
        String name = target.secretName();
        String prefix = (bundle.isEmpty() ? "" : "bundle " + bundle + ": ") + "provider " + target.provider();
        if (name.isEmpty()) {
            throw new ModelCallException(prefix + ": model.api_key must be a secret handle (secret:NAME) or none");
        }
        try {
            return secrets.resolve(name).orElseThrow(() -> new ModelCallException(prefix + " needs the API key "
                    + target.apiKey() + ", which is not set: set the environment variable " + name
                    + " for the daemon, or add " + name + " to " + secrets.secretsFile()));
        } catch (SecretResolver.SecretFileException e) {
            throw new ModelCallException(prefix + " needs the API key " + target.apiKey() + ": " + e.getMessage());
        }
    }

    /** What one attempt came to. */
    private static final class Outcome {
        final int status;
        final JsonNode json;
        final String error;
        final long retryAfterMs;
        /** Set for non-retryable failures: the message the step fails with. */
        final String fatal;

        private Outcome(int status, JsonNode json, String error, long retryAfterMs, String fatal) {
            this.status = status;
            this.json = json;
            this.error = error;
            this.retryAfterMs = retryAfterMs;
            this.fatal = fatal;
        }

        static Outcome ok(int status, JsonNode json) {
            return new Outcome(status, json, "", -1, null);
        }

        static Outcome retryable(int status, String error, long retryAfterMs) {
            return new Outcome(status, null, error, retryAfterMs, null);
        }

        static Outcome fatal(int status, String error, String message) {
            return new Outcome(status, null, error, -1, message);
        }
    }

    /** What a response that arrived comes to. */
    private Outcome outcome(TargetCall t, HttpResponse<String> response) {
        WireFormat format = t.format();
        ModelTarget target = t.target();
        Redactor redactor = t.redactor();
        int status = response.statusCode();
        String text = response.body() == null ? "" : response.body();
        if (status >= 200 && status < 300) {
            try {
                JsonNode json = WireFormat.JSON.readTree(text);
                if (json == null || !json.isObject()) {
                    return Outcome.retryable(status, "malformed answer: not a JSON object", -1);
                }
                return Outcome.ok(status, json);
            } catch (JsonProcessingException e) {
                return Outcome.retryable(status, "malformed answer: not valid JSON ("
                        + redactor.redact(e.getOriginalMessage()) + ")", -1);
            }
        }
        String detail = format.errorMessage(text);
        // Redact before clipping, so a clip can never leave part of a key behind.
        detail = clip(redactor.redact(detail.isEmpty() ? text : detail));
        String error = "HTTP " + status + (detail.isEmpty() ? "" : ": " + detail);
        String provider = "provider " + target.provider();
        String suffix = detail.isEmpty() ? "" : ": " + detail;
        if (status == 429 || status == 408 || status == 409 || status == 425 || status >= 500) {
            return Outcome.retryable(status, error, retryAfter(response));
        }
        if (status == 401) {
            return Outcome.fatal(status, error, provider + " rejected the API key " + target.apiKey() + " (401)" + suffix);
        }
        if (status == 403) {
            return Outcome.fatal(status, error, provider + " refused access to model " + target.model() + " (403)" + suffix);
        }
        if (status == 404) {
            return Outcome.fatal(status, error, provider + " does not know model " + target.model() + " at "
                    + target.baseUrl() + " (404)" + suffix);
        }
        if (format.isContextLengthError(status, text)) {
            return Outcome.fatal(status, error, "the conversation is too long for model " + target.model() + " of "
                    + provider + " (context length exceeded, " + status + ")" + suffix);
        }
        return Outcome.fatal(status, error, provider + " rejected the request to model " + target.model() + " ("
                + status + ")" + suffix);
    }

    /** {@code Retry-After} as milliseconds from now: delta-seconds or an HTTP date; -1 when absent or unreadable. */
    long retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").map(this::parseRetryAfter).orElse(-1L);
    }

    long parseRetryAfter(String value) {
        String v = value.trim();
        try {
            return Math.max(0, Math.round(Double.parseDouble(v) * 1000));
        } catch (NumberFormatException e) {
            // an HTTP date
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            return Math.max(0, at.toInstant().toEpochMilli() - clock.millis());
        } catch (DateTimeParseException e) {
            return -1;
        }
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " " + m);
    }

    private static String clip(String s) {
        String oneLine = s.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= MAX_ERROR_CHARS ? oneLine : oneLine.substring(0, MAX_ERROR_CHARS) + "...";
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
