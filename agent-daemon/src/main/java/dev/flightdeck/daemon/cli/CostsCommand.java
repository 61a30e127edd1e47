package dev.flightdeck.daemon.cli;

import com.google.protobuf.Timestamp;
import dev.flightdeck.client.DaemonEndpoint;
import dev.flightdeck.proto.v1.CostDimension;
import dev.flightdeck.proto.v1.CostGroup;
import dev.flightdeck.proto.v1.CostServiceGrpc;
import dev.flightdeck.proto.v1.CostlyRun;
import dev.flightdeck.proto.v1.QueryCostRequest;
import dev.flightdeck.proto.v1.QueryCostResponse;
import dev.flightdeck.proto.v1.TopRunsRequest;
import dev.flightdeck.proto.v1.Usage;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code flightdeck costs [--since 7d] [--by tenant,model,day] [--csv]}: what model calls cost,
 * grouped; {@code flightdeck costs top}: the most expensive runs.
 */
@Command(name = "costs", mixinStandardHelpOptions = true,
        description = {"Spend, tokens and model latency of the model calls that finished in a recent period, grouped.",
                "A cost marked \"unpriced\" is unknown: a model had no price (see docs/providers.md)."},
        subcommands = CostsCommand.Top.class)
final class CostsCommand implements Callable<Integer> {
    private static final long DEADLINE_SECONDS = 30;

    @Option(names = "--since", paramLabel = "AGE", defaultValue = "7d",
            description = "Calls that finished in this recent period: 30d, 12h, 90m or 3600s (default: ${DEFAULT-VALUE}).")
    String since;

