package io.skein.protocol;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Rewrites stored events of an aggregate type that SBE's additive rules cannot carry forward (a renamed or retyped
 * field, an event split into two, a template retired) into the current schema's form, as they are read back: on
 * recovery, the follower tail, time travel, subscriptions, projections and the tools. The journal itself is never
 * rewritten. Registered per aggregate type with {@code AggregateDefinition.upcaster}.
 * <p>
 * One stored event becomes exactly one current event: it keeps the stored event's global sequence, aggregate version
 * and metadata, so positions, versions and idempotency outcomes stay those that were acknowledged. (Turning one old
 * event into several would change every later version number; write such a migration as new commands instead.)
 * <p>
 * Called for every event read of the type, current ones included, on the reading thread: it must be fast, must not
 * allocate in steady state, and returns {@link #UNCHANGED} for events that are already current.
 */
@FunctionalInterface
public interface EventUpcaster
{
    /**
     * Returned for an event that is already in its current form.
     */
    int UNCHANGED = -1;

    /**
     * Rewrite one stored event, or leave it.
     *
     * @param templateId    the stored event's template id, from its message header.
     * @param actingVersion the schema version it was written with, from its message header.
     * @param stored        holding the stored event.
     * @param offset        of its message header.
     * @param length        of the stored event, header included.
     * @param current       where to write the event's current form, message header included, starting at index 0
     *                      (an expandable buffer: writing past its capacity grows it).
     * @return the length written to {@code current}, or {@link #UNCHANGED}.
     */
    int upcast(int templateId, int actingVersion, DirectBuffer stored, int offset, int length,
        MutableDirectBuffer current);
}
