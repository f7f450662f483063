package io.skein.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skein new}: a project of one's own with one aggregate, from the template in this jar: a pom whose parent is
 * {@code skein-aggregate-parent}, a schema with the aggregate's roles, the aggregate implementing its generated
 * handler interface, its state, a fixture test, a main running it in an embedded engine, and the service file
 * Skein's tools find it by. It builds and its tests pass with no edit.
 */
@Command(name = "new", mixinStandardHelpOptions = true,
    description = "Create a project with one aggregate (schema, aggregate, fixture test, main) that builds with " +
    "'mvn package' once Skein is installed ('mvn install' in Skein's checkout).")
public final class NewCommand implements Callable<Integer>
{
    /**
     * The version of Skein the projects depend on: this build's.
     */
    static final String SKEIN_VERSION = "0.1.0-SNAPSHOT";

    private static final Pattern JAVA_NAME = Pattern.compile("[A-Z][A-Za-z0-9]*");
    private static final Pattern PACKAGE = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");
    private static final Pattern UNFILLED = Pattern.compile("@[A-Z][A-Z_]*@");
    private static final Pattern ARTIFACT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    @Parameters(index = "0", description = "The directory to create (it must not exist, or be empty).")
    private File dir;

    @Option(names = "--aggregate", defaultValue = "Counter",
        description = "The aggregate's class name, such as Counter or ShoppingCart (default: ${DEFAULT-VALUE}).")
    private String aggregate;

    @Option(names = "--package", description = "The Java package (default: com.example.<aggregate in lower case>).")
    private String packageName;

    @Option(names = "--group-id", description = "The Maven group id (default: the package).")
    private String groupId;

    @Option(names = "--artifact-id", description = "The Maven artifact id (default: the directory's name).")
    private String artifactId;

    @Option(names = "--type-id", defaultValue = "100",
        description = "The aggregate type id commands address, 1 to 65535 (default: ${DEFAULT-VALUE}).")
    private int typeId;

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call() throws IOException
    {
        final Map<String, String> values = values();
        if (dir.exists())
        {
            final String[] entries = dir.list();
            if (!dir.isDirectory() || null == entries || entries.length > 0)
            {
                throw new IllegalArgumentException(dir + " already exists and is not an empty directory");
            }
        }
        final String packagePath = values.get("PACKAGE_PATH");
        final String name = values.get("AGGREGATE");
        final Map<String, String> files = new LinkedHashMap<>();
        files.put("pom.xml.tmpl", "pom.xml");
        files.put("README.md.tmpl", "README.md");
        files.put("schema.xml.tmpl", "src/main/resources/" + packagePath + "/" + values.get("SCHEMA_FILE"));
        files.put("services.tmpl", "src/main/resources/META-INF/services/io.skein.aggregate.Aggregate");
        files.put("Aggregate.java.tmpl", "src/main/java/" + packagePath + "/" + name + ".java");
        files.put("State.java.tmpl", "src/main/java/" + packagePath + "/" + name + "State.java");
        files.put("Main.java.tmpl", "src/main/java/" + packagePath + "/Main.java");
        files.put("AggregateTest.java.tmpl", "src/test/java/" + packagePath + "/" + name + "Test.java");
        for (final Map.Entry<String, String> file : files.entrySet())
        {
            final Path target = dir.toPath().resolve(file.getValue());
            Files.createDirectories(target.getParent());
            Files.writeString(target, fill(template(file.getKey()), values));
        }
        System.out.println("Created " + dir + ": aggregate " + values.get("PACKAGE") + "." + name + " (type id " +
            typeId + ", schema " + values.get("SCHEMA_FILE") + ").");
        System.out.println("Next: cd " + dir + " && mvn -q package && mvn -q exec:exec");
        return 0;
    }

    /**
     * The template's placeholders, from the options, checked.
     */
    Map<String, String> values()
    {
        if (!JAVA_NAME.matcher(aggregate).matches())
        {
            throw new IllegalArgumentException("--aggregate must be a Java class name starting with an upper-case " +
                "letter, letters and digits only: " + aggregate);
        }
        final String lower = aggregate.toLowerCase(Locale.ROOT);
        final String pkg = null == packageName ? "com.example." + lower : packageName;
        if (!PACKAGE.matcher(pkg).matches())
        {
            throw new IllegalArgumentException("--package must be a Java package in lower case, such as " +
                "com.example.counter: " + pkg);
        }
        final String artifact = null == artifactId ? dir.getAbsoluteFile().getName() : artifactId;
        if (!ARTIFACT.matcher(artifact).matches())
        {
            throw new IllegalArgumentException("the artifact id (the directory's name unless --artifact-id) must be " +
                "letters, digits, '.', '_' or '-': " + artifact);
        }
        final String group = null == groupId ? pkg : groupId;
        if (!PACKAGE.matcher(group).matches())
        {
            throw new IllegalArgumentException("--group-id must look like a package, such as com.example: " + group);
        }
        if (typeId < 1 || typeId > 65_535)
        {
            throw new IllegalArgumentException("--type-id must be 1 to 65535: " + typeId);
        }
        final Map<String, String> values = new LinkedHashMap<>();
        values.put("SKEIN_VERSION", SKEIN_VERSION);
        values.put("GROUP_ID", group);
        values.put("ARTIFACT_ID", artifact);
        values.put("PACKAGE", pkg);
        values.put("PACKAGE_PATH", pkg.replace('.', '/'));
        values.put("AGGREGATE", aggregate);
        values.put("AGGREGATE_NAME", lower);
        values.put("SCHEMA_FILE", lower + "-schema.xml");
        values.put("SCHEMA_ID", Integer.toString(1000 + typeId % 60_000));
        values.put("TYPE_ID", Integer.toString(typeId));
        return values;
    }

    static String fill(final String template, final Map<String, String> values)
    {
        String text = template;
        for (final Map.Entry<String, String> value : values.entrySet())
        {
            text = text.replace("@" + value.getKey() + "@", value.getValue());
        }
        final Matcher left = UNFILLED.matcher(text);
        if (left.find())
        {
            throw new IllegalStateException("template placeholder left unfilled: " + left.group());
        }
        return text;
    }

    private static String template(final String name)
    {
        try (InputStream in = NewCommand.class.getResourceAsStream("template/" + name))
        {
            if (null == in)
            {
                throw new IllegalStateException("the template " + name + " is missing from this jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
