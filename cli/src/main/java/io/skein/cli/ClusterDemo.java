package io.skein.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import io.skein.cluster.ClusterMembers;
import io.skein.codecs.AdminAction;
import io.skein.codecs.Outcome;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.BalanceDecoder;
import io.skein.examples.bank.codecs.GetBalanceEncoder;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code skein demo --cluster}: a failover in one run. Starts three cluster members, each in its own process, waits
 * for a leader, loads the cluster with bank deposits that carry idempotency keys, kills the leader with SIGKILL
 * mid-load, times the election of the next one, lets the load finish through it, and checks that the state after the
 * failover is what was acknowledged: the balances read back add up to the deposits answered ACCEPTED or DUPLICATE
 * (a deposit resent after the failover that the cluster had already applied), and the two surviving members agree
 * on the state hash.
 */
final class ClusterDemo
{
    private static final int MEMBERS = 3;
    private static final long LEADER_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    private static final long ELECTION_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(20);
    private static final long REQUEST_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long LOAD_END_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(90);

    private final PrintStream out;
    private final File dir;
    private final int basePort;
    private final int accounts;
    private final long rate;
    private final long count;
    private final long seed;
    private final MemberWatch watch = new MemberWatch();
    private final List<String> failures = new ArrayList<>();
    private final MemberProcess[] members = new MemberProcess[MEMBERS];

    /**
     * A demo run.
     *
     * @param out      for progress and the report.
     * @param dir      for the members' directories (kept), or null for a temporary one (deleted afterwards).
     * @param basePort of member 0; the others are 100 and 200 above it.
     * @param accounts the deposits spread over.
     * @param rate     deposits per second.
     * @param count    deposits.
     * @param seed     for the amounts.
     */
    ClusterDemo(
        final PrintStream out,
        final File dir,
        final int basePort,
        final int accounts,
        final long rate,
        final long count,
        final long seed)
    {
        this.out = out;
        this.dir = dir;
        this.basePort = basePort;
        this.accounts = accounts;
        this.rate = rate;
        this.count = count;
        this.seed = seed;
    }

