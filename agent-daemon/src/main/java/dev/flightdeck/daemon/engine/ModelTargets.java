package dev.flightdeck.daemon.engine;

import dev.flightdeck.daemon.bundle.ModelSpec;
import dev.flightdeck.daemon.model.ModelTarget;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A bundle's model configuration as the chain of targets an HTTP provider tries. */
final class ModelTargets {
    private ModelTargets() {
    }

    /** The primary model then its fallbacks; empty for providers without HTTP settings ({@code scripted}). */
    static List<ModelTarget> of(ModelSpec spec) {
        if (spec.baseUrl().isEmpty()) {
            return List.of();
        }
        List<ModelTarget> chain = new ArrayList<>();
        chain.add(target(spec));
        spec.fallbacks().forEach(f -> chain.add(target(f)));
        return chain;
    }

    private static ModelTarget target(ModelSpec m) {
        return new ModelTarget(m.provider(), m.model(), m.baseUrl(), m.apiKey(), m.parametersJson(), m.maxAttempts(),
                Duration.ofSeconds(m.timeoutSeconds()), m.requestsPerMinute(), m.tokensPerMinute());
    }
}
