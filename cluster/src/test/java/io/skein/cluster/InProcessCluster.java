package io.skein.cluster;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.skein.examples.bank.BankAccount;
import io.skein.examples.orderbook.OrderBook;
import io.skein.testsupport.Await;
import org.agrona.CloseHelper;

/**
 * Three (or more) cluster members in this JVM, each in its own directory, with test settings: for tests of the
 * service's behaviour; the crash tests run members in processes of their own.
 */
final class InProcessCluster implements AutoCloseable
{
    final File baseDir;
    final ClusterMembers members;
    final SkeinClusterMember[] nodes;
    /**
     * Probes answered, by log position, then by member: the state hash each reported.
     */
    final Map<Long, Map<Integer, Long>> probes = new ConcurrentHashMap<>();
    private final long snapshotEveryEntries;

    InProcessCluster(final File baseDir, final int basePort, final int size, final long snapshotEveryEntries)
    {
        this.baseDir = baseDir;
        this.members = ClusterMembers.local("localhost", basePort, size);
        this.nodes = new SkeinClusterMember[size];
        this.snapshotEveryEntries = snapshotEveryEntries;
    }

    InProcessCluster startAll()
    {
        for (int i = 0; i < nodes.length; i++)
        {
            start(i);
        }
        return this;
    }

    SkeinClusterMember start(final int memberId)
    {
        nodes[memberId] = SkeinClusterMember.launch(new SkeinClusterMember.Context()
            .forTests()
            .memberId(memberId)
            .members(members)
            .baseDir(memberDir(memberId))
            .aggregates(List.of(BankAccount::new, OrderBook::new))
            .snapshotEveryEntries(snapshotEveryEntries)
            .probe((id, position, entrySequence, hash) ->
                probes.computeIfAbsent(position, (p) -> new ConcurrentHashMap<>()).put(id, hash)));
        return nodes[memberId];
    }

    File memberDir(final int memberId)
    {
        return new File(baseDir, "member-" + memberId);
    }

    void stop(final int memberId)
    {
        CloseHelper.close(nodes[memberId]);
        nodes[memberId] = null;
    }

    SkeinClusterMember awaitLeader()
    {
        final SkeinClusterMember[] leader = new SkeinClusterMember[1];
        Await.until(() ->
        {
            for (final SkeinClusterMember node : nodes)
            {
                if (null != node && node.isLeader())
                {
                    leader[0] = node;
                    return true;
                }
            }
            return false;
        }, TimeUnit.SECONDS.toNanos(30), "a leader is elected");
        return leader[0];
    }

    SkeinClusterClient client()
    {
        return SkeinClusterClient.connect(new SkeinClusterClient.Context().members(members).termLength(256 * 1024));
    }

    List<Throwable> errors()
    {
        final List<Throwable> errors = new ArrayList<>();
        for (final SkeinClusterMember node : nodes)
        {
            if (null != node)
            {
                errors.addAll(node.errors());
            }
        }
        return errors;
    }

    @Override
    public void close()
    {
        for (int i = 0; i < nodes.length; i++)
        {
            stop(i);
        }
    }
}
