package io.skein.protocol;

import io.skein.codecs.CommandEnvelopeEncoder;
import io.skein.codecs.MessageHeaderEncoder;
import org.agrona.MutableDirectBuffer;
import org.agrona.sbe.MessageEncoderFlyweight;

/**
 * Writes a command: Skein's envelope (correlation, aggregate address, expected version, idempotency key) followed by
 * the domain command message. Reusable and allocation-free:
 * <pre>{@code
 * writer.wrap(buffer, 0)
 *     .correlationId(42).aggregate(ACCOUNT_TYPE, accountId).expectedVersion(SkeinProtocol.ANY_VERSION);
 * writer.body(depositEncoder).amount(100);
 * engine.tryOffer(buffer, 0, writer.length(), listener);
 * }</pre>
 */
public final class CommandWriter
{
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final CommandEnvelopeEncoder envelopeEncoder = new CommandEnvelopeEncoder();
    private MutableDirectBuffer buffer;
    private int offset;
    private MessageEncoderFlyweight body;

    /**
     * Start a command at an offset in a buffer, with defaults: correlation and causation 0, any version, no key.
     *
     * @param buffer to write into.
     * @param offset at which the command starts.
     * @return this for a fluent API.
     */
    public CommandWriter wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.body = null;
        envelopeEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .correlationId(0)
            .causationId(0)
            .aggregateTypeId(0)
            .aggregateId(0)
            .expectedVersion(SkeinProtocol.ANY_VERSION)
            .idempotencyKeyHi(SkeinProtocol.NO_KEY)
            .idempotencyKeyLo(SkeinProtocol.NO_KEY);
        return this;
    }

    /**
     * Set the caller's correlation id, echoed in the reply and kept in the events' metadata.
     *
     * @param correlationId chosen by the caller.
     * @return this for a fluent API.
     */
    public CommandWriter correlationId(final long correlationId)
    {
        envelopeEncoder.correlationId(correlationId);
        return this;
    }

    /**
     * Set the id of what caused this command, kept in the events' metadata.
     *
     * @param causationId of the cause, 0 if none.
     * @return this for a fluent API.
     */
    public CommandWriter causationId(final long causationId)
    {
        envelopeEncoder.causationId(causationId);
        return this;
    }

    /**
     * Address the aggregate the command is for.
     *
     * @param typeId      of the aggregate type.
     * @param aggregateId of the aggregate.
     * @return this for a fluent API.
     */
    public CommandWriter aggregate(final int typeId, final long aggregateId)
    {
        envelopeEncoder.aggregateTypeId(typeId).aggregateId(aggregateId);
        return this;
    }

    /**
     * Set the version the aggregate must be at for the command to run.
     *
     * @param expectedVersion {@link SkeinProtocol#ANY_VERSION}, {@link SkeinProtocol#NEW_AGGREGATE} or a version.
     * @return this for a fluent API.
     */
    public CommandWriter expectedVersion(final long expectedVersion)
    {
        envelopeEncoder.expectedVersion(expectedVersion);
        return this;
    }

    /**
     * Set the 128-bit idempotency key: a retry with the same key gets the original outcome. (0, 0) means none.
     *
     * @param hi high 64 bits.
     * @param lo low 64 bits.
     * @return this for a fluent API.
     */
    public CommandWriter idempotencyKey(final long hi, final long lo)
    {
        envelopeEncoder.idempotencyKeyHi(hi).idempotencyKeyLo(lo);
        return this;
    }

    /**
     * Start the domain command: writes its message header and wraps the encoder after it.
     *
     * @param encoder of the domain command.
     * @param <E>     the encoder type.
     * @return the encoder, ready to fill in.
     */
    public <E extends MessageEncoderFlyweight> E body(final E encoder)
    {
        final int headerOffset = offset + SkeinProtocol.ENVELOPE_LENGTH;
        headerEncoder.wrap(buffer, headerOffset)
            .blockLength(encoder.sbeBlockLength())
            .templateId(encoder.sbeTemplateId())
            .schemaId(encoder.sbeSchemaId())
            .version(encoder.sbeSchemaVersion());
        encoder.wrap(buffer, headerOffset + SkeinProtocol.HEADER_LENGTH);
        body = encoder;
        return encoder;
    }

    /**
     * The length of the command written so far: envelope, and the body once started.
     *
     * @return length in bytes.
     */
    public int length()
    {
        return SkeinProtocol.ENVELOPE_LENGTH + (null == body ? 0 : SkeinProtocol.HEADER_LENGTH + body.encodedLength());
    }
}