    @Option(names = "--by", paramLabel = "DIMS", split = ",", defaultValue = "model",
            description = "Group by any of tenant, bundle, version, provider, model, day, hour, comma-separated "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> by = new ArrayList<>();

    @Option(names = "--csv", description = "Print comma-separated values (dollars with 6 decimals) instead of a table.")
    boolean csv;

    @Mixin
    DataDirOption dataDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<CostDimension> dims = new ArrayList<>();
        for (String name : by) {
            dims.add(dimension(name));
        }
        Instant to = Instant.now();
        Instant from = to.minusSeconds(PruneCommand.seconds("--since", since));
        QueryCostResponse r = rpc(dataDir, stub -> stub.queryCost(QueryCostRequest.newBuilder().setFrom(ts(from))
                .setTo(ts(to)).addAllGroupBy(dims).build()));
        List<String> headers = new ArrayList<>();
        by.forEach(b -> headers.add(b.strip().toUpperCase(Locale.ROOT)));
        headers.addAll(List.of("RUNS", "CALLS", "INPUT", "CACHED", "CACHE_WRITE", "OUTPUT", "COST", "UNPRICED",
                "P50_MS", "P95_MS", "P99_MS"));
        List<String[]> rows = new ArrayList<>();
        r.getGroupsList().forEach(g -> rows.add(row(g.getKeysList(), g)));
        List<String> totalKeys = new ArrayList<>();
        totalKeys.add("TOTAL");
        while (totalKeys.size() < by.size()) {
            totalKeys.add("");
        }
        if (!by.isEmpty()) {
            rows.add(row(totalKeys, r.getTotal()));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (csv) {
            out.println(csvLine(headers.toArray(String[]::new)));
            rows.forEach(row -> out.println(csvLine(row)));
        } else if (r.getTotal().getCalls() == 0) {
            out.println("no model calls since " + from);
        } else {
            Table t = new Table(headers.toArray(String[]::new));
            rows.forEach(t::row);
            t.print(out);
            if (r.getTruncated()) {
                out.println("(more groups than shown: narrow --since or --by)");
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private String[] row(List<String> keys, CostGroup g) {
        List<String> cells = new ArrayList<>(keys);
        Usage u = g.getUsage();
        cells.addAll(List.of(Long.toString(g.getRuns()), Long.toString(g.getCalls()), Long.toString(u.getInputTokens()),
                Long.toString(u.getCachedInputTokens()), Long.toString(u.getCacheWriteTokens()),
                Long.toString(u.getOutputTokens()), csv ? csvCost(u) : cost(u), Long.toString(g.getUnpricedCalls()),
                Long.toString(g.getLatencyP50Ms()), Long.toString(g.getLatencyP95Ms()),
                Long.toString(g.getLatencyP99Ms())));
        return cells.toArray(String[]::new);
    }

    /** {@code flightdeck costs top}: the runs whose model calls cost the most. */
    @Command(name = "top", mixinStandardHelpOptions = true, description = "The runs whose model calls cost the most.")
    static final class Top implements Callable<Integer> {
        @Option(names = "--since", paramLabel = "AGE", defaultValue = "7d",
                description = "Calls that finished in this recent period (default: ${DEFAULT-VALUE}).")
        String since;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
                description = "At most this many runs, 1 to 500 (default: ${DEFAULT-VALUE}).")
        int limit;

        @Mixin
        DataDirOption dataDir;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (limit < 1 || limit > 500) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be 1 to 500, not " + limit);
            }
            Instant to = Instant.now();
            Instant from = to.minusSeconds(PruneCommand.seconds("--since", since));
            List<CostlyRun> runs = rpc(dataDir, stub -> stub.topRuns(TopRunsRequest.newBuilder().setFrom(ts(from))
                    .setTo(ts(to)).setLimit(limit).build())).getRunsList();
            PrintWriter out = spec.commandLine().getOut();
            if (runs.isEmpty()) {
                out.println("no model calls since " + from);
            } else {
                Table t = new Table("RUN", "TENANT", "BUNDLE", "STATUS", "CALLS", "TOKENS", "COST");
                for (CostlyRun r : runs) {
                    Usage u = r.getUsage();
                    t.row(r.getRunId(), r.getTenant(), r.getBundleName() + "@" + Formats.shortId(r.getBundleVersion()),
                            r.getStatus().name().replace("RUN_STATUS_", ""), Long.toString(r.getCalls()),
                            Long.toString(u.getInputTokens() + u.getCachedInputTokens() + u.getCacheWriteTokens()
                                    + u.getOutputTokens()), cost(u));
                }
                t.print(out);
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    static CostDimension dimension(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "tenant" -> CostDimension.COST_DIMENSION_TENANT;
            case "bundle" -> CostDimension.COST_DIMENSION_BUNDLE;
            case "version" -> CostDimension.COST_DIMENSION_BUNDLE_VERSION;
            case "provider" -> CostDimension.COST_DIMENSION_PROVIDER;
            case "model" -> CostDimension.COST_DIMENSION_MODEL;
            case "day" -> CostDimension.COST_DIMENSION_DAY;
            case "hour" -> CostDimension.COST_DIMENSION_HOUR;
            default -> throw new CliException("--by: unknown dimension \"" + name + "\"; expected tenant, bundle, "
                    + "version, provider, model, day or hour", ExitCodes.USAGE);
        };
    }

    /** Dollars of the priced calls; "unpriced" when none was priced, "+ unpriced" when some were not. */
    static String cost(Usage u) {
        String dollars = String.format(Locale.ROOT, "$%.4f", u.getCostMicros() / 1_000_000.0);
        if (u.getPriced()) {
            return dollars;
        }
        return u.getCostMicros() == 0 ? "unpriced" : dollars + " + unpriced";
    }

    private static String csvCost(Usage u) {
        return java.math.BigDecimal.valueOf(u.getCostMicros(), 6).toPlainString();
    }

    static String csvLine(String... cells) {
        List<String> quoted = new ArrayList<>();
        for (String c : cells) {
            quoted.add(c.contains(",") || c.contains("\"") || c.contains("\n") ? "\"" + c.replace("\"", "\"\"") + "\"" : c);
        }
        return String.join(",", quoted);
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    /**
     * Calls CostService on the daemon of the data directory with its token and a deadline. (The
     * shared DaemonClient has no cost calls yet; this uses the generated stub directly.)
     */
    static <T> T rpc(DataDirOption dataDir, Function<CostServiceGrpc.CostServiceBlockingStub, T> call) {
        DaemonEndpoint endpoint = dataDir.endpoint();
        ManagedChannel channel = NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port()).usePlaintext().build();
        try {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + endpoint.token());
            return call.apply(CostServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS));
        } catch (StatusRuntimeException e) {
            Status s = e.getStatus();
            if (s.getCode() == Status.Code.UNAVAILABLE) {
                throw new CliException("the daemon does not answer (" + s.getDescription()
                        + "); check it with \"flightdeck status\"", ExitCodes.NO_DAEMON);
            }
            throw new CliException(s.getCode() + ": " + s.getDescription());
        } finally {
            channel.shutdownNow();
        }
    }
}
