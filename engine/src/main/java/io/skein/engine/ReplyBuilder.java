package io.skein.engine;

import java.nio.ByteOrder;

import io.skein.codecs.CommandReplyEncoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.protocol.SkeinProtocol;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.sbe.MessageEncoderFlyweight;

/**
 * Builds the reply to one command in a buffer of its own: the handler's payload is encoded straight into it, then
 * the reply header and message around it. The buffer grows if a handler overruns it; the decision path then refuses
 * the payload by size. Owned by the single writer.
 */
final class ReplyBuilder
{
    static final int PAYLOAD_LENGTH_OFFSET = SkeinProtocol.HEADER_LENGTH + CommandReplyEncoder.BLOCK_LENGTH;
    static final int PAYLOAD_OFFSET = PAYLOAD_LENGTH_OFFSET + EntryApplier.VAR_LENGTH_FIELD;

    private final int maxReplyLength;
    private final ExpandableArrayBuffer buffer;
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final CommandReplyEncoder replyEncoder = new CommandReplyEncoder();
    private MessageEncoderFlyweight payloadEncoder;
    private int length;

    ReplyBuilder(final int maxReplyLength)
    {
        this.maxReplyLength = maxReplyLength;
        this.buffer = new ExpandableArrayBuffer(maxReplyLength + 1024);
    }

    /**
     * Forget the last reply, before the next command.
     */
    void reset()
    {
        payloadEncoder = null;
        length = 0;
    }

    /**
     * Wrap a payload encoder at the payload's place in the reply.
     *
     * @param encoder of the payload.
     * @param <R>     the encoder type.
     * @return the encoder, wrapped.
     */
    <R extends MessageEncoderFlyweight> R payload(final R encoder)
    {
        headerEncoder.wrap(buffer, PAYLOAD_OFFSET)
            .blockLength(encoder.sbeBlockLength())
            .templateId(encoder.sbeTemplateId())
            .schemaId(encoder.sbeSchemaId())
            .version(encoder.sbeSchemaVersion());
        encoder.wrap(buffer, PAYLOAD_OFFSET + SkeinProtocol.HEADER_LENGTH);
        payloadEncoder = encoder;
        return encoder;
    }

    /**
     * Whether the payload encoded so far leaves no room in the longest reply.
     */
    boolean isPayloadTooLarge()
    {
        return payloadLength() + PAYLOAD_OFFSET + EntryApplier.VAR_LENGTH_FIELD > maxReplyLength;
    }

    /**
     * Write the reply around the payload (kept only if {@code withPayload}); a message that does not fit is cut.
     *
     * @return the reply's length.
     */
    int write(
        final long correlationId,
        final long expectedVersion,
        final Outcome outcome,
        final RejectReason reason,
        final int typeId,
        final long aggregateId,
        final long version,
        final long sequence,
        final int rejectCode,
        final long position,
        final boolean withPayload,
        final CharSequence message)
    {
        replyEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(correlationId)
            .outcome(outcome)
            .reason(reason)
            .aggregateTypeId(typeId)
            .aggregateId(aggregateId)
            .version(version)
            .sequence(sequence)
            .expectedVersion(expectedVersion)
            .rejectCode(rejectCode)
            .journalPosition(position);
        final int payloadLength = withPayload ? payloadLength() : 0;
        buffer.putInt(PAYLOAD_LENGTH_OFFSET, payloadLength, ByteOrder.LITTLE_ENDIAN);
        replyEncoder.limit(PAYLOAD_OFFSET + payloadLength);

        final CharSequence text = null == message ? "" : message;
        final int room = maxReplyLength - PAYLOAD_OFFSET - payloadLength - EntryApplier.VAR_LENGTH_FIELD;
        replyEncoder.message(text.length() <= room ? text : text.subSequence(0, Math.max(0, room)));
        length = replyEncoder.limit();
        return length;
    }

    MutableDirectBuffer buffer()
    {
        return buffer;
    }

    int length()
    {
        return length;
    }

    private int payloadLength()
    {
        return null == payloadEncoder ? 0 : SkeinProtocol.HEADER_LENGTH + payloadEncoder.encodedLength();
    }
}
