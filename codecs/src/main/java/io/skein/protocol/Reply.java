package io.skein.protocol;

import io.skein.codecs.CommandReplyDecoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageDecoderFlyweight;

/**
 * A read-only view of one encoded command reply, valid only until the buffer it wraps is reused. Allocation-free,
 * except {@link #message()} and {@link #toString()} which build strings for display.
 */
public final class Reply
{
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final CommandReplyDecoder decoder = new CommandReplyDecoder();
    private final UnsafeBuffer payload = new UnsafeBuffer(0, 0);
    private int messageOffset;
    private int messageLength;
    private DirectBuffer buffer;
    private int offset;
    private int encodedLength;

    /**
     * Wrap an encoded reply, message header included.
     *
     * @param buffer holding the reply.
     * @param offset of its message header.
     * @param length of the reply in bytes.
     * @return this for a fluent API.
     * @throws IllegalArgumentException if the bytes are not a Skein reply this code understands.
     */
    public Reply wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < SkeinProtocol.HEADER_LENGTH)
        {
            throw new IllegalArgumentException("reply too short: " + length);
        }
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != SkeinProtocol.SCHEMA_ID ||
            headerDecoder.templateId() != CommandReplyDecoder.TEMPLATE_ID)
        {
            throw new IllegalArgumentException("not a reply: schema " + headerDecoder.schemaId() +
                " template " + headerDecoder.templateId());
        }
        return wrapBody(buffer, offset, headerDecoder.blockLength(), headerDecoder.version());
    }

    /**
     * Wrap a reply this process encoded itself, with its own schema version: skips the header checks.
     *
     * @param buffer holding the reply.
     * @param offset of its message header.
     * @return this for a fluent API.
     */
    public Reply wrapTrusted(final DirectBuffer buffer, final int offset)
    {
        return wrapBody(buffer, offset, CommandReplyDecoder.BLOCK_LENGTH, CommandReplyDecoder.SCHEMA_VERSION);
    }

    private Reply wrapBody(final DirectBuffer buffer, final int offset, final int blockLength, final int version)
    {
        decoder.wrap(buffer, offset + SkeinProtocol.HEADER_LENGTH, blockLength, version);
        final int payloadLength = decoder.payloadLength();
        final int payloadOffset = decoder.limit() + CommandReplyDecoder.payloadHeaderLength();
        if (payloadLength > 0)
        {
            payload.wrap(buffer, payloadOffset, payloadLength);
        }
        else
        {
            payload.wrap(0, 0);
        }
        decoder.skipPayload();
        messageLength = decoder.messageLength();
        messageOffset = decoder.limit() + CommandReplyDecoder.messageHeaderLength();
        this.buffer = buffer;
        this.offset = offset;
        this.encodedLength = messageOffset + messageLength - offset;
        decoder.limit(offset + SkeinProtocol.HEADER_LENGTH + blockLength);
        return this;
    }

    /**
     * The buffer holding the encoded reply, for forwarding it unchanged.
     *
     * @return the wrapped buffer.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * Offset of the encoded reply's message header in {@link #buffer()}.
     *
     * @return the offset.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * Length of the whole encoded reply, message header included.
     *
     * @return length in bytes.
     */
    public int encodedLength()
    {
        return encodedLength;
    }

    /**
     * The caller's correlation id from the command.
     *
     * @return the correlation id.
     */
    public long correlationId()
    {
        return decoder.correlationId();
    }

    /**
     * What became of the command.
     *
     * @return the outcome.
     */
    public Outcome outcome()
    {
        return decoder.outcome();
    }

    /**
     * Why the command was rejected, {@link RejectReason#NONE} otherwise.
     *
     * @return the reason.
     */
    public RejectReason reason()
    {
        return decoder.reason();
    }

    /**
     * The aggregate type the command addressed (for a duplicate, the original's).
     *
     * @return the type id.
     */
    public int aggregateTypeId()
    {
        return decoder.aggregateTypeId();
    }

    /**
     * The aggregate the command addressed (for a duplicate, the original's).
     *
     * @return the aggregate id.
     */
    public long aggregateId()
    {
        return decoder.aggregateId();
    }

    /**
     * The aggregate version after an accepted or duplicate command; the actual version on a conflict; the current
     * version otherwise.
     *
     * @return the version.
     */
    public long version()
    {
        return decoder.version();
    }

    /**
     * The global sequence of the command's last event, 0 if it emitted none.
     *
     * @return the sequence.
     */
    public long sequence()
    {
        return decoder.sequence();
    }

    /**
     * The expected version the command carried.
     *
     * @return the expected version.
     */
    public long expectedVersion()
    {
        return decoder.expectedVersion();
    }

    /**
     * The domain rejection code when {@link #reason()} is {@link RejectReason#DOMAIN}.
     *
     * @return the code, 0 otherwise.
     */
    public int rejectCode()
    {
        return decoder.rejectCode();
    }

    /**
     * The end position of the command's journal entry, {@link SkeinProtocol#NULL_POSITION} if none.
     *
     * @return the position.
     */
    public long journalPosition()
    {
        return decoder.journalPosition();
    }

    /**
     * The domain reply payload (message header included), empty if the handler wrote none.
     *
     * @return a view of the payload, valid as long as the reply.
     */
    public DirectBuffer payload()
    {
        return payload;
    }

    /**
     * The domain reply decoded: {@code reply.reply(new BalanceDecoder()).balance()}.
     *
     * @param decoder of the reply's template, wrapped over the payload (valid as long as this reply) and returned.
     * @param <D>     the decoder type.
     * @return the decoder.
     * @throws SkeinException BAD_INPUT if there is no payload or it is of another template or schema.
     */
    public <D extends MessageDecoderFlyweight> D reply(final D decoder)
    {
        return ReplyPayload.decode(payload, payloadLength(), decoder);
    }

    /**
     * Length of the domain reply payload.
     *
     * @return length in bytes, 0 if none.
     */
    public int payloadLength()
    {
        return payload.capacity();
    }

    /**
     * Length of the readable message.
     *
     * @return length in bytes, 0 if none.
     */
    public int messageLength()
    {
        return messageLength;
    }

    /**
     * Append the readable message to a builder without allocating a string.
     *
     * @param builder to append to.
     * @return the builder.
     */
    public StringBuilder appendMessage(final StringBuilder builder)
    {
        final DirectBuffer buffer = decoder.buffer();
        for (int i = 0; i < messageLength; i++)
        {
            builder.append((char)buffer.getByte(messageOffset + i));
        }
        return builder;
    }

    /**
     * The readable message explaining a non-accepted outcome.
     *
     * @return the message, empty if none.
     */
    public String message()
    {
        return 0 == messageLength ? "" : decoder.buffer().getStringWithoutLengthAscii(messageOffset, messageLength);
    }

    /**
     * Copy this reply into an immutable result.
     *
     * @return a new result.
     */
    public CommandResult toResult()
    {
        final byte[] payloadBytes = new byte[payloadLength()];
        payload.getBytes(0, payloadBytes);
        return new CommandResult(
            correlationId(), outcome(), reason(), aggregateTypeId(), aggregateId(), version(), sequence(),
            expectedVersion(), rejectCode(), journalPosition(), message(), payloadBytes);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return toResult().toString();
    }
}
