package io.skein.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code skein} command: one entry point with a subcommand per tool. User mistakes get one clear line and a
 * non-zero exit code, never a stack trace.
 */
@Command(
    name = "skein",
    mixinStandardHelpOptions = true,
    version = "skein 0.1.0-SNAPSHOT",
    description = "Event-sourced business logic at memory speed.",
    subcommands = {
        DemoCommand.class,
        NodeCommand.class,
        ClusterCommand.class,
        LoadCommand.class,
        AdminCommand.class,
        SendCommand.class,
        JournalCommand.class,
        SnapshotCommand.class,
        StateCommand.class,
        HistoryCommand.class,
        EventsCommand.class,
        ProjectionCommand.class,
        CommandLine.HelpCommand.class })
public final class SkeinCli implements Runnable
{
    /**
     * Run the command line.
     *
     * @param args from the shell.
     */
    public static void main(final String[] args)
    {
        System.exit(execute(args));
    }

    /**
     * Run the command line without exiting, for tests.
     *
     * @param args from the shell.
     * @return the exit code.
     */
    public static int execute(final String... args)
    {
        final CommandLine commandLine = new CommandLine(new SkeinCli());
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) ->
        {
            cmd.getErr().println("skein: " + ex.getMessage());
            return 1;
        });
        commandLine.setParameterExceptionHandler((ex, cmdArgs) ->
        {
            final CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("skein: " + ex.getMessage() + " (see " + cmd.getCommandSpec().qualifiedName() +
                " --help)");
            return 2;
        });
        return commandLine.execute(args);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void run()
    {
        CommandLine.usage(this, System.err);
        throw new CommandLine.ParameterException(new CommandLine(this), "no command given");
    }
}
