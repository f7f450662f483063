package io.skein.cli;

import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code skein load}: a load generator against a running node, or a cluster's leader with {@code --cluster}, with a
 * progress bar and a latency report.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = "Drive a running node (or a cluster, with --cluster) with the sample domains' commands and report " +
    "throughput and latency percentiles (open loop at a fixed rate, corrected for coordinated omission; or at the " +
    "maximum rate). Against a cluster the report also counts the leader changes the clients followed and the " +
    "commands they resent with their idempotency keys.")
public final class LoadCommand implements Callable<Integer>
{
    @Mixin
    private ClientOptions client;

    @Mixin
    private ClusterClientOptions cluster;

    @Spec
    private CommandSpec spec;

    @Option(names = "--workload", defaultValue = "ORDERBOOK",
        description = "ORDERBOOK (a trading mix into order books) or BANK (deposits) (default: ${DEFAULT-VALUE}).")
    private OrderFlow.Workload workload;

    @Option(names = "--aggregates", defaultValue = "8",
        description = "Order books or accounts the commands spread over (default: ${DEFAULT-VALUE}).")
    private int aggregates;

    @Option(names = "--clients", defaultValue = "1", description = "Client sessions, one thread each " +
        "(default: ${DEFAULT-VALUE}).")
    private int clients;

    @Option(names = "--rate", defaultValue = "10000",
        description = "Target commands per second over all clients; 0 sends as fast as replies allow " +
        "(default: ${DEFAULT-VALUE}).")
    private long rate;

    @Option(names = "--duration", defaultValue = "10",
        description = "Seconds to run at the target rate (default: ${DEFAULT-VALUE}).")
    private long durationSeconds;

    @Option(names = "--count", description = "Commands to send; required with --rate 0, overrides --duration.")
    private Long count;

    @Option(names = "--window", defaultValue = "1024",
        description = "Most commands in flight per client (default: ${DEFAULT-VALUE}).")
    private int window;

    @Option(names = "--warmup", defaultValue = "20000",
        description = "Commands sent first at the maximum rate and not reported (default: ${DEFAULT-VALUE}).")
    private long warmup;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    private File json;

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call() throws Exception
    {
        if (clients < 1 || aggregates < 1 || window < 1 || rate < 0 || durationSeconds < 1 || warmup < 0)
        {
            throw new ParameterException(spec.commandLine(),
                "--clients, --aggregates, --window and --duration must be positive; --rate and --warmup not negative");
        }
        if (0 == rate && null == count)
        {
            throw new ParameterException(spec.commandLine(), "--rate 0 (as fast as possible) needs --count");
        }
        final long commands = null != count ? count : rate * durationSeconds;
        if (commands < clients)
        {
            throw new ParameterException(spec.commandLine(), "fewer commands than clients: " + commands);
        }
        final PrintStream out = System.out;
        try (ClientOptions.Connection connection = client.new Connection(cluster))
        {
            if (warmup > 0)
            {
                out.printf("Warming up with %,d commands...%n", warmup);
                new LoadRun(connection, clients, 0, Math.max(warmup, clients), window, workload, aggregates,
                    seed + 1).run(null, "cmd");
            }
            out.printf("Sending %,d %s commands from %d client%s %s%n", commands, workload.name().toLowerCase(),
                clients, clients == 1 ? "" : "s", rate > 0 ? "at " + String.format("%,d", rate) + " commands/s" :
                "as fast as replies allow (window " + window + " per client)");
            final LoadRun.Result result = new LoadRun(connection, clients, rate, commands, window, workload,
                aggregates, seed).run(out, "cmd");
            LoadReport.print(out, result);
            if (null != json)
            {
                Files.write(json.toPath(), (LoadReport.json(result, workload.name(), clients, rate, commands) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
                out.println("Results written to " + json);
            }
            return 0;
        }
    }
}
