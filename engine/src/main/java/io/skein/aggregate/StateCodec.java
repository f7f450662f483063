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
}
