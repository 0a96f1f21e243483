package io.treegrad.driver.run;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;

/**
 * This JVM's memory, for the metrics log and the soak check: the Java heap as the last garbage
 * collection left it (what is really live, unlike the sawtooth of {@code used}), and the resident
 * set size, which also counts ND4J's off-heap buffers and native libraries (ND4J's CPU buffers are
 * not counted by JavaCPP's own tracker, so RSS is the measure that sees them). In local mode the
 * executors run in this JVM, so this is the whole run's memory.
 *
 * @param heapAfterGcMb heap in use right after the last collection (-1 before the first one)
 * @param heapCommittedMb heap the JVM has reserved from the OS
 * @param rssMb         resident set size
 */
public record MemoryUse(double heapAfterGcMb, double heapCommittedMb, double rssMb) {
    private static final double MB = 1024.0 * 1024.0;

    public static MemoryUse now() {
        return new MemoryUse(heapAfterLastGc() / MB, Runtime.getRuntime().totalMemory() / MB,
                Pointer.physicalBytes() / MB);
    }

    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("heap_after_gc", heapAfterGcMb);
        m.put("heap_committed", heapCommittedMb);
        m.put("rss", rssMb);
        return m;
    }

    /** Bytes of heap in use after the most recent collection of any collector, or -1 if none ran yet. */
    private static long heapAfterLastGc() {
        long newestEnd = -1;
        long bytes = -1;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!(gc instanceof com.sun.management.GarbageCollectorMXBean sun) || sun.getLastGcInfo() == null) {
                continue;
            }
            var info = sun.getLastGcInfo();
            if (info.getEndTime() <= newestEnd) {
                continue;
            }
            newestEnd = info.getEndTime();
            long used = 0;
            for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
                MemoryUsage after = info.getMemoryUsageAfterGc().get(pool.getName());
                if (pool.getType() == MemoryType.HEAP && after != null) {
                    used += after.getUsed();
                }
            }
            bytes = used;
        }
        return bytes;
    }
}
