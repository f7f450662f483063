package io.skein.cli;

import java.io.File;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code skein cluster} refuses bad options before it starts anything: one readable line, exit code 2, no member
 * directory created.
 */
class ClusterCommandTest
{
    private static final String MEMBERS = "localhost:9000,localhost:9100,localhost:9200";

    @TempDir
    File parent;

    @Test
    void shouldSayTheMembersAreMissing()
    {
        final File dir = new File(parent, "member-0");
        final CliRun run = cluster("--member", "0", "--dir", dir.getAbsolutePath());
        assertRefused(run, dir);
        assertTrue(run.err.startsWith("skein: missing --members: the cluster's members as host:port,host:port,"),
            run.toString());
        assertTrue(run.err.contains("skein.cluster.members in --config"), run.toString());
    }

    @Test
    void shouldSayWhichMemberIdsTheListHas()
    {
        final File dir = new File(parent, "member-3");
        final CliRun run = cluster("--member", "3", "--members", MEMBERS, "--dir", dir.getAbsolutePath());
        assertRefused(run, dir);
        assertTrue(run.err.startsWith("skein: --member 3 is not one of the 3 members in --members " + MEMBERS +
            " (0 to 2)"), run.toString());
        assertRefused(cluster("--member", "-1", "--members", MEMBERS, "--dir", dir.getAbsolutePath()), dir);
        final CliRun text = cluster("--member", "one", "--members", MEMBERS, "--dir", dir.getAbsolutePath());
        assertRefused(text, dir);
        assertTrue(text.err.contains("--member must be a whole number, not 'one'"), text.toString());
    }

    @Test
    void shouldNameTheMemberWithABadPort()
    {
        final File dir = new File(parent, "member-0");
        final CliRun run = cluster("--member", "0", "--members", "localhost:9000,localhost:notaport,localhost:9200",
            "--dir", dir.getAbsolutePath());
        assertRefused(run, dir);
        assertTrue(run.err.startsWith("skein: --members: cluster member 'localhost:notaport' has no numeric port"),
            run.toString());
        final CliRun high = cluster("--member", "0", "--members", "localhost:9000,localhost:65533", "--dir",
            dir.getAbsolutePath());
        assertRefused(high, dir);
        assertTrue(high.err.contains("cluster member 'localhost:65533': the base port must be between 1 and"),
            high.toString());
    }

    @Test
    void shouldSayAMissingConfigFileDoesNotExist()
    {
        final File dir = new File(parent, "member-0");
        final File missing = new File(parent, "missing.properties");
        final CliRun run = cluster("--config", missing.getAbsolutePath(), "--member", "0", "--members", MEMBERS,
            "--dir", dir.getAbsolutePath());
        assertRefused(run, dir);
        assertTrue(run.err.contains("--config " + missing.getAbsolutePath() + ": no such file"), run.toString());
    }

    private static CliRun cluster(final String... args)
    {
        final String[] all = new String[args.length + 1];
        all[0] = "cluster";
        System.arraycopy(args, 0, all, 1, args.length);
        // A member that wrongly starts would run until interrupted; fail instead of hanging.
        return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> CliRun.run(all));
    }

    private static void assertRefused(final CliRun run, final File dir)
    {
        assertEquals(2, run.exitCode, run.toString());
        final String err = run.err.trim();
        assertEquals(1, err.lines().count(), run.toString());
        assertTrue(err.startsWith("skein: ") && err.endsWith("(see skein cluster --help)"), run.toString());
        assertFalse(err.contains("Exception") || err.contains("\tat "), run.toString());
        assertFalse(run.out.contains("started"), run.toString());
        assertFalse(dir.exists(), "a refused start creates no member directory");
    }
}
