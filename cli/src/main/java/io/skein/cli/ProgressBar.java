package io.skein.cli;

import java.io.PrintStream;

/**
 * A one-line progress bar redrawn in place: done of total, percentage and rate.
 */
final class ProgressBar
{
    private static final int WIDTH = 40;
    private final PrintStream out;
    private final long total;
    private final String unit;

    ProgressBar(final PrintStream out, final long total, final String unit)
    {
        this.out = out;
        this.total = Math.max(1, total);
        this.unit = unit;
    }

    void update(final long done, final long elapsedNs)
    {
        final long clamped = Math.min(done, total);
        final int filled = (int)(WIDTH * clamped / total);
        final double rate = elapsedNs > 0 ? done / (elapsedNs / 1e9) : 0;
        out.printf("\r[%s%s] %3d%%  %,d/%,d  %,.0f %s/s ", "#".repeat(filled), ".".repeat(WIDTH - filled),
            100 * clamped / total, done, total, rate, unit);
        out.flush();
    }

    void finish(final long done, final long elapsedNs)
    {
        update(done, elapsedNs);
        out.println();
    }
}
