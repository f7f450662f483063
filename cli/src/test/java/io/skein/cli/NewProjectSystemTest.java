package io.skein.cli;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.skein.testsupport.ForkedJvm;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The template as a new user meets it: {@code skein new} in an empty directory, then Maven builds the project
 * (codecs and handler interface generated from its schema, compiled, its fixture tests run) and runs its main in an
 * embedded engine, with no edit; then a node runs the project's classes ({@code skein node --classpath}) and
 * {@code skein send}, {@code skein state} and {@code skein journal dump} show its commands and events by name. It
 * runs Maven offline against the local repository, so Skein must have been
 * installed first: run it with {@code mvn install -Psoak}, where every module before this one is installed by then.
 */
@Tag("soak")
class NewProjectSystemTest
{
    private static final long MAVEN_TIMEOUT_S = 600;

    @TempDir
    File dir;

    @Test
    void aNewProjectBuildsPassesItsTestsAndRunsWithNoEdit() throws Exception
    {
        final File project = new File(dir, "counter");
        assertEquals(0, SkeinCli.execute("new", project.getPath()));

        final String build = maven(project, "package");
        assertTrue(build.contains("Tests run: 3, Failures: 0, Errors: 0"), build);
        assertTrue(build.contains("no schema history in "), "the compatibility gate ran, with nothing released: " +
            build);
        assertTrue(new File(project, "target/generated-sources/sbe/com/example/counter/codecs/CounterHandlers.java")
            .isFile(), "the handler interface was generated");

        final String run = maven(project, "-q", "exec:exec");
        assertTrue(run.contains("Add 30 to counter 42: ACCEPTED, version 3"), run);
        assertTrue(run.contains("counter 42: total 60 over 3 additions"), run);

        // The same classes in a node and in the offline tools, which name its commands and events.
        final String classes = new File(project, "target/classes").getAbsolutePath();
        final File nodeDir = new File(dir, "node");
        final String ingress = "aeron:udp?endpoint=localhost:" + freeUdpPort();
        try (ForkedJvm node = ForkedJvm.start("counter-node", dir, List.of("-Xmx256m"), SkeinCli.class,
            "node", "--classpath", classes, "--dir", nodeDir.getPath(), "--ingress", ingress, "--term-length", "65536"))
        {
            node.awaitLine((line) -> line.contains(NodeCommand.READY), TimeUnit.SECONDS.toNanos(60));
            final CliRun add = CliRun.run("send", "--classpath", classes, "--ingress", ingress, "--aggregate",
                "counter:42", "Add", "amount=25");
            assertEquals(0, add.exitCode, add.toString());
            assertTrue(add.out.startsWith("ACCEPTED counter:42 version 1"), add.toString());
            final CliRun get = CliRun.run("send", "--classpath", classes, "--ingress", ingress, "--aggregate",
                "counter:42", "Get");
            assertTrue(get.out.contains("reply Total{total=25, count=1}"), get.toString());
            final CliRun refused = CliRun.run("send", "--classpath", classes, "--ingress", ingress, "--aggregate",
                "counter:42", "Add", "amount=-5");
            assertTrue(refused.out.contains("REJECTED") && refused.out.contains("the amount must be positive"),
                refused.toString());
            node.kill();
        }

        final CliRun state = CliRun.run("state", "--classpath", classes, "--dir", nodeDir.getPath(), "--aggregate",
            "counter:42");
        assertTrue(state.out.contains("counter:42 version 1: CounterState{total=25, count=1}"), state.toString());
        final CliRun dump = CliRun.run("journal", "dump", "--classpath", classes, "--dir", nodeDir.getPath());
        assertEquals(0, dump.exitCode, dump.toString());
        assertTrue(dump.out.contains("counter:42 v1") && dump.out.contains("Added{amount=25}"), dump.toString());

        final CliRun without = CliRun.run("state", "--dir", nodeDir.getPath());
        assertNotEquals(0, without.exitCode, without.toString());
        assertTrue(without.err.contains("unknown aggregate type 100") &&
            without.err.contains("not on this tool's classpath: give them with --classpath"),
            "a tool that meets a type it does not know says which classes are missing: " + without);

        // Released: the schema goes into schema-history/, and a breaking change to it then fails the build.
        final Path schema;
        try (Stream<Path> files = Files.walk(new File(project, "src/main/resources").toPath()))
        {
            schema = files.filter((path) -> path.toString().endsWith("-schema.xml")).findFirst().orElseThrow();
        }
        final File history = new File(project, "schema-history");
        assertTrue(history.mkdirs());
        Files.copy(schema, new File(history, "v1.xml").toPath());
        final String released = maven(project, "process-sources");
        assertTrue(released.contains("checked against 1 released version(s)"), released);
        final String text = Files.readString(schema, StandardCharsets.UTF_8);
        final int added = text.indexOf("name=\"Added\"");
        Files.writeString(schema, text.substring(0, added) +
            text.substring(added).replaceFirst("type=\"int64\"", "type=\"int32\""), StandardCharsets.UTF_8);
        final String broken = maven(project, 1, "process-sources");
        assertTrue(broken.contains("field amount (id 1): type changed from INT64 to INT32"), broken);
    }

    private static int freeUdpPort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private static String maven(final File project, final String... goals) throws IOException, InterruptedException
    {
        return maven(project, 0, goals);
    }

    private static String maven(final File project, final int expectedExit, final String... goals)
        throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of("mvn", "-B", "-o"));
        command.addAll(List.of(goals));
        final File log = new File(project, "maven-" + goals[goals.length - 1].replace(':', '-') + ".log");
        final Process maven = new ProcessBuilder(command).directory(project).redirectErrorStream(true)
            .redirectOutput(log).start();
        if (!maven.waitFor(MAVEN_TIMEOUT_S, TimeUnit.SECONDS))
        {
            maven.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + MAVEN_TIMEOUT_S + " s");
        }
        final String output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
        assertEquals(expectedExit, maven.exitValue(), String.join(" ", command) + " exited " + maven.exitValue() +
            ":\n" + output);
        return output;
    }
}
