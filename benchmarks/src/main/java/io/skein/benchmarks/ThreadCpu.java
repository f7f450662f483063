package io.skein.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * CPU time per thread of this process over an interval, for reporting which threads a measurement kept busy.
 */
final class ThreadCpu
{
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> before;
    private final long startNs;

    private ThreadCpu()
    {
        before = sample(threads);
        startNs = System.nanoTime();
    }

    /**
     * Start an interval now.
     *
     * @return the interval.
     */
    static ThreadCpu start()
    {
        return new ThreadCpu();
    }

    /**
     * The busiest threads since the start, as percentages of one core, threads of the same name summed.
     *
     * @param count how many to name.
     * @return text such as {@code "skein-node-writer 92%, archive-conductor 40%"}.
     */
    String busiest(final int count)
    {
        final long elapsedNs = System.nanoTime() - startNs;
        final Map<Long, Long> after = sample(threads);
        final Map<String, Long> byName = new HashMap<>();
        for (final Map.Entry<Long, Long> entry : after.entrySet())
        {
            final Long was = before.get(entry.getKey());
            final ThreadInfo info = threads.getThreadInfo(entry.getKey());
            if (null != info)
            {
                final String name = info.getThreadName().replaceAll("/tmp/[^ ]*/aeron", "driver");
                byName.merge(name, entry.getValue() - (null == was ? 0 : was), Long::sum);
            }
        }
        final List<Map.Entry<String, Long>> busiest = new ArrayList<>(byName.entrySet());
        busiest.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(count, busiest.size()); i++)
        {
            out.append(i > 0 ? ", " : "").append(busiest.get(i).getKey()).append(String.format(Locale.ROOT, " %.0f%%",
                100.0 * busiest.get(i).getValue() / elapsedNs));
        }
        return out.toString();
    }

    /**
     * CPU time of every live thread of this process.
     *
     * @param threads the JVM's thread bean.
     * @return nanoseconds of CPU by thread id.
     */
    static Map<Long, Long> sample(final ThreadMXBean threads)
    {
        final Map<Long, Long> cpu = new HashMap<>();
        for (final long id : threads.getAllThreadIds())
        {
            final long time = threads.getThreadCpuTime(id);
            if (time >= 0)
            {
                cpu.put(id, time);
            }
        }
        return cpu;
    }
}
