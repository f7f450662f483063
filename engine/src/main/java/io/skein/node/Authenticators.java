package io.skein.node;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The authenticators a node offers out of the box.
 */
public final class Authenticators
{
    private Authenticators()
    {
    }

    /**
     * Accept every client. Fit only for a node whose ingress cannot be reached from other hosts (IPC or loopback).
     *
     * @return an authenticator accepting everyone.
     */
    public static Authenticator allowAll()
    {
        return (credentials, responseChannel) -> null;
    }

    /**
     * Accept clients presenting a shared secret, compared in constant time.
     *
     * @param secret the clients must present as their credentials (UTF-8).
     * @return an authenticator checking the secret.
     */
    public static Authenticator sharedSecret(final String secret)
    {
        if (null == secret || secret.isEmpty())
        {
            throw new IllegalArgumentException("the shared secret must not be empty");
        }
        final byte[] expected = secret.getBytes(StandardCharsets.UTF_8);
        return (credentials, responseChannel) ->
        {
            if (null == credentials || credentials.length == 0)
            {
                return "this node requires credentials (a shared secret)";
            }
            return MessageDigest.isEqual(expected, credentials) ? null : "invalid credentials";
        };
    }
}
