package io.skein.cli;

import java.io.File;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.skein.projection.ProjectionRunner;
import org.agrona.concurrent.status.CountersReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skein projection status}: the projections running against a node, from their counters on its media driver.
 */
@Command(name = "projection", mixinStandardHelpOptions = true,
    description = "status: the projections running on a node's media driver (in the node's process or another " +
        "one sharing its driver): state, checkpoint position, lag in entries and milliseconds, errors, skipped " +
        "events, read from their counters (the same ones AeronStat shows).")
public final class ProjectionCommand implements Callable<Integer>
{
    private static final String PREFIX = "skein projection ";

    @Parameters(index = "0", description = "status.")
    private String action;

    @Option(names = "--dir", description = "The running node's directory (its driver is in <dir>/aeron).")
    private File dir;

    @Option(names = "--aeron-dir", description = "The media driver's directory, instead of --dir.")
    private String aeronDir;

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call()
    {
        if (!"status".equals(action))
        {
            throw new IllegalArgumentException("the projection command is: status");
        }
        if ((null == dir) == (null == aeronDir))
        {
            throw new IllegalArgumentException("give the node's --dir or its --aeron-dir");
        }
        final String driverDir = null != aeronDir ? aeronDir : new File(dir, "aeron").getAbsolutePath();
        if (!new File(driverDir, "cnc.dat").exists() ||
            !CommonContext.isDriverActive(new File(driverDir), 2_000, ProjectionCommand::quiet))
        {
            throw new IllegalArgumentException("no running media driver in " + driverDir + " (is the node running?)");
        }
        final Map<String, long[]> projections = new TreeMap<>();
        final String[] fields = { "state", "position", "lag entries", "lag ms", "errors", "skipped" };
        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driverDir)))
        {
            final CountersReader counters = aeron.countersReader();
            counters.forEach((counterId, typeId, keyBuffer, label) ->
            {
                if (typeId != ProjectionRunner.PROJECTION_COUNTER_TYPE_ID || !label.startsWith(PREFIX))
                {
                    return;
                }
                final int colon = label.indexOf(": ");
                if (colon < 0)
                {
                    return;
                }
                final String field = label.substring(PREFIX.length(), colon);
                final String name = label.substring(colon + 2);
                for (int i = 0; i < fields.length; i++)
                {
                    if (fields[i].equals(field))
                    {
                        projections.computeIfAbsent(name, (key) -> new long[fields.length])[i] =
                            counters.getCounterValue(counterId);
                    }
                }
            });
        }
        if (projections.isEmpty())
        {
            System.out.println("no projections are running on " + driverDir);
            return 0;
        }
        System.out.printf("%-24s %-9s %16s %12s %10s %8s %8s%n", "projection", "state", "position", "lag entries",
            "lag ms", "errors", "skipped");
        final ProjectionRunner.State[] states = ProjectionRunner.State.values();
        for (final Map.Entry<String, long[]> entry : projections.entrySet())
        {
            final long[] v = entry.getValue();
            final String state = v[0] >= 0 && v[0] < states.length ? states[(int)v[0]].name() : "?" + v[0];
            System.out.printf("%-24s %-9s %,16d %,12d %,10d %,8d %,8d%n", entry.getKey(), state, v[1], v[2], v[3],
                v[4], v[5]);
        }
        return 0;
    }

    private static void quiet(final String message)
    {
        // The driver check's log lines are not for the user.
    }
}
