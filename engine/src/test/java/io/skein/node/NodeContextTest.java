package io.skein.node;

import java.io.File;
import java.util.Properties;

import io.skein.protocol.SkeinException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeContextTest
{
    private static SkeinNode.Context context(final String... keysAndValues)
    {
        final Properties properties = new Properties();
        properties.setProperty("skein.dir", new File("unused").getAbsolutePath());
        for (int i = 0; i < keysAndValues.length; i += 2)
        {
            properties.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return new SkeinNode.Context().properties(properties);
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
