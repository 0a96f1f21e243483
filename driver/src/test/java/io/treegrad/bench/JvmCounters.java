package io.treegrad.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;

/**
 * What the JVMs and the machine did while a configuration was measured, to tell a warming-up JVM
 * from a loaded machine: per JVM (the driver, and each executor of a cluster) the JIT compiler's
 * time, the garbage collectors' time and count, the process's CPU time and committed heap; for the
 * machine, the CPU time of all processes (from {@code /proc/stat}) and the 1-minute load average.
 * {@link #snapshot} reads them, {@link #since} gives the change as a JSON-ready map.
 *
 * <p>"others_cpu_ms" = the machine's busy CPU time minus our JVMs' CPU time over the interval: what
 * other processes (builds, another benchmark, the cluster's master and worker daemons) took from the
 * two cores while we measured.
 */
record JvmCounters(Map<String, double[]> jvms, double busyMs, double atMs, double loadAverage) {
    /** Fields of one JVM's reading, in {@link #read()}'s order. */
    static final String[] FIELDS = {"jit_ms", "gc_ms", "gc_count", "cpu_ms", "heap_committed_mb"};

    /** This JVM's counters. */
    static double[] read() {
        double gcMs = 0;
        double gcCount = 0;
        for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcMs += Math.max(0, g.getCollectionTime());
            gcCount += Math.max(0, g.getCollectionCount());
        }
        double cpu = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() / 1e6 : Double.NaN;
        return new double[] {ManagementFactory.getCompilationMXBean().getTotalCompilationTime(), gcMs, gcCount, cpu,
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / 1048576.0};
    }

    /**
     * The driver's counters and, where the shards live in other JVMs, each executor's (one tiny job
     * over the cached shards: a task per partition, read where it runs; in local mode the executor is
     * the driver and is not read twice).
     */
    static JvmCounters snapshot(JavaRDD<?> shards) {
        Map<String, double[]> jvms = new TreeMap<>();
        jvms.put("driver", read());
        if (shards != null) {
            List<String> seen = shards.mapPartitions(it -> {
                SparkEnv env = SparkEnv.get();
                String id = env == null ? "driver" : env.executorId();
                double[] r = read();
                StringBuilder b = new StringBuilder(id);
                for (double v : r) {
                    b.append(',').append(v);
                }
                return List.of(b.toString()).iterator();
            }).collect();
            for (String s : seen) {
                String[] f = s.split(",");
                if (!f[0].equals("driver")) {
                    double[] v = new double[f.length - 1];
                    for (int i = 1; i < f.length; i++) {
                        v[i - 1] = Double.parseDouble(f[i]);
                    }
                    jvms.put("executor " + f[0], v);
                }
            }
        }
        return new JvmCounters(jvms, machineBusyMs(), System.nanoTime() / 1e6, load1());
    }

    /** The change from {@code before} to this reading: per JVM, then the machine's. */
    Map<String, Object> since(JvmCounters before) {
        Map<String, Object> out = new LinkedHashMap<>();
        double ours = 0;
        for (Map.Entry<String, double[]> e : jvms.entrySet()) {
            double[] b = before.jvms().get(e.getKey());
            if (b == null) {
                continue;   // an executor that was not there before (relaunched): no interval
            }
            Map<String, Object> d = new LinkedHashMap<>();
            for (int i = 0; i < FIELDS.length; i++) {
                d.put(FIELDS[i], i == FIELDS.length - 1 ? e.getValue()[i] : e.getValue()[i] - b[i]);
            }
            ours += e.getValue()[3] - b[3];
            out.put(e.getKey(), d);
        }
        double wall = atMs - before.atMs();
        double busy = busyMs - before.busyMs();
        out.put("wall_ms", wall);
        out.put("machine_busy_ms", busy);
        out.put("others_cpu_ms", busy - ours);
        out.put("others_cores", (busy - ours) / wall);
        out.put("load1", loadAverage);
        return out;
    }

    /** Sums a field over the executors of a {@link #since} map (0 in local mode, where there are none). */
    static double executorsTotal(Map<String, Object> since, String field) {
        double t = 0;
        for (Map.Entry<String, Object> e : since.entrySet()) {
            if (e.getKey().startsWith("executor ")) {
                t += ((Number) ((Map<?, ?>) e.getValue()).get(field)).doubleValue();
            }
        }
        return t;
    }

    static double field(Map<String, Object> since, String jvm, String field) {
        return since.get(jvm) instanceof Map<?, ?> m ? ((Number) m.get(field)).doubleValue() : 0;
    }

    /** All CPUs' busy time (user + nice + system + irq + softirq + steal) in ms, from /proc/stat; NaN elsewhere. */
    static double machineBusyMs() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            List<Long> v = new ArrayList<>();
            for (int i = 1; i < f.length; i++) {
                v.add(Long.parseLong(f[i]));
            }
            long busy = v.get(0) + v.get(1) + v.get(2) + v.get(5) + v.get(6) + (v.size() > 7 ? v.get(7) : 0);
            return busy * 10.0;   // USER_HZ = 100 on Linux
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The 1-minute load average (what {@code uptime} prints first). */
    static double load1() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** {@code uptime}'s three load averages, as text for the logs. */
    static String loadLine() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return "load " + f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "load n/a";
        }
    }
}
