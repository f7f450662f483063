package io.skein.cli;

import io.skein.protocol.SkeinException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

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
        NewCommand.class,
        NodeCommand.class,
        ClusterCommand.class,
        LoadCommand.class,
        AdminCommand.class,
        SendCommand.class,
        JournalCommand.class,
        SnapshotCommand.class,
        SchemaCommand.class,
        StateCommand.class,
        HistoryCommand.class,
        EventsCommand.class,
        ProjectionCommand.class,
        CommandLine.HelpCommand.class })
public final class SkeinCli implements Runnable
{
    /**
     * Where the user's aggregates are, for every command: {@code skein node --classpath target/classes}.
     *
     * @param classpath directories, jars and {@code dir/*}, separated by the path separator.
     */
    @Option(names = "--classpath", scope = ScopeType.INHERIT, paramLabel = "PATH",
        description = "Directories, jars and dir/* holding your aggregates (registered in " +
        "META-INF/services/io.skein.aggregate.Aggregate) and their schemas, separated by the path separator " +
        "(: on Linux); or set " +
        UserClasspath.ENVIRONMENT + ".")
    void classpath(final String classpath)
    {
        UserClasspath.install(classpath);
    }

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
        final ClassLoader original = Thread.currentThread().getContextClassLoader();
        final CommandLine commandLine = new CommandLine(new SkeinCli());
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) ->
        {
            cmd.getErr().println("skein: " + ex.getMessage() + hint(ex));
            return 1;
        });
        commandLine.setParameterExceptionHandler((ex, cmdArgs) ->
        {
            final CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("skein: " + ex.getMessage() + " (see " + cmd.getCommandSpec().qualifiedName() +
                " --help)");
            return 2;
        });
        try
        {
            UserClasspath.install(System.getenv(UserClasspath.ENVIRONMENT));
            return commandLine.execute(args);
        }
        catch (final IllegalArgumentException ex)
        {
            commandLine.getErr().println("skein: " + ex.getMessage());
            return 2;
        }
        finally
        {
            Thread.currentThread().setContextClassLoader(original);
        }
    }

    /**
     * What to do about a journal holding an aggregate type no jar on the classpath defines.
     */
    private static String hint(final Exception ex)
    {
        return ex instanceof SkeinException && String.valueOf(ex.getMessage()).contains("unknown aggregate type") ?
            " (the jar or classes defining that aggregate type are not on this tool's classpath: give them with " +
            "--classpath, or set " + UserClasspath.ENVIRONMENT + ")" : "";
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
