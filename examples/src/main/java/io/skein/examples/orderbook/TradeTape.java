package io.skein.examples.orderbook;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.skein.examples.orderbook.codecs.MessageHeaderDecoder;
import io.skein.examples.orderbook.codecs.Side;
import io.skein.examples.orderbook.codecs.TradeDecoder;
import io.skein.projection.Projection;
import io.skein.protocol.EventFilter;
import io.skein.protocol.JournalEvents;

/**
 * The order book's trade tape: every trade of every book in journal order, with the book, the engine's time and the
 * event's global sequence. Safe to run at least once: a trade whose sequence the tape has reached is a repeat and is
 * left out.
 */
public final class TradeTape implements Projection
{
    /**
     * The events this projection needs: the order books' trades.
     */
    public static final EventFilter FILTER =
        EventFilter.aggregateTypes(OrderBook.TYPE_ID).templates(TradeDecoder.TEMPLATE_ID);

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TradeDecoder trade = new TradeDecoder();
    private final List<Print> prints = new ArrayList<>();
    private long lastSequence;
    private long volume;

    /**
     * One trade on the tape.
     *
     * @param sequence     the event's global sequence.
     * @param bookId       the order book (aggregate id).
     * @param timestampNs  the engine's time of the trade.
     * @param takerOrderId the order that took liquidity.
     * @param makerOrderId the resting order it matched.
     * @param takerSide    the taker's side.
     * @param price        the price.
     * @param quantity     the quantity.
     */
    public record Print(
        long sequence,
        long bookId,
        long timestampNs,
        long takerOrderId,
        long makerOrderId,
        Side takerSide,
        long price,
        long quantity)
    {
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onEvent(final JournalEvents event)
    {
        if (event.aggregateTypeId() != OrderBook.TYPE_ID || event.sequence() <= lastSequence)
        {
            return;
        }
        header.wrap(event.event(), 0);
        if (header.templateId() != TradeDecoder.TEMPLATE_ID)
        {
            return;
        }
        trade.wrap(event.event(), MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        prints.add(new Print(event.sequence(), event.aggregateId(), event.timestampNs(), trade.takerOrderId(),
            trade.makerOrderId(), trade.takerSide(), trade.price(), trade.quantity()));
        volume += trade.quantity();
        lastSequence = event.sequence();
    }

    /**
     * The trades so far, oldest first.
     *
     * @return an unmodifiable view.
     */
    public List<Print> prints()
    {
        return Collections.unmodifiableList(prints);
    }

    /**
     * The total quantity traded.
     *
     * @return the volume.
     */
    public long volume()
    {
        return volume;
    }
}
