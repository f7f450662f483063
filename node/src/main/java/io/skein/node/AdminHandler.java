package io.skein.node;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

import io.skein.codecs.AdminAction;
import io.skein.codecs.AdminStatus;
import io.skein.engine.SkeinEngine;
import io.skein.engine.TimeTravel;
import org.agrona.ErrorHandler;

/**
 * A node's admin requests: the authoriser decides on each (on the principal the session's authenticator named),
 * and an authorised one runs on the admin thread, so actions that wait on the single writer (snapshot, state hash,
 * promote, time travel) never block the ingress. The answer goes back on the session's egress.
 */
final class AdminHandler
{
    private final SkeinNode.Context ctx;
    private final SkeinEngine engine;
    private final NodeCounters counters;
    private final Executor executor;
    private final LongSupplier promoter;
    private final BiConsumer<String, String> repointer;
    private final EgressProxy egress;
    private final Authoriser authoriser;
    private final ErrorHandler errorHandler;

    AdminHandler(
        final SkeinNode.Context ctx,
        final SkeinEngine engine,
        final NodeCounters counters,
        final Executor executor,
        final LongSupplier promoter,
        final BiConsumer<String, String> repointer,
        final EgressProxy egress)
    {
        this.ctx = ctx;
        this.engine = engine;
        this.counters = counters;
        this.executor = executor;
        this.promoter = promoter;
        this.repointer = repointer;
        this.egress = egress;
        this.authoriser = ctx.authoriser();
        this.errorHandler = ctx.errorHandler();
    }

    /**
     * An admin request from a session, decoded and checked by the ingress: refuse it, or hand it to the admin thread.
     * Called on the ingress thread.
     */
    void onRequest(
        final ClientSession session,
        final long correlationId,
        final AdminAction action,
        final long position,
        final int typeId,
        final long aggregateId,
        final String leaderArchive,
        final String leaderStatus)
    {
        boolean authorised;
        try
        {
            authorised = authoriser.isAuthorised(session.principal(), action);
        }
        catch (final RuntimeException ex)
        {
            errorHandler.onError(ex);
            authorised = false;
        }
        if (!authorised)
        {
            counters.adminRefused().incrementRelease();
            egress.adminResponse(session, correlationId, action, AdminStatus.FAILED, 0, "not authorised: " +
                action + " needs operator credentials (the node's operator secret, skein.operator.secret)");
            return;
        }
        try
        {
            executor.execute(new AdminTask(session, correlationId, action, position, typeId, aggregateId,
                leaderArchive, leaderStatus));
        }
        catch (final RejectedExecutionException ex)
        {
            egress.adminResponse(session, correlationId, action, AdminStatus.FAILED, 0, "the node is closing");
        }
    }

    private final class AdminTask implements Runnable
    {
        private final ClientSession session;
        private final long correlationId;
        private final AdminAction action;
        private final long position;
        private final int typeId;
        private final long aggregateId;
        private final String leaderArchive;
        private final String leaderStatus;
        private final EgressProxy proxy = new EgressProxy(() -> true);

        AdminTask(
            final ClientSession session,
            final long correlationId,
            final AdminAction action,
            final long position,
            final int typeId,
            final long aggregateId,
            final String leaderArchive,
            final String leaderStatus)
        {
            this.leaderArchive = leaderArchive;
            this.leaderStatus = leaderStatus;
            this.session = session;
            this.correlationId = correlationId;
            this.action = action;
            this.position = position;
            this.typeId = typeId;
            this.aggregateId = aggregateId;
        }

        @Override
        public void run()
        {
            final long timeoutNs = ctx.adminTimeoutNs();
            try
            {
                final long value;
                String message = "";
                switch (action)
                {
                    case STATE_AS_OF:
                    {
                        final TimeTravel.PointInTime point = new TimeTravel(engine.context().journal(),
                            engine.context().aggregates(), errorHandler).atPosition(position < 0 ? Long.MAX_VALUE :
                            position);
                        if (0 == typeId)
                        {
                            value = point.stateHash();
                            message = "as of position " + point.position() + ": " + point.aggregateCount() +
                                " aggregates";
                        }
                        else
                        {
                            final Object state = point.state(typeId, aggregateId);
                            value = null == state ? 0 : point.version(typeId, aggregateId);
                            message = "as of position " + point.position() + ": " +
                                (null == state ? "does not exist" : String.valueOf(state));
                        }
                        break;
                    }
                    case TAKE_SNAPSHOT:
                        value = engine.takeSnapshot(timeoutNs);
                        break;
                    case STATE_HASH:
                        value = engine.stateHash(timeoutNs);
                        break;
                    case PROMOTE:
                        value = promoter.getAsLong();
                        break;
                    case FOLLOW:
                        repointer.accept(leaderArchive, leaderStatus);
                        value = 0;
                        message = "following the leader at " + leaderArchive + (leaderStatus.isEmpty() ? "" :
                            ", reporting to " + leaderStatus) + "; change skein.leader.archive.control.channel " +
                            "in this node's configuration too, or its next restart follows the old leader";
                        break;
                    default:
                        value = engine.aggregateCount(timeoutNs);
                        break;
                }
                proxy.adminResponse(session, correlationId, action, AdminStatus.OK, value, message);
            }
            catch (final RuntimeException ex)
            {
                proxy.adminResponse(session, correlationId, action, AdminStatus.FAILED, 0, ex.getMessage());
            }
        }
    }
}
