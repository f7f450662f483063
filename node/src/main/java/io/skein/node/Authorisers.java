package io.skein.node;

/**
 * The authorisers a node offers out of the box.
 */
public final class Authorisers
{
    private Authorisers()
    {
    }

    /**
     * The default: admin actions for sessions whose principal is {@link Authoriser#OPERATOR}, nothing for others.
     *
     * @return an authoriser that lets only operators do admin.
     */
    public static Authoriser operatorsOnly()
    {
        return (principal, action) -> Authoriser.OPERATOR.equals(principal);
    }

    /**
     * Every session may do every admin action: for an embedding whose ingress only trusted code can reach.
     *
     * @return an authoriser allowing everything.
     */
    public static Authoriser allowAll()
    {
        return (principal, action) -> true;
    }
}
