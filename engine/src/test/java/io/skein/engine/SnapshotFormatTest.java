package io.skein.engine;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.StateCodec;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.codecs.SnapshotAggregateEncoder;
import io.skein.codecs.SnapshotAggregatesDecoder;
import io.skein.codecs.SnapshotEndDecoder;
import io.skein.codecs.SnapshotEndEncoder;
import io.skein.codecs.SnapshotKeyDecoder;
import io.skein.codecs.SnapshotTypeDecoder;
import io.skein.codecs.SnapshotTypeEncoder;
import io.skein.engine.TestAggregates.TallyState;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.skein.engine.TestAggregates.TYPE_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The snapshot's messages: aggregates batched as many to a message as fit in one Aeron frame (schema version 6), a
 * snapshot written before that (one message per aggregate, version 5 headers) still loads to the same state, and no
 * flipped byte anywhere in a snapshot loads.
 */
class SnapshotFormatTest
{
    private static final int AGGREGATES = 1_000;
    private static final long POSITION = 65_536;
    private static final byte[] NO_NOTE = new byte[0];

    private final UnsafeBuffer command = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();
    private final AddEncoder add = new AddEncoder();
    private ClusterEngine source;
    private List<byte[]> messages;

    @BeforeEach
    void writeSnapshot()
    {
        source = newEngine();
        for (int i = 0; i < AGGREGATES * 2; i++)
        {
            writer.wrap(command, 0).correlationId(i).aggregate(TYPE_ID, 1 + (i * 7919L) % AGGREGATES);
            if (i % 8 == 0)
            {
                writer.idempotencyKey(3, i + 1);
            }
            writer.body(add).amount(i).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0);
            source.execute(command, 0, writer.length(), 1_000L + i, 64L * (i + 1));
        }
        assertEquals(AGGREGATES, source.aggregateCount());
        messages = new ArrayList<>();
        source.writeSnapshot(POSITION, (buffer, offset, length) ->
        {
            final byte[] message = new byte[length];
            buffer.getBytes(offset, message);
            messages.add(message);
        });
    }

    @Test
    void aggregatesAreBatchedToOneFrameEachAndLoadBack()
    {
        int batches = 0;
        int batched = 0;
        for (final byte[] message : messages)
        {
            if (templateOf(message) == SnapshotAggregatesDecoder.TEMPLATE_ID)
            {
                batches++;
                assertTrue(message.length <= SnapshotTaker.MAX_BATCH_LENGTH, "a batch of " + message.length);
                final SnapshotAggregatesDecoder decoder = new SnapshotAggregatesDecoder()
                    .wrapAndApplyHeader(new UnsafeBuffer(message), 0, new MessageHeaderDecoder());
                batched += decoder.aggregates().count();
            }
        }
        assertEquals(AGGREGATES, batched);
        assertTrue(batches <= AGGREGATES / 30, batches + " batches for " + AGGREGATES + " aggregates");

        final ClusterEngine loaded = load(messages);
        assertEquals(source.stateHash(), loaded.stateHash());
        assertEquals(AGGREGATES, loaded.aggregateCount());
        assertEquals(source.lastEntrySequence(), loaded.lastEntrySequence());
    }

    @Test
    void aSnapshotOfSchemaVersionFiveWithOneMessagePerAggregateLoadsToTheSameState()
    {
        final List<byte[]> old = versionFive(messages);
        assertEquals(messages.size() - countOf(messages, SnapshotAggregatesDecoder.TEMPLATE_ID) + AGGREGATES,
            old.size());
        final ClusterEngine loaded = load(old);
        assertEquals(source.stateHash(), loaded.stateHash());
        assertEquals(AGGREGATES, loaded.aggregateCount());
    }

    @Test
    void noFlippedByteInAnyMessageLoads()
    {
        int flips = 0;
        for (int m = 0; m < messages.size(); m++)
        {
            // Every byte of the markers, the type and the first and last batches; every 7th byte of the batches
            // between and of the keys.
            final int template = templateOf(messages.get(m));
            final boolean every = m < 4 || m >= messages.size() - 2 ||
                template != SnapshotAggregatesDecoder.TEMPLATE_ID && template != SnapshotKeyDecoder.TEMPLATE_ID ||
                template == SnapshotAggregatesDecoder.TEMPLATE_ID &&
                templateOf(messages.get(m + 1)) != SnapshotAggregatesDecoder.TEMPLATE_ID;
            for (int i = 0; i < messages.get(m).length; i += every ? 1 : 7)
            {
                final List<byte[]> corrupt = new ArrayList<>(messages);
                final byte[] flipped = messages.get(m).clone();
                flipped[i] ^= 0x10;
                corrupt.set(m, flipped);
                final ClusterEngine target = newEngine();
                final int message = m;
                final int at = i;
                assertThrows(RuntimeException.class, () -> loadInto(target, corrupt),
                    () -> "message " + message + " byte " + at + " flipped, and the snapshot loaded");
                assertEquals(0, target.aggregateCount(), "a refused snapshot leaves the state empty");
                flips++;
            }
        }
        assertTrue(flips > 3_000, flips + " flips");
    }

    @Test
    void aStateOfAnOlderSchemaVersionIsRefusedUnlessItsCodecDecodesOlderVersions()
    {
        final List<byte[]> older = withTypeVersion(messages, 0);
        final RuntimeException refused = assertThrows(RuntimeException.class, () -> loadInto(newEngine(), older));
        assertTrue(refused.getMessage().contains("state of schema version 0, older than this build's 1") &&
            refused.getMessage().contains("does not decode older versions"), refused.getMessage());

        final List<Integer> versions = new ArrayList<>();
        final ClusterEngine upgraded = ClusterEngine.of(List.of(() -> new VersionedTally(versions)), 4096,
            Throwable::printStackTrace);
        loadInto(upgraded, older);
        assertEquals(source.stateHash(), upgraded.stateHash());
        assertEquals(AGGREGATES, versions.size(), "every state decoded through the older-version decode");
        assertTrue(versions.stream().allMatch((version) -> version == 0), versions.subList(0, 3).toString());
    }

    /**
     * The tally with a state codec that reads older versions (here the same bytes), noting the version it was given.
     */
    static final class VersionedTally implements Aggregate<TallyState>
    {
        private final List<Integer> versions;

        VersionedTally(final List<Integer> versions)
        {
            this.versions = versions;
        }

        @Override
        public void define(final AggregateDefinition<TallyState> definition)
        {
            new TestAggregates.Tally().define(definition);
            final StateCodec<TallyState> current = definition.stateCodec();
            definition.snapshot(new StateCodec<>()
            {
                @Override
                public int encode(
                    final TallyState state, final MutableDirectBuffer buffer, final int offset)
                {
                    return current.encode(state, buffer, offset);
                }

                @Override
                public void decode(final DirectBuffer buffer, final int offset, final int length,
                    final TallyState state)
                {
                    current.decode(buffer, offset, length, state);
                }

                @Override
                public void decode(final DirectBuffer buffer, final int offset, final int length,
                    final int schemaVersion, final TallyState state)
                {
                    versions.add(schemaVersion);
                    current.decode(buffer, offset, length, state);
                }
            });
        }
    }

    /**
     * The snapshot with its type marker naming another schema version for the state, sealed with its checksum again.
     */
    private static List<byte[]> withTypeVersion(final List<byte[]> messages, final int version)
    {
        final List<byte[]> changed = new ArrayList<>();
        final CRC32C crc = new CRC32C();
        for (final byte[] message : messages)
        {
            final byte[] copy = message.clone();
            final int template = templateOf(copy);
            if (template == SnapshotTypeDecoder.TEMPLATE_ID)
            {
                new UnsafeBuffer(copy).putInt(SkeinProtocol.HEADER_LENGTH +
                    SnapshotTypeEncoder.schemaVersionEncodingOffset(), version, ByteOrder.LITTLE_ENDIAN);
            }
            if (template == SnapshotEndDecoder.TEMPLATE_ID)
            {
                new UnsafeBuffer(copy).putLong(SkeinProtocol.HEADER_LENGTH +
                    SnapshotEndEncoder.checksumEncodingOffset(), crc.getValue(), ByteOrder.LITTLE_ENDIAN);
            }
            else
            {
                crc.update(copy, 0, copy.length);
            }
            changed.add(copy);
        }
        return changed;
    }

    private static int countOf(final List<byte[]> messages, final int templateId)
    {
        int n = 0;
        for (final byte[] message : messages)
        {
            n += templateOf(message) == templateId ? 1 : 0;
        }
        return n;
    }

    private static int templateOf(final byte[] message)
    {
        return new MessageHeaderDecoder().wrap(new UnsafeBuffer(message), 0).templateId();
    }

    private static ClusterEngine newEngine()
    {
        return ClusterEngine.of(List.of(TestAggregates::tally), 4096, Throwable::printStackTrace);
    }

    private static ClusterEngine load(final List<byte[]> messages)
    {
        final ClusterEngine engine = newEngine();
        loadInto(engine, messages);
        return engine;
    }

    private static void loadInto(final ClusterEngine engine, final List<byte[]> messages)
    {
        engine.beginSnapshotLoad(POSITION, "test snapshot");
        boolean ended = false;
        for (final byte[] message : messages)
        {
            ended = engine.loadSnapshotMessage(new UnsafeBuffer(message), 0, message.length);
        }
        assertTrue(ended, "the end marker was read");
        engine.endSnapshotLoad();
    }

    /**
     * The same snapshot as schema version 5 wrote it: every header at version 5, one SnapshotAggregate message per
     * aggregate, and the end marker's checksum over those messages.
     */
    private static List<byte[]> versionFive(final List<byte[]> messages)
    {
        final List<byte[]> old = new ArrayList<>();
        final CRC32C crc = new CRC32C();
        final MessageHeaderEncoder header = new MessageHeaderEncoder();
        for (final byte[] message : messages)
        {
            final int template = templateOf(message);
            if (template == SnapshotAggregatesDecoder.TEMPLATE_ID)
            {
                final SnapshotAggregatesDecoder batch = new SnapshotAggregatesDecoder()
                    .wrapAndApplyHeader(new UnsafeBuffer(message), 0, new MessageHeaderDecoder());
                final int typeId = batch.aggregateTypeId();
                for (final SnapshotAggregatesDecoder.AggregatesDecoder aggregate : batch.aggregates())
                {
                    final long id = aggregate.aggregateId();
                    final long version = aggregate.version();
                    final byte[] state = new byte[aggregate.stateLength()];
                    aggregate.getState(state, 0, state.length);
                    final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
                    final SnapshotAggregateEncoder encoder = new SnapshotAggregateEncoder()
                        .wrapAndApplyHeader(buffer, 0, header).aggregateTypeId(typeId).aggregateId(id)
                        .version(version).putState(state, 0, state.length);
                    final byte[] single = new byte[SkeinProtocol.HEADER_LENGTH + encoder.encodedLength()];
                    buffer.getBytes(0, single);
                    header.wrap(new UnsafeBuffer(single), 0).version(5);
                    crc.update(single, 0, single.length);
                    old.add(single);
                }
            }
            else
            {
                final byte[] copy = message.clone();
                header.wrap(new UnsafeBuffer(copy), 0).version(5);
                if (template == SnapshotEndDecoder.TEMPLATE_ID)
                {
                    final UnsafeBuffer end = new UnsafeBuffer(copy);
                    final int checksumOffset =
                        SkeinProtocol.HEADER_LENGTH + SnapshotEndEncoder.checksumEncodingOffset();
                    assertNotEquals(crc.getValue(), end.getLong(checksumOffset, ByteOrder.LITTLE_ENDIAN));
                    end.putLong(checksumOffset, crc.getValue(), ByteOrder.LITTLE_ENDIAN);
                }
                else
                {
                    crc.update(copy, 0, copy.length);
                }
                old.add(copy);
            }
        }
        return old;
    }
}
