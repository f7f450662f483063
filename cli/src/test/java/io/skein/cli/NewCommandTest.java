package io.skein.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code skein new} writes a whole project with every placeholder filled, refuses bad names and a directory in use,
 * and names the versions of this build (the aggregate parent's pinned versions must follow Skein's own pom). That the
 * project builds, passes its tests and runs is {@code NewProjectSystemTest}'s (soak profile: it runs Maven).
 */
class NewCommandTest
{
    @TempDir
    File dir;

    @Test
    void writesAProjectWithEveryPlaceholderFilled() throws IOException
    {
        final File project = new File(dir, "shopping");
        assertEquals(0, run(project.getPath(), "--aggregate", "ShoppingCart", "--package", "com.acme.cart",
            "--type-id", "7"));
        final List<String> files;
        try (Stream<Path> walk = Files.walk(project.toPath()))
        {
            files = walk.filter(Files::isRegularFile).map((path) -> project.toPath().relativize(path).toString())
                .sorted().toList();
        }
        assertEquals(List.of("README.md", "pom.xml", "src/main/java/com/acme/cart/Main.java",
            "src/main/java/com/acme/cart/ShoppingCart.java", "src/main/java/com/acme/cart/ShoppingCartState.java",
            "src/main/resources/META-INF/services/io.skein.aggregate.Aggregate",
            "src/main/resources/com/acme/cart/shoppingcart-schema.xml",
            "src/test/java/com/acme/cart/ShoppingCartTest.java"), files);
        for (final String file : files)
        {
            final String text = Files.readString(project.toPath().resolve(file));
            assertFalse(Pattern.compile("@[A-Z][A-Z_]*@").matcher(text).find(), file + " has a placeholder left");
        }
        final String schema = Files.readString(project.toPath().resolve(files.get(6)));
        assertTrue(schema.contains("semanticType=\"skein:command:ShoppingCart\""), schema);
        assertTrue(Files.readString(project.toPath().resolve(files.get(3))).contains("TYPE_ID = 7;"));
        assertEquals("com.acme.cart.ShoppingCart\n", Files.readString(project.toPath().resolve(files.get(5))));
        assertTrue(Files.readString(project.toPath().resolve("pom.xml")).contains("<artifactId>shopping</artifactId>"));
    }

    @Test
    void refusesBadNamesAndADirectoryInUse() throws IOException
    {
        final File used = new File(dir, "used");
        Files.createDirectories(used.toPath());
        Files.writeString(used.toPath().resolve("keep.txt"), "mine");
        assertNotEquals(0, run(used.getPath()));
        assertEquals(List.of("keep.txt"), List.of(used.list()), "nothing written into a directory in use");
        assertNotEquals(0, run(new File(dir, "a").getPath(), "--aggregate", "counter"));
        assertNotEquals(0, run(new File(dir, "b").getPath(), "--aggregate", "Shopping-Cart"));
        assertNotEquals(0, run(new File(dir, "c").getPath(), "--package", "Com.Example"));
        assertNotEquals(0, run(new File(dir, "d").getPath(), "--type-id", "0"));
        assertFalse(new File(dir, "a").exists() || new File(dir, "b").exists() || new File(dir, "c").exists() ||
            new File(dir, "d").exists(), "nothing created for a refused name");
    }

    @Test
    void theAggregateParentPinsTheVersionsOfSkeinsOwnBuild() throws IOException
    {
        final String root = Files.readString(Path.of("../pom.xml"));
        final String parent = Files.readString(Path.of("../aggregate-parent/pom.xml"));
        assertEquals(NewCommand.SKEIN_VERSION, tag(root, "version"), "skein new names this build's version");
        assertEquals(tag(root, "version"), tag(parent, "version"));
        for (final String property : new String[] {"sbe.version", "agrona.version", "junit.version"})
        {
            assertEquals(tag(root, property), tag(parent, property), property);
        }
        assertEquals(tag(root, "version"), tag(parent, "skein.version"));
    }

    /**
     * The first element of this name after the parent block, so a project's own version rather than its parent's.
     */
    private static String tag(final String pom, final String name)
    {
        final int start = pom.contains("</parent>") ? pom.indexOf("</parent>") : pom.indexOf("<artifactId>");
        final Matcher matcher = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</").matcher(pom);
        assertTrue(matcher.find(start), "no <" + name + ">");
        return matcher.group(1);
    }

    private static int run(final String... args)
    {
        return SkeinCli.execute(prepend("new", args));
    }

    private static String[] prepend(final String first, final String[] rest)
    {
        final String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
