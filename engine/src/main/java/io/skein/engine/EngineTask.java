package io.skein.engine;

/**
 * Work that must run on the single writer between commands, with the writer's view of all state: state hashes,
 * snapshots on demand, inspection. Travels through the input ring like a command.
 */
interface EngineTask
{
    /**
     * Run on the writer thread.
     *
     * @param executor owning all aggregate state.
     */
    void run(CommandExecutor executor);
}