    /**
     * Run the demo; the member processes and a temporary directory are gone when it returns or throws.
     *
     * @return 0 if every check passed, 2 if one failed.
     * @throws Exception if the demo could not run.
     */
    int run() throws Exception
    {
        final ClusterMembers spec = ClusterMembers.local("localhost", basePort, MEMBERS);
        checkPortsFree(spec);
        final boolean temporary = null == dir;
        final File base = temporary ? Files.createTempDirectory("skein-cluster-demo-").toFile() : dir;
        final Thread killOnExit = new Thread(this::killAll, "skein-cluster-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        try
        {
            out.println("Skein cluster demo: three members of one cluster, each in its own process, with the bank " +
                "domain; a client in this process sends deposits with idempotency keys to the leader, the leader " +
                "is killed with SIGKILL mid-load, and the state after the failover is checked against what was " +
                "acknowledged.");
            out.printf("Members %s (each takes its base port + 1 to + 5 on localhost), directories in %s%n%n", spec,
                base);
            final long startNs = System.nanoTime();
            for (int i = 0; i < MEMBERS; i++)
            {
                members[i] = MemberProcess.start(i, spec, new File(base, "member-" + i), watch, out);
            }
            final MemberWatch.LeaderLine first = watch.awaitLeader(-1, startNs, LEADER_TIMEOUT_NS);
            if (null == first)
            {
                throw new IllegalStateException("no member became leader within " +
                    TimeUnit.NANOSECONDS.toSeconds(LEADER_TIMEOUT_NS) + " s of the start");
            }
            out.printf("Member %d leads, %,d ms after the members were started.%n", first.memberId,
                TimeUnit.NANOSECONDS.toMillis(first.atNs - startNs));
            checkAllAlive();
            failover(spec);
            out.printf("%nStopping the members (SIGTERM)...%n");
            stopAll();
        }
        catch (final Exception ex)
        {
            failures.add("the demo stopped: " + (null == ex.getMessage() ? ex.toString() : ex.getMessage()));
        }
        finally
        {
            killAll();
            try
            {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            }
            catch (final IllegalStateException ignore)
            {
                // The JVM is shutting down: the hook runs anyway.
            }
            if (temporary)
            {
                delete(base.toPath());
            }
        }
        if (failures.isEmpty())
        {
            out.println("PASS: the cluster elected a new leader after the leader was killed, answered every " +
                "deposit, and kept exactly the acknowledged ones");
            return 0;
        }
        out.println("FAIL: " + String.join("; ", failures));
        return 2;
    }

    private void failover(final ClusterMembers spec) throws Exception
    {
        final ClientOptions options = new ClientOptions();
        options.connectTimeoutSeconds = 30;
        try (ClientOptions.Connection connection = options.new Connection(spec, "localhost"))
        {
            final long before;
            try (CommandSession session = connection.session(null))
            {
                openAccounts(session);
                before = balances(session);
            }
            out.printf("%d accounts open, their balances add up to %,d.%n", accounts, before);
            out.printf("%nDepositing: %,d deposits of 1 to 100 into %d accounts at %,d a second, each with an " +
                "idempotency key; the leader is killed after a third of them are answered.%n", count, accounts, rate);

            final LoadRun load = new LoadRun(connection, 1, rate, count, 1024, OrderFlow.Workload.BANK, accounts,
                seed);
            final CompletableFuture<LoadRun.Result> running = start(load);
            final long loadStartNs = System.nanoTime();
            long nextProgressNs = loadStartNs + TimeUnit.SECONDS.toNanos(1);
            boolean killed = false;
            while (!running.isDone())
            {
                final long nowNs = System.nanoTime();
                if (!killed && load.replies() >= count / 3)
                {
                    killed = true;
                    progress(load, nowNs - loadStartNs);
                    killLeader();
                    nextProgressNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                }
                if (nowNs - nextProgressNs >= 0)
                {
                    progress(load, nowNs - loadStartNs);
                    nextProgressNs += TimeUnit.SECONDS.toNanos(1);
                }
                if (nowNs - loadStartNs > LOAD_END_TIMEOUT_NS)
                {
                    throw new IllegalStateException("the load did not finish within " +
                        TimeUnit.NANOSECONDS.toSeconds(LOAD_END_TIMEOUT_NS) + " s");
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
            final LoadRun.Result result = loadResult(running);
            progress(load, System.nanoTime() - loadStartNs);
            if (!killed)
            {
                failures.add("the load ended before the leader was killed");
            }
            out.println();
            LoadReport.print(out, result);
            check(connection, result, before);
        }
    }

    private void killLeader() throws InterruptedException
    {
        final MemberWatch.LeaderLine leader = watch.latestLeader();
        final MemberProcess victim = members[leader.memberId];
        out.printf("%nKilling the leader, member %d, with SIGKILL (no shutdown, no snapshot)...%n", leader.memberId);
        final long killNs = System.nanoTime();
        victim.kill();
        final MemberWatch.LeaderLine next = watch.awaitLeader(leader.memberId, killNs, ELECTION_TIMEOUT_NS);
        if (null == next)
        {
            failures.add("no new leader within " + TimeUnit.NANOSECONDS.toSeconds(ELECTION_TIMEOUT_NS) +
                " s of the kill");
            out.println("No new leader was elected in time.");
            return;
        }
        final MemberWatch.LeaderLine ready = watch.awaitElectionClosed(next.memberId, next.atNs, ELECTION_TIMEOUT_NS);
        out.printf("New leader: member %d, elected %,d ms after the kill%s (the followers first wait out the leader " +
            "heartbeat timeout, 1 s with --for-tests); the load goes on through it.%n%n", next.memberId,
            TimeUnit.NANOSECONDS.toMillis(next.atNs - killNs), null == ready ? "" : String.format(
            ", its election closed after %,d ms", TimeUnit.NANOSECONDS.toMillis(ready.atNs - killNs)));
    }

    private void check(final ClientOptions.Connection connection, final LoadRun.Result result, final long before)
        throws InterruptedException
    {
        final long after;
        final long hash;
        try (CommandSession session = connection.session(null))
        {
            after = balances(session);
            hash = session.admin(AdminAction.STATE_HASH, REQUEST_TIMEOUT_NS);
        }
        final long answered = result.replies;
        final long unknown = result.outcomes[Outcome.UNKNOWN.ordinal()] + result.outcomes[Outcome.ERROR.ordinal()];
        final long refused = result.outcomes[Outcome.REJECTED.ordinal()] +
            result.outcomes[Outcome.CONFLICT.ordinal()];
        out.printf("%nChecks after the failover:%n");
        check(answered == count && 0 == unknown, String.format("every deposit answered: %,d of %,d, %,d without " +
            "a known outcome", answered, count, unknown));
        check(0 == refused, String.format("no deposit rejected: %,d rejected or in conflict", refused));
        final long applied = after - before;
        check(applied == result.acknowledgedAmount, String.format("balances read back with GetBalance went up " +
            "by %,d; the %,d deposits answered ACCEPTED (%,d) or DUPLICATE (%,d, resent after the failover and " +
            "already applied) add up to %,d", applied, result.acknowledged(),
            result.outcomes[Outcome.ACCEPTED.ordinal()], result.outcomes[Outcome.DUPLICATE.ordinal()],
            result.acknowledgedAmount));
        final List<Integer> survivors = new ArrayList<>();
        for (final MemberProcess member : members)
        {
            if (member.isAlive())
            {
                survivors.add(member.memberId);
            }
        }
        final MemberWatch.Probe probe = watch.awaitProbe(survivors, REQUEST_TIMEOUT_NS);
        if (null == probe)
        {
            check(false, "the surviving members " + survivors + " answered the state probe");
        }
        else
        {
            final StringBuilder hashes = new StringBuilder();
            boolean same = true;
            for (final int memberId : survivors)
            {
                final long memberHash = probe.hashes.get(memberId);
                same &= memberHash == hash;
                hashes.append(hashes.length() > 0 ? ", " : "").append("member ").append(memberId).append(' ')
                    .append(String.format("%016x", memberHash));
            }
            check(same, String.format("the surviving members have the same state at log position %,d: %s",
                probe.position, hashes));
        }
    }

    private void check(final boolean passed, final String what)
    {
        out.println((passed ? "  ok      " : "  FAILED  ") + what);
        if (!passed)
        {
            failures.add(what);
        }
    }

    private void progress(final LoadRun load, final long elapsedNs)
    {
        out.printf("  %5.1f s  %,d of %,d deposits answered%n", elapsedNs / 1e9, Math.min(load.replies(), count),
            count);
    }

    private static CompletableFuture<LoadRun.Result> start(final LoadRun load)
    {
        final CompletableFuture<LoadRun.Result> running = new CompletableFuture<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                running.complete(load.run(null, "deposit"));
            }
            catch (final Throwable ex)
            {
                running.completeExceptionally(ex);
            }
        }, "skein-cluster-demo-load");
        thread.setDaemon(true);
        thread.start();
        return running;
    }

