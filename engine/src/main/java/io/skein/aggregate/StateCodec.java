package io.skein.aggregate;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * An aggregate type's encoding of its state for snapshots, typically an SBE message of the aggregate's own schema.
 * A type without one cannot be snapshotted (the engine refuses to take a snapshot and names it).
 *
 * @param <S> the aggregate's state type.
 */
public interface StateCodec<S>
{
    /**
     * Encode one aggregate's state.
     *
     * @param state  to encode; read only.
     * @param buffer to encode into; it grows as needed.
     * @param offset at which to start.
     * @return the number of bytes written.
     */
    int encode(S state, MutableDirectBuffer buffer, int offset);

    /**
     * Decode one aggregate's state into a fresh state from the state factory.
     *
     * @param buffer holding the encoded state.
     * @param offset of the encoded state.
     * @param length of the encoded state.
     * @param state  to fill in.
     */
    void decode(DirectBuffer buffer, int offset, int length, S state);

    /**
     * Decode a state that a snapshot recorded at an older version of the aggregate's schema (the snapshot names the
     * version each type's state was written with). Override it to read older states, typically by wrapping the
     * state's SBE decoder with that version and the block length it had then; without an override such a snapshot is
     * skipped, with a warning, and the state rebuilt from an earlier snapshot or the journal, rather than misread.
     *
     * @param buffer        holding the encoded state.
     * @param offset        of the encoded state.
     * @param length        of the encoded state.
     * @param schemaVersion the state was written with, older than the aggregate's current one.
     * @param state         to fill in.
     * @throws UnsupportedOperationException unless overridden.
     */
    default void decode(
        final DirectBuffer buffer, final int offset, final int length, final int schemaVersion, final S state)
    {
        throw new UnsupportedOperationException("state of schema version " + schemaVersion);
    }

    /**
     * Whether this codec reads states of older schema versions: whether it overrides
     * {@link #decode(DirectBuffer, int, int, int, Object)}.
     *
     * @return true if older states can be decoded.
     */
    default boolean decodesOlderVersions()
    {
        try
        {
            return getClass().getMethod("decode", DirectBuffer.class, int.class, int.class, int.class, Object.class)
                .getDeclaringClass() != StateCodec.class;
        }
        catch (final NoSuchMethodException ex)
        {
            return false;
        }
    }
}
