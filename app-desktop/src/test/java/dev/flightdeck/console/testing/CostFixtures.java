package dev.flightdeck.console.testing;

import dev.flightdeck.proto.v1.RunStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/** Plausible model-call history for previews and screenshots: tenants, bundle versions, priced and unpriced models. */
public final class CostFixtures {
    private record Model(String provider, String id, long microsPerKIn, long microsPerKOut, boolean priced,
                         long latencyMs) {
    }

    private static final List<Model> MODELS = List.of(
            new Model("openai", "gpt-4o", 2_500, 10_000, true, 1400),
            new Model("openai", "gpt-4o-mini", 150, 600, true, 700),
            new Model("anthropic", "claude-sonnet-4-5", 3_000, 15_000, true, 1900),
            new Model("anthropic", "claude-haiku-4-5", 1_000, 5_000, true, 800),
            new Model("ollama", "llama3.1:8b", 0, 0, false, 2600));
    private static final List<String> TENANTS = List.of("acme", "globex", "initech", "umbrella", "hooli");
    private static final List<String[]> BUNDLES = List.of(
            new String[] {"support-refund", "3f2a9c1d0b7e"}, new String[] {"support-refund", "a91c44e2f0d3"},
            new String[] {"triage", "7c0de5b8a412"}, new String[] {"research-digest", "e44b9d1f6a20"});

    private CostFixtures() {
    }

    /** About {@code callsPerHour} calls an hour over the {@code days} before {@code now}, busier in working hours. */
    public static void seed(FakeCosts costs, Instant now, int days, int callsPerHour, long seed) {
        Random random = new Random(seed);
        int runNo = 0;
        for (Instant hour = now.minus(Duration.ofDays(days)); hour.isBefore(now); hour = hour.plus(Duration.ofHours(1))) {
            int h = hour.atZone(java.time.ZoneOffset.UTC).getHour();
            int n = Math.max(1, (int) (callsPerHour * (h >= 8 && h <= 18 ? 1.6 : 0.4) * (0.6 + random.nextDouble())));
            for (int i = 0; i < n; i += 3) {
                runNo++;
                String tenant = TENANTS.get(Math.min(TENANTS.size() - 1, (int) Math.abs(random.nextGaussian() * 1.6)));
                String[] bundle = BUNDLES.get(random.nextInt(BUNDLES.size()));
                RunStatus status = random.nextInt(10) == 0 ? RunStatus.RUN_STATUS_FAILED : RunStatus.RUN_STATUS_SUCCEEDED;
                Model model = MODELS.get(Math.min(MODELS.size() - 1, (int) Math.abs(random.nextGaussian() * 1.8)));
                String runId = String.format("run-%05d", runNo);
                for (int call = 0; call < 3 && i + call < n; call++) {
                    long in = 400 + random.nextInt(3000) + call * 600L;
                    long out = 40 + random.nextInt(500);
                    long cost = (in * model.microsPerKIn() + out * model.microsPerKOut()) / 1000;
                    long latency = (long) (model.latencyMs() * (0.5 + random.nextDouble() + (random.nextInt(20) == 0 ? 3 : 0)));
                    Instant at = hour.plusSeconds(random.nextInt(3600));
                    costs.add(new FakeCosts.Call(runId, tenant, bundle[0], bundle[1], status, model.provider(),
                            model.id(), at.isBefore(now) ? at : now.minusSeconds(1), in, out, cost, model.priced(), latency));
                }
            }
        }
    }
}
