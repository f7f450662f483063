package io.skein.protocol;

import io.skein.codecs.CommandEnvelopeEncoder;
import io.skein.codecs.MessageHeaderEncoder;

/**
 * Constants of Skein's wire and journal formats.
 */
public final class SkeinProtocol
{
    /**
     * The SBE schema id of Skein's own messages.
     */
    public static final int SCHEMA_ID = MessageHeaderEncoder.SCHEMA_ID;

    /**
     * The SBE schema version this code was generated from; newer messages are rejected.
     */
    public static final int SCHEMA_VERSION = MessageHeaderEncoder.SCHEMA_VERSION;

    /**
     * Length of the standard SBE message header used by Skein and by every domain schema.
     */
    public static final int HEADER_LENGTH = MessageHeaderEncoder.ENCODED_LENGTH;

    /**
     * Length of a command envelope including its message header.
     */
    public static final int ENVELOPE_LENGTH = HEADER_LENGTH + CommandEnvelopeEncoder.BLOCK_LENGTH;

    /**
     * Expected version meaning "any version": no concurrency check.
     */
    public static final long ANY_VERSION = -1;

    /**
     * Expected version meaning "the aggregate must not exist yet".
     */
    public static final long NEW_AGGREGATE = 0;

    /**
     * Position meaning "not journaled".
     */
    public static final long NULL_POSITION = -1;

    /**
     * Half of the idempotency key meaning "no key" when both halves are 0.
     */
    public static final long NO_KEY = 0;

    private SkeinProtocol()
    {
    }
}
