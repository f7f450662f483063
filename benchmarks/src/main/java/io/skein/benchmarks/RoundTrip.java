package io.skein.benchmarks;

/**
 * One way of sending a request and getting its reply over Aeron, for the end-to-end harness: Skein's client to a
 * node, or a raw Aeron echo of the same message sizes.
 */
interface RoundTrip extends AutoCloseable
{
    /**
     * Receives replies.
     */
    @FunctionalInterface
    interface ReplyHandler
    {
        /**
         * One reply.
         *
         * @param correlationId of the request it answers.
         */
        void onReply(long correlationId);
    }

    /**
     * Try to send a request without blocking.
     *
     * @param correlationId of the request, echoed in its reply.
     * @return true if sent, false if back-pressured.
     */
    boolean offer(long correlationId);

    /**
     * Deliver replies that have arrived.
     *
     * @param handler for each reply.
     * @return the number of replies or other work done.
     */
    int poll(ReplyHandler handler);

    /**
     * {@inheritDoc}
     */
    @Override
    void close();
}
