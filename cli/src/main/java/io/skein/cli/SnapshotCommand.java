package io.skein.cli;

import java.io.File;
import java.time.Instant;
import java.util.concurrent.Callable;

import io.skein.journal.Journal;
import io.skein.journal.RecordingLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code skein snapshot list}: a stopped node's snapshots. (To take one on a running node: {@code skein admin
 * snapshot}.)
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
    description = "List a stopped node's snapshots (take one on a running node with: skein admin snapshot).",
    subcommands = { SnapshotCommand.ListSnapshots.class })
public final class SnapshotCommand implements Runnable
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
     * {@code skein snapshot list}.
     */
    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "Every snapshot in the recording log: journal position, time, recording, size, and whether " +
        "it is still valid (retention marks purged ones invalid).")
    static final class ListSnapshots implements Callable<Integer>
    {
        @Option(names = "--dir", required = true, description = "The node's directory.")
        private File dir;

        @Override
        public Integer call()
        {
            try (NodeDirectory node = new NodeDirectory(dir))
            {
                final Journal journal = node.journal();
                System.out.printf("journal recording %d: positions %,d to %,d%n", journal.recordingId(),
                    journal.startPosition(), journal.recoveredEndPosition());
                int count = 0;
                for (final RecordingLog.Entry entry : journal.recordingLog().entries())
                {
                    if (entry.type() != RecordingLog.TYPE_SNAPSHOT)
                    {
                        continue;
                    }
                    count++;
                    final long length = entry.isValid() ? journal.recordingLength(entry.recordingId()) : -1;
                    System.out.printf("snapshot at journal position %,d  taken %s  recording %d  %s  %s%n",
                        entry.position(), Instant.ofEpochMilli(entry.timestampMs()), entry.recordingId(),
                        length >= 0 ? String.format("%,d bytes", length) : "purged",
                        entry.isValid() ? "valid" : "invalid (no longer retained)");
                }
                if (0 == count)
                {
                    System.out.println("no snapshots");
                }
            }
            return 0;
        }
    }
}
