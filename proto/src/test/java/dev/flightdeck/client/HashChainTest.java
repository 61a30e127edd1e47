package dev.flightdeck.client;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HashChainTest {

    private static List<RunEventInfo> chain(String... contents) {
        List<RunEventInfo> events = new ArrayList<>();
        String prev = "";
        for (int i = 0; i < contents.length; i++) {
            String hash = HashChain.hashOf(prev, contents[i]);
            events.add(event(i + 1, prev, hash, contents[i]));
            prev = hash;
        }
        return events;
    }

    private static RunEventInfo event(long seq, String prev, String hash, String json) {
        return new RunEventInfo("r1", seq, Instant.EPOCH, 0, "run_started", "", "{}", prev, hash, json, false);
    }

    @Test
    void hashIsSha256OfPrevHashNewlineAndCanonicalJson() {
        // printf '\n{"a":1}' | sha256sum
        assertThat(HashChain.hashOf("", "{\"a\":1}"))
                .isEqualTo("7395dc66860499cb2b8970e17094ec53ed1ff54e7067ad619f884917096166b0");
    }

    @Test
    void intactChainVerifies() {
        assertThat(HashChain.verify(chain("{\"a\":1}", "{\"b\":2}", "{\"c\":3}"))).isEmpty();
    }

    @Test
    void editedContentIsReportedAtTheEditedEvent() {
        List<RunEventInfo> events = new ArrayList<>(chain("{\"a\":1}", "{\"b\":2}", "{\"c\":3}"));
        RunEventInfo second = events.get(1);
        events.set(1, event(2, second.prevHash(), second.hash(), "{\"b\":999}"));
        assertThat(HashChain.verify(events)).isEqualTo("event 2: hash does not match its content");
    }

    @Test
    void missingEventIsReportedAsASequenceGap() {
        List<RunEventInfo> events = new ArrayList<>(chain("{\"a\":1}", "{\"b\":2}", "{\"c\":3}"));
        events.remove(1);
        assertThat(HashChain.verify(events)).isEqualTo("sequence gap: expected 2 but found 3");
    }

    @Test
    void relinkedEventIsReportedWhenPrevHashDoesNotMatch() {
        List<RunEventInfo> events = new ArrayList<>(chain("{\"a\":1}", "{\"b\":2}"));
        RunEventInfo second = events.get(1);
        String forgedPrev = HashChain.hashOf("", "{\"x\":0}");
        events.set(1, event(2, forgedPrev, HashChain.hashOf(forgedPrev, second.canonicalJson()),
                second.canonicalJson()));
        assertThat(HashChain.verify(events)).startsWith("event 2: prev_hash does not match");
    }
}
