package io.skein.protocol;

/**
 * Receives events read from the journal, in journal order, one call per event. The flyweight is valid only during
 * the call: copy what is kept (e.g. {@code RecordedEvent.copyOf}).
 */
@FunctionalInterface
public interface EventHandler
{
    /**
     * One event, with its entry's metadata; {@link JournalEvents#position()} is where a reader resumes once the
     * whole entry is handled.
     *
     * @param event positioned on the event.
     * @throws Exception to refuse the event: the reader stops before its entry, and the entry is handed over again
     *                   when it resumes (what happens then is the subscriber's or the projection's error strategy).
     */
    void onEvent(JournalEvents event) throws Exception;
}
