package dev.flightdeck.daemon.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** The parser configured the way the daemon configures it, and fixture loading. */
final class BundleTestSupport {
    static final Set<String> PROVIDERS = Set.of("scripted");
    static final Set<String> IMPLEMENTATIONS = Set.of(
            "builtin:lookup_order", "builtin:get_refund_policy", "builtin:check_refund_eligibility");
    static final String DEMO_RESOURCE = BundleParser.DEMO_BUNDLE_RESOURCE;

    private BundleTestSupport() {
    }

    static BundleParser parser() {
        return new BundleParser(PROVIDERS, IMPLEMENTATIONS);
    }

    static String demoYaml() {
        return resource(DEMO_RESOURCE);
    }

    static String fixture(String name) {
        return resource("/bundles/" + name);
    }

    static String resource(String path) {
        try (InputStream in = BundleTestSupport.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
