package dev.flightdeck.daemon.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A provider API on 127.0.0.1 (JDK HttpServer): answers requests from a queue of canned replies
 * written in the provider's documented wire format, and records every request it receives.
 */
final class FakeProviderServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request as received: path, headers (lowercase names) and the JSON body. */
    record Received(String path, Map<String, String> headers, JsonNode body, long receivedNanos) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** What to do with one request. */
    record Reply(int status, Map<String, String> headers, String body, Action action) {
        enum Action { RESPOND, DROP, HANG }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile Function<Received, Reply> fallback = r -> new Reply(500, Map.of(), "{\"error\":{\"message\":\"no reply queued\"}}", Reply.Action.RESPOND);

    FakeProviderServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:PORT} (append {@code /v1} for OpenAI-style). */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    FakeProviderServer reply(int status, String body) {
        return reply(status, Map.of(), body);
    }

    FakeProviderServer reply(int status, Map<String, String> headers, String body) {
        replies.add(new Reply(status, headers, body, Reply.Action.RESPOND));
        return this;
    }

    /** Closes the connection without answering. */
    FakeProviderServer drop() {
        replies.add(new Reply(0, Map.of(), "", Reply.Action.DROP));
        return this;
    }

    /** Never answers (until the server closes). */
    FakeProviderServer hang() {
        replies.add(new Reply(0, Map.of(), "", Reply.Action.HANG));
        return this;
    }

    /** What to answer once the queue is empty. */
    FakeProviderServer otherwise(Function<Received, Reply> reply) {
        this.fallback = reply;
        return this;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    private void handle(HttpExchange exchange) throws IOException {
        Map<String, String> headers = new TreeMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
        byte[] raw = exchange.getRequestBody().readAllBytes();
        JsonNode body = raw.length == 0 ? JSON.nullNode() : JSON.readTree(raw);
        Received r = new Received(exchange.getRequestURI().getPath(), headers, body, System.nanoTime());
        received.add(r);
        Reply reply = replies.poll();
        if (reply == null) {
            reply = fallback.apply(r);
        }
        switch (reply.action()) {
            case DROP -> {
                // Closing the connection with no status line: the client sees the connection drop.
                exchange.getResponseBody().close();
                throw new IOException("dropping the connection on purpose");
            }
            case HANG -> {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
            }
            case RESPOND -> {
                byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
                exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    static List<String> paths(List<Received> rs) {
        List<String> out = new ArrayList<>();
        rs.forEach(r -> out.add(r.path()));
        return out;
    }
}
