package dev.flightdeck.daemon.api;

import dev.flightdeck.client.BundleInfo;
import dev.flightdeck.client.DaemonCallException;
import dev.flightdeck.client.DaemonClient;
import dev.flightdeck.client.Page;
import dev.flightdeck.client.PushedBundle;
import dev.flightdeck.daemon.testing.InProcessDaemon;
import dev.flightdeck.daemon.testing.TestBundles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BundleServiceTest {
    @TempDir
    Path dir;
    private InProcessDaemon daemon;
    private DaemonClient client;

    @BeforeEach
    void start() {
        daemon = new InProcessDaemon(dir);
        client = daemon.client();
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    @Test
    void pushStoresANewVersionOnceAndIdenticalContentAgainIsNotCreated() {
        PushedBundle first = client.pushBundle(TestBundles.answering("hello", "hi"));
        PushedBundle again = client.pushBundle(TestBundles.answering("hello", "hi"));

        assertThat(first.created()).isTrue();
        assertThat(first.name()).isEqualTo("hello");
        assertThat(first.versionId()).matches("[0-9a-f]{64}");
        assertThat(again).isEqualTo(new PushedBundle("hello", first.versionId(), false));
    }

    @Test
    void getBundleFindsLatestFullIdAndUniquePrefix() {
        PushedBundle v1 = client.pushBundle(TestBundles.answering("hello", "one"));
        PushedBundle v2 = client.pushBundle(TestBundles.answering("hello", "two"));

        assertThat(client.getBundle("hello", "").versionId()).isEqualTo(v2.versionId());
        assertThat(client.getBundle("hello", v1.versionId()).versionId()).isEqualTo(v1.versionId());
        BundleInfo byPrefix = client.getBundle("hello", v1.versionId().substring(0, 8));
        assertThat(byPrefix.versionId()).isEqualTo(v1.versionId());
        assertThat(byPrefix.sourceYaml()).isEqualTo(TestBundles.answering("hello", "one"));
        assertThat(byPrefix.provider()).isEqualTo("scripted");
        assertThat(byPrefix.toolNames()).containsExactly("lookup_order");
    }

    @Test
    void unknownBundleOrVersionIsNotFoundAndAShortPrefixIsInvalid() {
        client.pushBundle(TestBundles.answering("hello", "one"));

        assertThatThrownBy(() -> client.getBundle("nope", ""))
                .isInstanceOfSatisfying(DaemonCallException.class, e -> {
                    assertThat(e.code()).isEqualTo("NOT_FOUND");
                    assertThat(e.getMessage()).isEqualTo("name: unknown bundle \"nope\"");
                });
        assertThatThrownBy(() -> client.getBundle("hello", "00000000"))
                .isInstanceOfSatisfying(DaemonCallException.class, e -> assertThat(e.code()).isEqualTo("NOT_FOUND"));
        assertThatThrownBy(() -> client.getBundle("hello", "abc"))
                .isInstanceOfSatisfying(DaemonCallException.class, e -> {
                    assertThat(e.code()).isEqualTo("INVALID_ARGUMENT");
                    assertThat(e.getMessage()).startsWith("version:");
                });
    }

    @Test
    void malformedBundleListsEveryProblemWithItsLocationAndStoresNothing() {
        List<BundleInfo> before = client.listBundles("", 0, "").items();
        String bad = """
                name: Bad Name
                system_prompt: p
                tools:
                  - name: t
                    implementation: builtin:nope
                    policy: sometimes
                model:
                  provider: scripted
                  model: m
                  script:
                    - text: hi
                """;

        assertThatThrownBy(() -> client.pushBundle(bad))
                .isInstanceOfSatisfying(DaemonCallException.class, e -> {
                    assertThat(e.code()).isEqualTo("INVALID_ARGUMENT");
                    List<String> lines = e.getMessage().lines().toList();
                    assertThat(lines).hasSizeGreaterThanOrEqualTo(3);
                    assertThat(lines).anyMatch(l -> l.startsWith("name: "));
                    assertThat(lines).anyMatch(l -> l.startsWith("tools[0].implementation: "));
                    assertThat(lines).anyMatch(l -> l.startsWith("tools[0].policy: "));
                });
        assertThat(client.listBundles("", 0, "").items()).isEqualTo(before);
    }

    @Test
    void listBundlesPagesLatestPerNameByNameWithVersionCounts() {
        client.pushBundle(TestBundles.answering("alpha", "1"));
        client.pushBundle(TestBundles.answering("alpha", "2"));
        client.pushBundle(TestBundles.answering("beta", "1"));
        client.pushBundle(TestBundles.answering("gamma", "1"));

        List<BundleInfo> seen = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            Page<BundleInfo> page = client.listBundles("", 1, token);
            seen.addAll(page.items());
            token = page.nextPageToken();
            pages++;
        } while (!token.isEmpty() && pages < 10);

        assertThat(seen).extracting(BundleInfo::name).containsExactly("alpha", "beta", "gamma");
        assertThat(seen).extracting(BundleInfo::versionCount).containsExactly(2, 1, 1);
        assertThat(seen.get(0).sourceYaml()).isEmpty();
    }

    @Test
    void listVersionsOfOneNamePagesNewestFirst() {
        PushedBundle v1 = client.pushBundle(TestBundles.answering("alpha", "1"));
        PushedBundle v2 = client.pushBundle(TestBundles.answering("alpha", "2"));
        PushedBundle v3 = client.pushBundle(TestBundles.answering("alpha", "3"));
        client.pushBundle(TestBundles.answering("beta", "1"));

        Page<BundleInfo> first = client.listBundles("alpha", 2, "");
        Page<BundleInfo> second = client.listBundles("alpha", 2, first.nextPageToken());

        assertThat(first.items()).extracting(BundleInfo::versionId).containsExactly(v3.versionId(), v2.versionId());
        assertThat(second.items()).extracting(BundleInfo::versionId).containsExactly(v1.versionId());
        assertThat(second.hasMore()).isFalse();
    }

    @Test
    void badPageSizeAndForeignPageTokensAreInvalidArguments() {
        client.pushBundle(TestBundles.answering("alpha", "1"));
        client.pushBundle(TestBundles.answering("alpha", "2"));
        String alphaToken = client.listBundles("alpha", 1, "").nextPageToken();

        assertThatThrownBy(() -> client.listBundles("", 9999, ""))
                .isInstanceOfSatisfying(DaemonCallException.class, e -> {
                    assertThat(e.code()).isEqualTo("INVALID_ARGUMENT");
                    assertThat(e.getMessage()).isEqualTo("page_size: must be between 0 and 500, got 9999");
                });
        assertThatThrownBy(() -> client.listBundles("", 0, "not-a-token!"))
                .isInstanceOfSatisfying(DaemonCallException.class, e -> {
                    assertThat(e.code()).isEqualTo("INVALID_ARGUMENT");
                    assertThat(e.getMessage()).startsWith("page_token: not a token issued by ListBundles");
                });
        assertThatThrownBy(() -> client.listBundles("", 0, alphaToken)) // issued for name=alpha
                .isInstanceOfSatisfying(DaemonCallException.class, e -> assertThat(e.code()).isEqualTo("INVALID_ARGUMENT"));
    }
}
