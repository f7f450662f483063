package io.skein.engine;

import io.skein.aggregate.Aggregate;

/**
 * Test support: the engine tests' sample aggregate, for tests in other packages.
 */
public final class TestAggregates
{
    private TestAggregates()
    {
    }

    /**
     * A new tally aggregate.
     *
     * @return the aggregate.
     */
    public static Aggregate<?> tally()
    {
        return new AggregateFixtureTest.Tally();
    }
}
