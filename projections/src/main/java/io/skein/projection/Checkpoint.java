package io.skein.projection;

/**
 * How far a projection has got: the end of the last journal entry whose events it has handled and committed, and
 * that entry's sequence (so a resumed read checks that the next entry follows it). Immutable.
 */
public final class Checkpoint
{
    /**
     * No checkpoint yet: start from the journal's start.
     */
    public static final Checkpoint NONE = new Checkpoint(0, 0);

    private final long position;
    private final long entrySequence;

    /**
     * A checkpoint.
     *
     * @param position      where the last handled entry ends.
     * @param entrySequence of that entry, 0 for none.
     */
    public Checkpoint(final long position, final long entrySequence)
    {
        if (position < 0 || entrySequence < 0)
        {
            throw new IllegalArgumentException("checkpoint position " + position + " and entry sequence " +
                entrySequence + " must not be negative");
        }
        this.position = position;
        this.entrySequence = entrySequence;
    }

    /**
     * Where the last handled entry ends: where the projection resumes.
     *
     * @return the position.
     */
    public long position()
    {
        return position;
    }

    /**
     * The sequence of the last handled entry (0 for none).
     *
     * @return the entry sequence.
     */
    public long entrySequence()
    {
        return entrySequence;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean equals(final Object o)
    {
        return o instanceof Checkpoint && ((Checkpoint)o).position == position &&
            ((Checkpoint)o).entrySequence == entrySequence;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int hashCode()
    {
        return Long.hashCode(position) * 31 + Long.hashCode(entrySequence);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "Checkpoint{position=" + position + ", entrySequence=" + entrySequence + "}";
    }
}
