package io.skein.node;

import java.io.File;
import java.nio.file.Files;
import java.util.Properties;

import io.skein.engine.Durability;
import io.skein.examples.bank.BankAccount;
import io.skein.protocol.SkeinException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeContextTest
{
    private static SkeinNode.Context context(final String... keysAndValues)
    {
        final Properties properties = new Properties();
        properties.setProperty("skein.dir", new File("unused").getAbsolutePath());
        properties.setProperty("skein.ingress.channel", "aeron:udp?endpoint=localhost:20121");
        for (int i = 0; i < keysAndValues.length; i += 2)
        {
            properties.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        final SkeinNode.Context ctx = new SkeinNode.Context().properties(properties);
        ctx.engineContext().aggregate(BankAccount::new);
        return ctx;
    }

    @Test
    void shouldRefuseNegativeSnapshotPolicyValuesWhenConcluding()
    {
        for (final String key : new String[] {
            "skein.snapshot.every.entries", "skein.snapshot.interval.ms", "skein.snapshot.retention"})
        {
            final SkeinException ex = assertThrows(SkeinException.class, () -> context(key, "-5").conclude(), key);
            assertTrue(ex.getMessage().contains(key) && ex.getMessage().contains("-5"), ex.getMessage());
        }
        final SkeinException ring = assertThrows(SkeinException.class,
            () -> context("skein.ring.size", "1000").conclude());
        assertTrue(ring.getMessage().contains("ringSize must be a power of two"), ring.getMessage());
    }

    @Test
    void shouldRefuseAChannelThatIsNotAnAeronUriBeforeCheckingWhereItIsReachable()
    {
        final SkeinException ex = assertThrows(SkeinException.class,
            () -> context("skein.ingress.channel", "localhost:20121").conclude());
        assertTrue(ex.getMessage().contains("skein.ingress.channel is not a valid Aeron channel"), ex.getMessage());
        final SkeinException leader = assertThrows(SkeinException.class,
            () -> context("skein.leader.archive.control.channel", "udp://host:1").conclude());
        assertTrue(leader.getMessage().contains("skein.leader.archive.control.channel"), leader.getMessage());
    }

    @Test
    void shouldSettleTheRolesDurabilityWhenConcludingAndRefuseAConflictingOne()
    {
        final SkeinNode.Context leader = context("skein.replication.followers", "1",
            "skein.replication.status.channel", "aeron:udp?endpoint=localhost:20130").conclude();
        assertEquals(Durability.REPLICATED, leader.engineContext().durability());
        final SkeinNode.Context follower = context("skein.leader.archive.control.channel",
            "aeron:udp?endpoint=localhost:20131", "skein.replication.status.channel",
            "aeron:udp?endpoint=localhost:20130").conclude();
        assertTrue(follower.engineContext().follower() && follower.journalContext().readOnly());
        final SkeinNode.Context conflicting = context("skein.replication.followers", "1",
            "skein.replication.status.channel", "aeron:udp?endpoint=localhost:20130");
        conflicting.engineContext().durability(Durability.NONE);
        final SkeinException ex = assertThrows(SkeinException.class, conflicting::conclude);
        assertTrue(ex.getMessage().contains("durability is set to NONE"), ex.getMessage());
    }

    @Test
    void shouldRefuseReplicatedAcknowledgementsWithNoChannelForFollowerReports()
    {
        final SkeinException ex = assertThrows(SkeinException.class,
            () -> context("skein.replication.followers", "2").conclude());
        assertTrue(ex.getMessage().contains("needs skein.replication.status.channel"), ex.getMessage());
    }

    @Test
    void shouldRefuseAFollowerThatWouldLoseItsReplicatedAcknowledgementsOncePromoted()
    {
        final SkeinException ex = assertThrows(SkeinException.class, () -> context(
            "skein.leader.archive.control.channel", "aeron:udp?endpoint=localhost:8010",
            "skein.replication.followers", "1").conclude());
        assertTrue(ex.getMessage().contains("needs skein.replication.own.status.channel"), ex.getMessage());
    }

    @Test
    void shouldKeepAFollowersIdInItsDirectoryAcrossStarts(@TempDir final File dir) throws Exception
    {
        final String leader = "aeron:udp?endpoint=localhost:8010";
        final SkeinNode.Context first = context("skein.dir", dir.getAbsolutePath(),
            "skein.leader.archive.control.channel", leader).conclude();
        assertTrue(first.followerId() > 0);
        first.persistFollowerId();
        assertEquals(first.followerId() + System.lineSeparator(),
            Files.readString(new File(dir, SkeinNode.Context.FOLLOWER_ID_FILE).toPath()));

        final SkeinNode.Context restarted = context("skein.dir", dir.getAbsolutePath(),
            "skein.leader.archive.control.channel", leader).conclude();
        assertEquals(first.followerId(), restarted.followerId(), "a restart without an explicit id keeps it");

        final SkeinNode.Context explicit = context("skein.dir", dir.getAbsolutePath(),
            "skein.leader.archive.control.channel", leader, "skein.follower.id", "7").conclude();
        assertEquals(7, explicit.followerId(), "an explicit id wins");

        Files.writeString(new File(dir, SkeinNode.Context.FOLLOWER_ID_FILE).toPath(), "garbage");
        assertTrue(assertThrows(SkeinException.class, () -> context("skein.dir", dir.getAbsolutePath(),
            "skein.leader.archive.control.channel", leader).conclude()).getMessage()
            .contains("does not hold a follower id"));
    }

    @Test
    void shouldRefuseImpossibleFollowerCountsAndTimeouts()
    {
        assertTrue(assertThrows(SkeinException.class, () -> context("skein.replication.followers", "-1")
            .conclude()).getMessage().contains("between 0 and 16"));
        assertTrue(assertThrows(SkeinException.class, () -> context(
            "skein.replication.status.channel", "aeron:udp?endpoint=localhost:8020",
            "skein.follower.timeout.ms", "5000", "skein.follower.retention.ms", "10").conclude())
            .getMessage().contains("skein.follower.retention.ms at least as long"));
    }
}