    private static LoadRun.Result loadResult(final CompletableFuture<LoadRun.Result> running) throws Exception
    {
        try
        {
            return running.get(1, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            throw new IllegalStateException("the load failed: " + ex.getCause().getMessage(), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("the load did not finish", ex);
        }
    }

    private void openAccounts(final CommandSession session)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        final OpenAccountEncoder open = new OpenAccountEncoder();
        for (int account = 1; account <= accounts; account++)
        {
            writer.wrap(buffer, 0).correlationId(account).aggregate(BankAccount.TYPE_ID, account)
                .expectedVersion(SkeinProtocol.NEW_AGGREGATE).idempotencyKey(seed, -account);
            writer.body(open).ownerId(account).initialDeposit(0);
            final CommandResult opened = session.send(buffer, 0, writer.length(), REQUEST_TIMEOUT_NS);
            if (opened.outcome() != Outcome.ACCEPTED && opened.outcome() != Outcome.CONFLICT &&
                opened.outcome() != Outcome.DUPLICATE)
            {
                throw new IllegalStateException("could not open account " + account + ": " + opened);
            }
        }
    }

    private long balances(final CommandSession session)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        final GetBalanceEncoder query = new GetBalanceEncoder();
        final BalanceDecoder balance = new BalanceDecoder();
        long sum = 0;
        for (int account = 1; account <= accounts; account++)
        {
            writer.wrap(buffer, 0).correlationId(account).aggregate(BankAccount.TYPE_ID, account);
            writer.body(query).unused(0);
            final CommandResult result = session.send(buffer, 0, writer.length(), REQUEST_TIMEOUT_NS);
            if (result.outcome() != Outcome.ACCEPTED || result.payloadLength() < SkeinProtocol.HEADER_LENGTH)
            {
                throw new IllegalStateException("no balance for account " + account + ": " + result);
            }
            sum += result.reply(balance).balance();
        }
        return sum;
    }

    private void checkAllAlive()
    {
        for (final MemberProcess member : members)
        {
            if (!member.isAlive())
            {
                throw new IllegalStateException("member " + member.memberId + " exited (code " +
                    member.exitValue() + ") before the load");
            }
        }
    }

    private static void checkPortsFree(final ClusterMembers spec)
    {
        for (int i = 0; i < spec.size(); i++)
        {
            for (int port = spec.basePort(i) + 1; port <= spec.basePort(i) + ClusterMembers.PORTS_PER_MEMBER; port++)
            {
                try (DatagramSocket ignore = new DatagramSocket(new InetSocketAddress(spec.host(i), port)))
                {
                    // Free.
                }
                catch (final SocketException ex)
                {
                    throw new IllegalArgumentException("UDP port " + port + " on " + spec.host(i) + " is in use " +
                        "(member " + i + " needs " + (spec.basePort(i) + 1) + " to " +
                        (spec.basePort(i) + ClusterMembers.PORTS_PER_MEMBER) + "): pick others with --base-port");
                }
            }
        }
    }

    private void stopAll() throws InterruptedException
    {
        for (final MemberProcess member : members)
        {
            if (null != member)
            {
                member.terminate();
            }
        }
        for (final MemberProcess member : members)
        {
            if (null != member)
            {
                member.awaitExit(TimeUnit.SECONDS.toNanos(15));
            }
        }
    }

    private void killAll()
    {
        for (final MemberProcess member : members)
        {
            if (null != member)
            {
                member.destroyForcibly();
            }
        }
        for (final MemberProcess member : members)
        {
            if (null != member)
            {
                try
                {
                    member.awaitExit(TimeUnit.SECONDS.toNanos(10));
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void delete(final Path path)
    {
        try (Stream<Path> paths = Files.walk(path))
        {
            paths.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
