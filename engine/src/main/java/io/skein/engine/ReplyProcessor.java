package io.skein.engine;

import java.util.concurrent.CountDownLatch;

import com.lmax.disruptor.EventHandler;
import io.skein.codecs.CommandReplyEncoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinProtocol;
import org.agrona.ErrorHandler;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.IdleStrategy;

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
    private final DurabilityGate gate;
    private final IdleStrategy idleStrategy;
    private long durablePosition = Long.MIN_VALUE + 1;
    private boolean journalFailed;
    private volatile boolean abandonWaits;

    ReplyProcessor(
        final EngineCounters counters,
        final ErrorHandler errorHandler,
        final DurabilityGate gate,
        final IdleStrategy idleStrategy)
    {
        this.counters = counters;
        this.errorHandler = errorHandler;
        this.gate = gate;
        this.idleStrategy = idleStrategy;
    }

    /**
     * Counted down when this stage's thread runs: the engine's close waits for it, since the Disruptor's shutdown
     * does not count the backlog of a stage whose thread has not started yet and would halt it with commands in the
     * ring unanswered.
     */
    final CountDownLatch started = new CountDownLatch(1);

    @Override
    public void onStart()
    {
        started.countDown();
    }

    @Override
    public void onEvent(final CommandSlot slot, final long sequence, final boolean endOfBatch)
    {
        final ReplyListener listener = slot.listener;
        slot.listener = null;
        if (!slot.isCommand)
        {
            return;
        }
        final boolean durable = awaitDurable(slot.journalPosition);
        if (null != listener)
        {
            try
            {
                if (slot.replyLength > 0 && durable)
                {
                    listener.onReply(reply.wrapTrusted(slot.reply, 0));
                }
                else if (slot.replyLength > 0)
                {
                    reply.wrap(slot.reply, 0, slot.replyLength);
                    listener.onReply(reply.wrap(fallbackBuffer, 0, failedReply(reply, journalFailed ?
                        "the journal failed before this command's entry was known to be durable: it may or may not " +
                        "have taken effect; resend it with the same idempotency key once the engine is back" :
                        "the engine closed before this command's entry was known to be durable: it may or may not " +
                        "have taken effect; resend it with the same idempotency key once the engine is back")));
                }
                else
                {
                    listener.onReply(reply.wrap(fallbackBuffer, 0, failedReply(null,
                        "the engine failed on this command; see its error log")));
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
     * Stop waiting for durability: the engine is closing and its shutdown timeout has passed. Every reply still
     * waiting, and every later one not yet durable, is answered UNKNOWN at once.
     */
    void abandonWaits()
    {
        abandonWaits = true;
    }

    /**
     * Hold the reply stage until the journal is durable to the position, or has failed. A position already known
     * durable stays durable after a failure.
     *
     * @return true if durable (or nothing to wait for), false if the journal failed first.
     */
    private boolean awaitDurable(final long position)
    {
        if (null == gate || SkeinProtocol.NULL_POSITION == position || position <= durablePosition)
        {
            return true;
        }
        if (journalFailed)
        {
            return false;
        }
        idleStrategy.reset();
        while (true)
        {
            final long current = gate.durablePosition();
            if (DurabilityGate.FAILED == current)
            {
                journalFailed = true;
                return false;
            }
            durablePosition = Math.max(durablePosition, current);
            if (current >= position)
            {
                return true;
            }
            if (abandonWaits)
            {
                return false;
            }
            idleStrategy.idle();
        }
    }

    /**
     * A command the caller cannot be told the outcome of: a writer defect, or a journal failure before the entry was
     * known durable. Still give the caller its one reply: UNKNOWN where the entry may be in the journal (resend with
     * the same key), ERROR for a writer defect.
     */
    private int failedReply(final Reply original, final String message)
    {
        fallbackEncoder.wrapAndApplyHeader(fallbackBuffer, 0, headerEncoder)
            .correlationId(null == original ? 0 : original.correlationId())
            .outcome(null == original ? Outcome.ERROR : Outcome.UNKNOWN)
            .reason(null == original ? RejectReason.NONE : RejectReason.UNAVAILABLE)
            .aggregateTypeId(null == original ? 0 : original.aggregateTypeId())
            .aggregateId(null == original ? 0 : original.aggregateId())
            .version(0)
            .sequence(0)
            .expectedVersion(null == original ? SkeinProtocol.ANY_VERSION : original.expectedVersion())
            .rejectCode(0)
            .journalPosition(SkeinProtocol.NULL_POSITION)
            .putPayload(fallbackBuffer, 0, 0)
            .message(message);
        return fallbackEncoder.limit();
    }
}
