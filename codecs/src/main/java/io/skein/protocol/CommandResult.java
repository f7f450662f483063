package io.skein.protocol;

import java.util.Arrays;

import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageDecoderFlyweight;

/**
 * An immutable copy of a command's reply, for callers that keep it beyond the callback (futures, tools, tests).
 */
public final class CommandResult
{
    private final long correlationId;
    private final Outcome outcome;
    private final RejectReason reason;
    private final int aggregateTypeId;
    private final long aggregateId;
    private final long version;
    private final long sequence;
    private final long expectedVersion;
    private final int rejectCode;
    private final long journalPosition;
    private final String message;
    private final byte[] payload;

    /**
     * Build a result from the fields of a reply.
     *
     * @param correlationId   from the command.
     * @param outcome         of the command.
     * @param reason          of a rejection, NONE otherwise.
     * @param aggregateTypeId addressed.
     * @param aggregateId     addressed.
     * @param version         of the aggregate after the command (actual version on conflict).
     * @param sequence        of the last event, 0 if none.
     * @param expectedVersion carried by the command.
     * @param rejectCode      domain rejection code.
     * @param journalPosition end of the journal entry, -1 if none.
     * @param message         readable reason, empty if none.
     * @param payload         domain reply (with its message header), empty if none.
     */
    public CommandResult(
        final long correlationId,
        final Outcome outcome,
        final RejectReason reason,
        final int aggregateTypeId,
        final long aggregateId,
        final long version,
        final long sequence,
        final long expectedVersion,
        final int rejectCode,
        final long journalPosition,
        final String message,
        final byte[] payload)
    {
        this.correlationId = correlationId;
        this.outcome = outcome;
        this.reason = reason;
        this.aggregateTypeId = aggregateTypeId;
        this.aggregateId = aggregateId;
        this.version = version;
        this.sequence = sequence;
        this.expectedVersion = expectedVersion;
        this.rejectCode = rejectCode;
        this.journalPosition = journalPosition;
        this.message = message;
        this.payload = payload;
    }

    /**
     * The caller's correlation id.
     *
     * @return the correlation id.
     */
    public long correlationId()
    {
        return correlationId;
    }

    /**
     * What became of the command.
     *
     * @return the outcome.
     */
    public Outcome outcome()
    {
        return outcome;
    }

    /**
     * Why it was rejected, NONE otherwise.
     *
     * @return the reason.
     */
    public RejectReason reason()
    {
        return reason;
    }

    /**
     * The aggregate type addressed.
     *
     * @return the type id.
     */
    public int aggregateTypeId()
    {
        return aggregateTypeId;
    }

    /**
     * The aggregate addressed.
     *
     * @return the aggregate id.
     */
    public long aggregateId()
    {
        return aggregateId;
    }

    /**
     * The aggregate version after the command; the actual version on a conflict.
     *
     * @return the version.
     */
    public long version()
    {
        return version;
    }

    /**
     * The global sequence of the last event, 0 if none.
     *
     * @return the sequence.
     */
    public long sequence()
    {
        return sequence;
    }

    /**
     * The expected version the command carried.
     *
     * @return the expected version.
     */
    public long expectedVersion()
    {
        return expectedVersion;
    }

    /**
     * The domain rejection code.
     *
     * @return the code, 0 unless the reason is DOMAIN.
     */
    public int rejectCode()
    {
        return rejectCode;
    }

    /**
     * The end position of the journal entry.
     *
     * @return the position, -1 if none.
     */
    public long journalPosition()
    {
        return journalPosition;
    }

    /**
     * The readable reason for a non-accepted outcome.
     *
     * @return the message, empty if none.
     */
    public String message()
    {
        return message;
    }

    /**
     * The domain reply, message header included.
     *
     * @return a view over a copy of the payload bytes, empty if none.
     */
    public UnsafeBuffer payload()
    {
        return new UnsafeBuffer(payload);
    }

    /**
     * The domain reply decoded: {@code result.reply(new BalanceDecoder()).balance()}.
     *
     * @param decoder of the reply's template, wrapped over a copy of the payload and returned.
     * @param <D>     the decoder type.
     * @return the decoder.
     * @throws SkeinException BAD_INPUT if there is no payload or it is of another template or schema.
     */
    public <D extends MessageDecoderFlyweight> D reply(final D decoder)
    {
        return ReplyPayload.decode(new UnsafeBuffer(payload), payload.length, decoder);
    }

    /**
     * Length of the domain reply.
     *
     * @return length in bytes.
     */
    public int payloadLength()
    {
        return payload.length;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "CommandResult{correlationId=" + correlationId + ", outcome=" + outcome + ", reason=" + reason +
            ", aggregate=" + aggregateTypeId + "/" + aggregateId + ", version=" + version + ", sequence=" + sequence +
            ", expectedVersion=" + expectedVersion + ", rejectCode=" + rejectCode +
            ", journalPosition=" + journalPosition + ", message='" + message + "', payloadLength=" + payload.length +
            (payload.length > 0 ? ", payload=" + Arrays.toString(Arrays.copyOf(payload, Math.min(16, payload.length))) :
            "") + "}";
    }
}
