package dev.flightdeck.daemon.cli;

import dev.flightdeck.client.RunEventInfo;
import dev.flightdeck.client.UsageInfo;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class FormatsTest {
    @Test
    void durations() {
        assertThat(Formats.duration(Duration.ofMillis(850))).isEqualTo("850ms");
        assertThat(Formats.duration(Duration.ofMillis(12_345))).isEqualTo("12.3s");
        assertThat(Formats.duration(Duration.ofSeconds(245))).isEqualTo("4m05s");
        assertThat(Formats.duration(Duration.ofMinutes(123))).isEqualTo("2h03m");
    }

    @Test
    void costIsNeverZeroWhenUnpriced() {
        assertThat(Formats.cost(new UsageInfo(10, 0, 5, 0, 1234, true))).isEqualTo("$0.0012");
        assertThat(Formats.cost(new UsageInfo(10, 0, 5, 0, 0, false))).isEqualTo("unpriced");
    }

    @Test
    void tablesAlignColumns() {
        StringWriter buf = new StringWriter();
        new Table("A", "LONGER", "C").row("xxxx", "y", "z").row("1", "2", "3").print(new PrintWriter(buf));
        assertThat(buf.toString().lines()).containsExactly(
                "A     LONGER  C",
                "xxxx  y       z",
                "1     2       3");
    }

    @Test
    void eventsLineUpBySequenceAndStep() {
        RunEventInfo e = new RunEventInfo("r", 7, Instant.EPOCH, 2, "tool_call_finished", "tool lookup_order → {}",
                "{}", "", "", "{}", false);
        RunEventInfo first = new RunEventInfo("r", 1, Instant.EPOCH, 0, "run_started", "run started", "{}", "", "",
                "{}", false);
        assertThat(EventPrinter.format(e)).isEqualTo("    7  step 2   tool lookup_order → {}");
        assertThat(EventPrinter.format(first)).isEqualTo("    1           run started");
    }

    @Test
    void bundleProblemsSplitOnePerLine() {
        assertThat(BundleCommand.Push.problems("invalid bundle: name: must match x; tools[0].policy: unknown \"maybe\""))
                .containsExactly("name: must match x", "tools[0].policy: unknown \"maybe\"");
        assertThat(BundleCommand.Push.problems("bundle has 2 problems:\n  - a: b\n  - c: d\n"))
                .containsExactly("a: b", "c: d");
        assertThat(BundleCommand.Push.problems("name: missing")).containsExactly("name: missing");
    }
}
