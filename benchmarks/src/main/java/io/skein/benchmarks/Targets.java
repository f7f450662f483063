package io.skein.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The performance issue's targets, each with what this run measured and whether it is met: collected from every
 * harness of one suite run and printed at the top of the summary, so no target is left out and none is judged from
 * another run.
 */
final class Targets
{
    private static final List<String> ROWS = new ArrayList<>();

    private Targets()
    {
    }

    /**
     * Record one target's outcome.
     *
     * @param target   what is asked, with its threshold.
     * @param measured what this run gave, with the raw baseline where there is one.
     * @param met      whether the threshold holds; null if the run did not measure it.
     */
    static synchronized void add(final String target, final String measured, final Boolean met)
    {
        ROWS.add("| " + target + " | " + measured + " | " + (null == met ? "not measured" : met ? "met" : "missed") +
            " |");
    }

    /**
     * Record a ratio target where higher is better.
     *
     * @param target   what is asked.
     * @param skein    Skein's figure.
     * @param baseline the raw baseline's figure from the same run.
     * @param floor    the least ratio that meets the target.
     * @param unit     the figures' unit.
     */
    static void ratio(final String target, final double skein, final double baseline, final double floor,
        final String unit)
    {
        if (!(skein > 0) || !(baseline > 0))
        {
            add(target, "missing", null);
            return;
        }
        final double ratio = skein / baseline;
        add(target, String.format(Locale.ROOT, "%.2f (%s against %s %s)", ratio, figure(skein), figure(baseline),
            unit), ratio >= floor);
    }

    /**
     * The table of every target recorded so far, in the order recorded.
     *
     * @return Markdown text.
     */
    static synchronized String table()
    {
        final StringBuilder out = new StringBuilder();
        out.append("| target (performance issue) | this run | |\n|---|---|---|\n");
        for (final String row : ROWS)
        {
            out.append(row).append('\n');
        }
        return out.toString();
    }

    static synchronized void clear()
    {
        ROWS.clear();
    }

    static String figure(final double value)
    {
        if (value >= 1e6)
        {
            return String.format(Locale.ROOT, "%.2f M", value / 1e6);
        }
        if (value >= 1e4)
        {
            return String.format(Locale.ROOT, "%.0f k", value / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
