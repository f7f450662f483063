package io.skein.node;

/**
 * Decides whether a client may open a session. Called on the node's ingress thread when a client connects, so it
 * must answer quickly and never block on I/O.
 */
@FunctionalInterface
public interface Authenticator
{
    /**
     * Decide on a connecting client's credentials.
     *
     * @param credentials     the bytes the client sent, possibly empty; valid only during this call.
     * @param responseChannel the channel the client asked its replies on, for authenticators that check the source.
     * @return null to accept the client, or the reason it is refused, which the client is told.
     */
    String authenticate(byte[] credentials, String responseChannel);

    /**
     * Name an accepted client for the {@link Authoriser}, which decides on its admin requests. Called right after
     * {@link #authenticate(byte[], String)} accepted the same credentials.
     *
     * @param credentials     the bytes the client sent, possibly empty; valid only during this call.
     * @param responseChannel the channel the client asked its replies on.
     * @return the principal; by default {@link Authoriser#CLIENT} (commands and queries only).
     */
    default String principal(final byte[] credentials, final String responseChannel)
    {
        return Authoriser.CLIENT;
    }
}
