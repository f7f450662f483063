package io.skein.engine;

import java.util.List;

import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.EntryCheck;
import io.skein.protocol.EntryChecksum;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.skein.engine.TestAggregates.TYPE_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Journal entries of every schema version since checksums (2) stay readable: schema version 5 added the cluster log
 * position at the end of the entry's block, and an entry written before it (a shorter block, an older version in its
 * header) is checked, decoded and applied as before; an entry of a cluster's log carries its position.
 */
class EntryVersionTest
{
    private static final byte[] NO_NOTE = new byte[0];

    private final UnsafeBuffer command = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();

    private int add(final long id, final long amount)
    {
        writer.wrap(command, 0).correlationId(amount).aggregate(TYPE_ID, id);
        writer.body(new AddEncoder()).amount(amount).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0);
        return writer.length();
    }

    @Test
    void anEntryOfVersionFourWithoutTheLogPositionIsCheckedDecodedAndApplied()
    {
        final EngineCore writerCore = EngineCore.of(List.of(TestAggregates::tally), 16,
            new SystemEpochNanoClock(), Throwable::printStackTrace);
        writerCore.execute(command, 0, add(7, 40));
        final byte[] current = new byte[writerCore.entryLength()];
        writerCore.entryBuffer().getBytes(0, current);
        final byte[] old = versionFour(current);

        assertNull(new EntryCheck().problem(new UnsafeBuffer(old), 0, old.length));
        final JournalEvents events = new JournalEvents().wrap(new UnsafeBuffer(old), 0, old.length, 100);
        assertEquals(1, events.entrySequence());
        assertEquals(7, events.aggregateId());
        assertEquals(SkeinProtocol.NULL_POSITION, events.logPosition());
        assertTrue(events.next());
        assertEquals(1, events.sequence());

        final EngineCore readerCore = EngineCore.of(List.of(TestAggregates::tally), 16,
            new SystemEpochNanoClock(), Throwable::printStackTrace);
        readerCore.apply(new UnsafeBuffer(old), 0, old.length);
        assertEquals(writerCore.stateHash(), readerCore.stateHash());
        assertEquals(1, readerCore.version(TYPE_ID, 7));
    }

    @Test
    void aClusterEntryCarriesItsLogPositionAndOthersNone()
    {
        final EngineCore core = EngineCore.of(List.of(TestAggregates::tally), 16, new SystemEpochNanoClock(),
            Throwable::printStackTrace);
        core.execute(command, 0, add(1, 5));
        assertEquals(SkeinProtocol.NULL_POSITION,
            new JournalEvents().wrap(core.entryBuffer(), 0, core.entryLength(), 0).logPosition());

        final ClusterEngine cluster = ClusterEngine.of(List.of(TestAggregates::tally), 16, Throwable::printStackTrace);
        cluster.execute(command, 0, add(1, 5), 1_000, 4_096);
        final UnsafeBuffer entry = new UnsafeBuffer(cluster.entryBuffer(), 0, cluster.entryLength());
        assertNull(new EntryCheck().problem(entry, 0, cluster.entryLength()));
        assertEquals(4_096, new JournalEvents().wrap(entry, 0, cluster.entryLength(), 0).logPosition());
        assertEquals(core.stateHash(), cluster.stateHash());
    }

    /**
     * The same entry as version 4 wrote it: header version 4, the block 8 bytes shorter (no log position), sealed
     * with its checksum again.
     */
    private static byte[] versionFour(final byte[] current)
    {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(new UnsafeBuffer(current), 0);
        final int oldBlock = header.blockLength() - 8;
        final int cut = SkeinProtocol.HEADER_LENGTH + oldBlock;
        final byte[] old = new byte[current.length - 8];
        System.arraycopy(current, 0, old, 0, cut);
        System.arraycopy(current, cut + 8, old, cut, current.length - cut - 8);
        final UnsafeBuffer buffer = new UnsafeBuffer(old);
        new MessageHeaderEncoder().wrap(buffer, 0).blockLength(oldBlock).version(4);
        assertEquals(EntryChecksum.MIN_BLOCK_LENGTH, oldBlock);
        new EntryChecksum().seal(buffer, 0, old.length);
        return old;
    }
}
