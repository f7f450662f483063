package io.skein.protocol;

import java.util.Arrays;

/**
 * Which events a read or a subscription hands over: by aggregate type, by event template, by aggregate, or all.
 * Conditions combine with AND; within one condition any listed value matches. Template ids belong to a domain's
 * schema, so two domains can reuse one: filter by template together with the aggregate type it is meant for.
 * Immutable and allocation free when matching.
 * <pre>{@code
 * EventFilter.ALL
 * EventFilter.aggregateTypes(BankAccount.TYPE_ID)
 * EventFilter.aggregateTypes(OrderBook.TYPE_ID).templates(TradeDecoder.TEMPLATE_ID)
 * EventFilter.aggregate(BankAccount.TYPE_ID, 42)
 * }</pre>
 */
public final class EventFilter
{
    /**
     * Every event.
     */
    public static final EventFilter ALL = new EventFilter(new int[0], new int[0], false, 0);

    private final int[] types;
    private final int[] templates;
    private final boolean oneAggregate;
    private final long aggregateId;

    private EventFilter(final int[] types, final int[] templates, final boolean oneAggregate, final long aggregateId)
    {
        this.types = types;
        this.templates = templates;
        this.oneAggregate = oneAggregate;
        this.aggregateId = aggregateId;
    }

    /**
     * Events of aggregates of any of these types.
     *
     * @param typeIds aggregate type ids, at least one.
     * @return the filter.
     */
    public static EventFilter aggregateTypes(final int... typeIds)
    {
        return ALL.withTypes(typeIds);
    }

    /**
     * Events of one aggregate: its history.
     *
     * @param typeId      of the aggregate type.
     * @param aggregateId of the aggregate.
     * @return the filter.
     */
    public static EventFilter aggregate(final int typeId, final long aggregateId)
    {
        return new EventFilter(new int[] { typeId }, ALL.templates, true, aggregateId);
    }

    /**
     * This filter, also limited to events with any of these templates.
     *
     * @param templateIds event template ids, at least one.
     * @return a new filter.
     */
    public EventFilter templates(final int... templateIds)
    {
        return new EventFilter(types, sortedNonEmpty(templateIds, "template"), oneAggregate, aggregateId);
    }

    private EventFilter withTypes(final int[] typeIds)
    {
        return new EventFilter(sortedNonEmpty(typeIds, "aggregate type"), templates, oneAggregate, aggregateId);
    }

    private static int[] sortedNonEmpty(final int[] ids, final String what)
    {
        if (null == ids || 0 == ids.length)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "an event filter needs at least one " + what);
        }
        final int[] sorted = ids.clone();
        Arrays.sort(sorted);
        return sorted;
    }

    /**
     * Whether an entry's events can match: its aggregate passes the type and aggregate conditions.
     *
     * @param typeId      of the entry's aggregate type.
     * @param aggregateId of the entry's aggregate.
     * @return true if some event of the entry may be handed over.
     */
    public boolean matchesAggregate(final int typeId, final long aggregateId)
    {
        return (0 == types.length || Arrays.binarySearch(types, typeId) >= 0) &&
            (!oneAggregate || this.aggregateId == aggregateId);
    }

    /**
     * Whether an event of a matching entry passes the template condition.
     *
     * @param templateId of the event.
     * @return true if it is handed over.
     */
    public boolean matchesTemplate(final int templateId)
    {
        return 0 == templates.length || Arrays.binarySearch(templates, templateId) >= 0;
    }

    /**
     * Whether an event matches.
     *
     * @param events positioned on the event.
     * @return true if it is handed over.
     */
    public boolean matches(final JournalEvents events)
    {
        return matchesAggregate(events.aggregateTypeId(), events.aggregateId()) &&
            matchesTemplate(events.templateId());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        if (this == ALL)
        {
            return "all events";
        }
        return "events" + (types.length > 0 ? " of aggregate type " + Arrays.toString(types) : "") +
            (oneAggregate ? " aggregate " + aggregateId : "") +
            (templates.length > 0 ? " with template " + Arrays.toString(templates) : "");
    }
}
