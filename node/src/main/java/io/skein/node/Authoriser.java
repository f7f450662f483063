package io.skein.node;

import io.skein.codecs.AdminAction;

/**
 * Decides whether a session may perform an admin action (promote, snapshot, state hash, time travel...). Commands and
 * queries are every authenticated session's right; admin actions are not. The principal is what the
 * {@link Authenticator} named the session when it connected. Called on the node's ingress thread, so it must answer
 * quickly and never block on I/O.
 */
@FunctionalInterface
public interface Authoriser
{
    /**
     * The principal of an ordinary client: commands and queries only, under the default authoriser.
     */
    String CLIENT = "client";

    /**
     * The principal of an operator: admin actions too, under the default authoriser.
     */
    String OPERATOR = "operator";

    /**
     * Decide on an admin request.
     *
     * @param principal the session's principal, as its authenticator named it.
     * @param action    the admin action asked for.
     * @return true to perform it, false to refuse it (the session is told, and nothing changes).
     */
    boolean isAuthorised(String principal, AdminAction action);

    /**
     * Whether a session may follow the node's events (an event subscription). By default every authenticated
     * session may: a read model is an ordinary client.
     *
     * @param principal the session's principal.
     * @return true to allow it.
     */
    default boolean isAuthorisedToRead(final String principal)
    {
        return true;
    }
}
