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

    /**
     * Accept clients presenting the client secret, and operators presenting the operator secret (both compared in
     * constant time). Operators are named {@link Authoriser#OPERATOR}, which the default authoriser lets do admin;
     * clients are named {@link Authoriser#CLIENT}.
     *
     * @param clientSecret   the clients must present, or null to accept every client (a node reachable only from
     *                       this host).
     * @param operatorSecret the operators must present, or null for no operators (admin refused to everyone under
     *                       the default authoriser).
     * @return the authenticator.
     */
    public static Authenticator secrets(final String clientSecret, final String operatorSecret)
    {
        if (null != clientSecret && clientSecret.isEmpty() || null != operatorSecret && operatorSecret.isEmpty())
        {
            throw new IllegalArgumentException("a secret must not be empty");
        }
        if (null != clientSecret && clientSecret.equals(operatorSecret))
        {
            throw new IllegalArgumentException("the operator secret must differ from the clients' secret");
        }
        final byte[] client = null == clientSecret ? null : clientSecret.getBytes(StandardCharsets.UTF_8);
        final byte[] operator = null == operatorSecret ? null : operatorSecret.getBytes(StandardCharsets.UTF_8);
        return new Authenticator()
        {
            @Override
            public String authenticate(final byte[] credentials, final String responseChannel)
            {
                if (isOperator(credentials) || null == client)
                {
                    return null;
                }
                if (null == credentials || credentials.length == 0)
                {
                    return "this node requires credentials (a shared secret)";
                }
                return MessageDigest.isEqual(client, credentials) ? null : "invalid credentials";
            }

            @Override
            public String principal(final byte[] credentials, final String responseChannel)
            {
                return isOperator(credentials) ? Authoriser.OPERATOR : Authoriser.CLIENT;
            }

            private boolean isOperator(final byte[] credentials)
            {
                return null != operator && null != credentials && credentials.length > 0 &&
                    MessageDigest.isEqual(operator, credentials);
            }
        };
    }
}
