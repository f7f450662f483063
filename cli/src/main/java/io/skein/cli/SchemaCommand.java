package io.skein.cli;

import java.io.File;
import java.util.List;
import java.util.concurrent.Callable;

import io.skein.codegen.SchemaCompatibility;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skein schema}: tools for a domain's SBE schema.
 */
@Command(name = "schema", mixinStandardHelpOptions = true,
    description = "Check a schema change against released schemas.",
    subcommands = { SchemaCommand.Check.class })
public final class SchemaCommand implements Runnable
{
    /**
     * {@inheritDoc}
     */
    @Override
    public void run()
    {
        picocli.CommandLine.usage(this, System.out);
    }

    /**
     * {@code skein schema check}: the compatibility gate, as Skein's own build runs it on its schemas.
     */
    @Command(name = "check", mixinStandardHelpOptions = true,
        description = "Fail (exit 1), naming each message and field, if the current schema breaks SBE's " +
        "compatibility rules against any released one: a removed or retyped field, a moved offset, a shrunk block, " +
        "a reused template id or enum value, an addition without sinceVersion or a version that did not go up.")
    static final class Check implements Callable<Integer>
    {
        @Option(names = "--current", required = true, description = "The schema as it is now.")
        private File current;

        @Parameters(arity = "1..*", description = "Released schemas, or directories of them (*.xml), such as " +
            "schema-history/.")
        private List<String> released;

        /**
         * {@inheritDoc}
         */
        @Override
        public Integer call() throws Exception
        {
            if (!current.isFile())
            {
                throw new IllegalArgumentException("--current " + current + " does not exist");
            }
            final List<File> files = SchemaCompatibility.releasedFiles(released.toArray(new String[0]), 0);
            final List<String> problems = SchemaCompatibility.check(current, files);
            for (final String problem : problems)
            {
                System.out.println(problem);
            }
            if (!problems.isEmpty())
            {
                System.out.println(problems.size() + " breaking change" + (problems.size() == 1 ? "" : "s") +
                    " against " + files.size() + " released schema" + (files.size() == 1 ? "" : "s"));
                return 1;
            }
            System.out.println(current.getName() + " is compatible with " + files.size() + " released schema" +
                (files.size() == 1 ? "" : "s"));
            return 0;
        }
    }
}
