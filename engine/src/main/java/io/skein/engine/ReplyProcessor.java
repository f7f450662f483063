package io.skein.engine;

import com.lmax.disruptor.EventHandler;
import io.skein.codecs.CommandReplyEncoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinProtocol;
import org.agrona.ErrorHandler;
import org.agrona.ExpandableArrayBuffer;

/**
 * The reply stage: runs after the single writer on the same ring and hands each slot's reply to its listener, so a
 * slow listener delays other replies but never the writer. (With a journal it will also hold each reply until the
 * entry is durable.)
 */
final class ReplyProcessor implements EventHandler<CommandSlot>
{
    private final Reply reply = new Reply();
    private final ExpandableArrayBuffer fallbackBuffer = new ExpandableArrayBuffer(256);
    private final CommandReplyEncoder fallbackEncoder = new CommandReplyEncoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final EngineCounters counters;
    private final ErrorHandler errorHandler;

    ReplyProcessor(final EngineCounters counters, final ErrorHandler errorHandler)
    {
        this.counters = counters;
        this.errorHandler = errorHandler;
    }

    @Override
    public void onEvent(final CommandSlot slot, final long sequence, final boolean endOfBatch)
    {
        final ReplyListener listener = slot.listener;
        slot.listener = null;
        if (null != listener && slot.isCommand)
        {
            try
            {
                if (slot.replyLength > 0)
                {
                    listener.onReply(reply.wrap(slot.reply, 0, slot.replyLength));
                }
                else
                {
                    listener.onReply(reply.wrap(fallbackBuffer, 0, writerFailedReply()));
                }
            }
            catch (final Throwable ex)
            {
                counters.listenerErrors().incrementRelease();
                errorHandler.onError(ex);
            }
        }
    }

    /**
     * The writer failed on a slot outside any handler (a defect it reported): still give the caller its one reply.
     */
    private int writerFailedReply()
    {
        fallbackEncoder.wrapAndApplyHeader(fallbackBuffer, 0, headerEncoder)
            .correlationId(0)
            .outcome(Outcome.ERROR)
            .reason(RejectReason.NONE)
            .aggregateTypeId(0)
            .aggregateId(0)
            .version(0)
            .sequence(0)
            .expectedVersion(SkeinProtocol.ANY_VERSION)
            .rejectCode(0)
            .journalPosition(SkeinProtocol.NULL_POSITION)
            .putPayload(fallbackBuffer, 0, 0)
            .message("the engine failed on this command; see its error log");
        return fallbackEncoder.limit();
    }
}
