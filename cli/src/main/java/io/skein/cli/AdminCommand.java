package io.skein.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.skein.client.AdminResult;
import io.skein.client.SkeinClient;
import io.skein.codecs.AdminAction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skein admin}: operator requests to a running node.
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = {
        "Ask a running node to take a snapshot now, for its state hash or aggregate count, or (a follower) to " +
            "become the leader of a new epoch or to follow another leader.",
        "Admin actions need the node's operator secret (skein node --operator-secret-file): give it with " +
            "--secret-file, --secret or the SKEIN_OPERATOR_SECRET environment variable."})
public final class AdminCommand implements Callable<Integer>
{
    /**
     * What to ask the node.
     */
    enum Request
    {
        /**
         * Take a snapshot now.
         */
        snapshot,

        /**
         * Hash of all aggregate state.
         */
        hash,

        /**
         * Number of aggregates.
         */
        count,

        /**
         * Promote a follower to leader.
         */
        promote,

        /**
         * State as of a journal position, from the node's own journal (time travel; a follower answers too).
         */
        state,

        /**
         * Re-point a running follower at another leader.
         */
        follow
    }

    @Mixin
    private ClientOptions client;

    @Parameters(index = "0", description = "snapshot, hash, count, promote, state or follow.")
    private Request request;

    @Option(names = "--as-of-position", description = "For state: the journal position (default: the end).")
    private Long position;

    @Option(names = "--aggregate", description = "For state: one aggregate, TYPE:ID (default: the whole engine).")
    private String aggregate;

    @Option(names = "--leader-archive", description = "For follow: the new leader archive's control channel " +
        "(its skein.archive.control.channel).")
    private String leaderArchive;

    @Option(names = "--leader-status", description = "For follow: the new leader's channel for follower reports " +
        "(its skein.replication.own.status.channel); default: keep reporting where the follower reports now.")
    private String leaderStatus;

    @Option(names = "--timeout", defaultValue = "60", description = "Seconds to wait for the answer " +
        "(default: ${DEFAULT-VALUE}).")
    private long timeoutSeconds;

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call() throws Exception
    {
        if (request == Request.follow && null == leaderArchive)
        {
            throw new IllegalArgumentException("follow needs --leader-archive, the new leader archive's control " +
                "channel");
        }
        if (request != Request.follow && (null != leaderArchive || null != leaderStatus))
        {
            throw new IllegalArgumentException("--leader-archive and --leader-status are for follow only");
        }
        if (null != position && position < 0)
        {
            throw new IllegalArgumentException("--as-of-position must not be negative: " + position);
        }
        client.secretVariable = "SKEIN_OPERATOR_SECRET";
        try (ClientOptions.Connection connection = client.new Connection();
            SkeinClient session = connection.connect())
        {
            final long timeoutNs = TimeUnit.SECONDS.toNanos(timeoutSeconds);
            switch (request)
            {
                case snapshot -> System.out.printf("snapshot taken at journal position %,d%n",
                    session.admin(AdminAction.TAKE_SNAPSHOT, timeoutNs));
                case hash -> System.out.printf("state hash %016x%n", session.admin(AdminAction.STATE_HASH, timeoutNs));
                case promote -> System.out.printf("promoted: this node now leads epoch %d%n",
                    session.admin(AdminAction.PROMOTE, timeoutNs));
                case follow -> System.out.println(session.follow(leaderArchive, leaderStatus, timeoutNs).message());
                case state ->
                {
                    final Domains domains = Domains.load();
                    final long[] address = null == aggregate ? new long[] {0, 0} : domains.parseAddress(aggregate);
                    final AdminResult result = session.stateAsOf(null == position ? -1 : position, (int)address[0],
                        address[1], timeoutNs);
                    System.out.println(null == aggregate ? String.format("state hash %016x %s", result.value(),
                        result.message()) : String.format("%s:%d version %d %s", domains.typeName((int)address[0]),
                        address[1], result.value(), result.message()));
                }
                default -> System.out.printf("%,d aggregates%n", session.admin(AdminAction.AGGREGATE_COUNT,
                    timeoutNs));
            }
            return 0;
        }
    }
}
