package io.skein.node;

import java.util.function.BooleanSupplier;

import io.skein.codecs.AdminAction;
import io.skein.codecs.AdminResponseEncoder;
import io.skein.codecs.AdminStatus;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.codecs.SessionEventCode;
import io.skein.codecs.SessionEventEncoder;
import io.skein.codecs.SubscriptionEventCode;
import io.skein.codecs.SubscriptionEventEncoder;
import org.agrona.ExpandableArrayBuffer;

/**
 * Encodes the node's own messages to a session (session events and admin responses) and sends them. One instance
 * per sending thread.
 */
final class EgressProxy
{
    private static final int MAX_TEXT_LENGTH = 1024;

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(2048);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final SessionEventEncoder eventEncoder = new SessionEventEncoder();
    private final AdminResponseEncoder adminEncoder = new AdminResponseEncoder();
    private final SubscriptionEventEncoder subscriptionEncoder = new SubscriptionEventEncoder();
    private final BooleanSupplier leader;

    EgressProxy(final BooleanSupplier leader)
    {
        this.leader = leader;
    }

    boolean sessionEvent(
        final ClientSession session,
        final long correlationId,
        final SessionEventCode code,
        final int maxCommandLength,
        final String message)
    {
        eventEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(correlationId)
            .sessionId(session.id())
            .code(code)
            .maxCommandLength(maxCommandLength)
            .leader((short)(leader.getAsBoolean() ? 1 : 0))
            .message(clip(message));
        return session.send(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + eventEncoder.encodedLength()) !=
            ClientSession.DROPPED;
    }

    boolean adminResponse(
        final ClientSession session,
        final long correlationId,
        final AdminAction action,
        final AdminStatus status,
        final long value,
        final String message)
    {
        adminEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(correlationId)
            .action(action)
            .status(status)
            .value(value)
            .message(clip(message));
        return session.send(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + adminEncoder.encodedLength()) !=
            ClientSession.DROPPED;
    }

    boolean subscriptionEvent(
        final ClientSession session,
        final long correlationId,
        final long subscriptionId,
        final SubscriptionEventCode code,
        final long fromPosition,
        final String message)
    {
        subscriptionEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .correlationId(correlationId)
            .subscriptionId(subscriptionId)
            .code(code)
            .fromPosition(fromPosition)
            .message(clip(message));
        return session.send(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + subscriptionEncoder.encodedLength()) !=
            ClientSession.DROPPED;
    }

    private static String clip(final String message)
    {
        if (null == message)
        {
            return "";
        }
        final String ascii = message.replaceAll("[^\\x20-\\x7E]", "?");
        return ascii.length() > MAX_TEXT_LENGTH ? ascii.substring(0, MAX_TEXT_LENGTH) : ascii;
    }
}
