package io.skein.node;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.skein.client.ClientListener;
import io.skein.client.SendResult;
import io.skein.client.SkeinClient;
import io.skein.codecs.AdminAction;
import io.skein.codecs.AdminRequestEncoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.codecs.Outcome;
import io.skein.codecs.SessionCloseEncoder;
import io.skein.codecs.SessionConnectEncoder;
import io.skein.codecs.SessionHeaderEncoder;
import io.skein.codecs.SessionKeepAliveEncoder;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.DepositEncoder;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sends at least 100,000 random and mutated frames at a node's ingress, from an unauthenticated publication and as
 * deliberately invalid commands on a real session, then checks the node still serves a well-formed command, its state
 * hash is unchanged, every invalid command got an error reply, and nothing reached the error handler.
 */
class IngressFuzzSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);


    @TempDir
    File dir;

    private final Random random = new Random(0x5EED);
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[8192]);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final CommandWriter writer = new CommandWriter();

    @Test
    void shouldSurviveRandomAndMutatedFramesWithStateUnchanged()
    {
        fuzz(100_000, 10_000);
    }

    /**
     * The soak campaign (-Psoak): ten times as many frames and invalid commands.
     */
    @Test
    @Tag("soak")
    void shouldSurviveAMillionRandomAndMutatedFrames()
    {
        fuzz(1_000_000, 100_000);
    }

    private void fuzz(final int rawFrames, final int sessionCommands)
    {
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        final Bank bank = new Bank();
        final long[] outcomes = new long[Outcome.values().length];
        try (TestNode node = TestNode.launch(dir, (ctx) -> ctx.errorHandler(errors::add)
            .connectTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200)).operatorSecret("ops"));
            SkeinClient client = SkeinClient.connect(node.clientContext().secret("ops").listener(new ClientListener()
            {
                @Override
                public void onReply(final Reply reply)
                {
                    outcomes[reply.outcome().ordinal()]++;
                }
            }));
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(node.node().archive()
                .aeronDirectoryName()));
            ExclusivePublication raw = aeron.addExclusivePublication(node.ingressChannel(),
                SkeinClient.Context.INGRESS_STREAM_ID_DEFAULT))
        {
            for (int i = 0; i < 20; i++)
            {
                assertEquals(Outcome.ACCEPTED,
                    client.send(bank.buffer, 0, bank.open(i, 100 + i, 1_000), TIMEOUT_NS).outcome());
            }
            Arrays.fill(outcomes, 0);
            final long hashBefore = node.node().engine().stateHash(TIMEOUT_NS);
            final long legitimateSession = client.sessionId();

            for (int i = 0; i < rawFrames; i++)
            {
                final int length = rawFrame(i, legitimateSession);
                offer(raw, client, length);
            }
            int sent = 0;
            while (sent < sessionCommands)
            {
                final int length = invalidCommand();
                if (client.offer(frame, 0, length) == SendResult.SENT)
                {
                    sent++;
                }
                client.poll();
            }
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (total(outcomes) < sessionCommands)
            {
                client.poll();
                assertTrue(System.nanoTime() < deadlineNs, "replies to invalid commands: " + total(outcomes) +
                    ", replies dropped by the node " + node.node().counters().repliesDropped().get());
            }

            assertEquals(0, outcomes[Outcome.ACCEPTED.ordinal()], "an invalid command was accepted");
            assertEquals(sessionCommands, outcomes[Outcome.REJECTED.ordinal()]);
            assertEquals(hashBefore, node.node().engine().stateHash(TIMEOUT_NS));
            assertEquals(hashBefore, client.admin(AdminAction.STATE_HASH, TIMEOUT_NS));
            assertTrue(client.isConnected(), "the legitimate session survived spoofed close requests");
            assertEquals(Outcome.ACCEPTED,
                client.send(bank.buffer, 0, bank.deposit(-1, 100, 5, 1), TIMEOUT_NS).outcome());
            final NodeCounters counters = new NodeCounters(node);
            assertTrue(counters.malformed > 0 && counters.unknownSession > 0, counters.toString());
            assertTrue(errors.isEmpty(), errors.toString());
        }
    }

    private static long total(final long[] outcomes)
    {
        long total = 0;
        for (final long count : outcomes)
        {
            total += count;
        }
        return total;
    }

    private void offer(final ExclusivePublication publication, final SkeinClient client, final int length)
    {
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (publication.offer(frame, 0, length) < 0)
        {
            client.poll();
            assertTrue(System.nanoTime() < deadlineNs, "the ingress stopped taking frames");
            Thread.yield();
        }
        if ((length & 0xFF) == 0)
        {
            client.poll();
        }
    }

    private int rawFrame(final int i, final long legitimateSession)
    {
        final int kind = i % 10;
        final long sessionId = random.nextBoolean() ? legitimateSession : random.nextInt(1000);
        switch (kind)
        {
            case 0, 1, 2, 3:
            {
                final int length = random.nextInt(random.nextBoolean() ? 64 : 2000);
                for (int j = 0; j < length; j++)
                {
                    frame.putByte(j, (byte)random.nextInt());
                }
                if (length >= 8 && random.nextBoolean())
                {
                    frame.putShort(4, (short)SkeinProtocol.SCHEMA_ID);
                }
                return length;
            }
            case 4, 5:
                return mutate(new SessionConnectEncoder().wrapAndApplyHeader(frame, 0, headerEncoder)
                    .correlationId(random.nextLong())
                    .responseStreamId(random.nextInt())
                    .protocolVersion(random.nextInt(3))
                    .responseChannel("aeron:udp?endpoint=localhost:" + (1 + random.nextInt(1000)))
                    .putCredentials(new byte[] {1, 2, 3}, 0, 3)
                    .encodedLength() + MessageHeaderEncoder.ENCODED_LENGTH);
            case 6:
            {
                final int length = MessageHeaderEncoder.ENCODED_LENGTH + new SessionCloseEncoder()
                    .wrapAndApplyHeader(frame, 0, headerEncoder).sessionId(sessionId).encodedLength();
                return random.nextBoolean() ? length : mutate(length);
            }
            case 7:
                return mutate(MessageHeaderEncoder.ENCODED_LENGTH + new SessionKeepAliveEncoder()
                    .wrapAndApplyHeader(frame, 0, headerEncoder).sessionId(sessionId).encodedLength());
            case 8:
                return mutate(MessageHeaderEncoder.ENCODED_LENGTH + new AdminRequestEncoder()
                    .wrapAndApplyHeader(frame, 0, headerEncoder).sessionId(sessionId).correlationId(i)
                    .action(AdminAction.TAKE_SNAPSHOT).encodedLength());
            default:
            {
                final int length = MessageHeaderEncoder.ENCODED_LENGTH + new SessionHeaderEncoder()
                    .wrapAndApplyHeader(frame, 0, headerEncoder).sessionId(sessionId).encodedLength();
                writer.wrap(frame, length).correlationId(i).aggregate(BankAccount.TYPE_ID, 100);
                final int commandLength = writer.length();
                return length + commandLength + randomBytes(length + commandLength, random.nextInt(64));
            }
        }
    }

    private int randomBytes(final int offset, final int count)
    {
        for (int j = 0; j < count; j++)
        {
            frame.putByte(offset + j, (byte)random.nextInt());
        }
        return count;
    }

    private int mutate(final int length)
    {
        final int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++)
        {
            frame.putByte(random.nextInt(length), (byte)random.nextInt());
        }
        return random.nextInt(4) == 0 ? random.nextInt(length + 1) : length;
    }

    /**
     * A command that must be refused whatever its random content: an unknown aggregate type, a wrong schema id, an
     * unknown template, a schema version newer than the engine's, or truncated before its body.
     */
    private int invalidCommand()
    {
        writer.wrap(frame, 0).correlationId(random.nextLong()).aggregate(BankAccount.TYPE_ID, 100 + random.nextInt(20));
        final int envelope = writer.length();
        final int bodyLength = random.nextInt(64);
        randomBytes(envelope, SkeinProtocol.HEADER_LENGTH + bodyLength);
        final int blockLength = random.nextInt(bodyLength + 1);
        frame.putShort(envelope, (short)blockLength);
        frame.putShort(envelope + 2, (short)(1 + random.nextInt(5)));
        frame.putShort(envelope + 4, (short)7001);
        frame.putShort(envelope + 6, (short)1);
        switch (random.nextInt(5))
        {
            case 0:
                writer.aggregate(500 + random.nextInt(1000), random.nextLong());
                break;
            case 1:
                frame.putShort(envelope + 4, (short)(7002 + random.nextInt(1000)));
                break;
            case 2:
                frame.putShort(envelope + 2, (short)(100 + random.nextInt(1000)));
                break;
            case 3:
                // Newer than the bank schema the node runs: refused, whatever the rest says.
                frame.putShort(envelope + 6,
                    (short)(DepositEncoder.SCHEMA_VERSION + 1 + random.nextInt(100)));
                break;
            default:
                return random.nextInt(envelope + SkeinProtocol.HEADER_LENGTH);
        }
        return envelope + SkeinProtocol.HEADER_LENGTH + bodyLength;
    }

    private static final class NodeCounters
    {
        final long malformed;
        final long unknownSession;
        final long rejected;

        NodeCounters(final TestNode node)
        {
            malformed = node.node().counters().malformedFrames().get();
            unknownSession = node.node().counters().unknownSession().get();
            rejected = node.node().counters().sessionsRejected().get();
        }

        @Override
        public String toString()
        {
            return "malformed " + malformed + ", unknown session " + unknownSession + ", rejected " + rejected;
        }
    }
}
