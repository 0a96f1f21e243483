package io.treegrad.bench;

import io.treegrad.driver.spark.DistributedTrainer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where one treegrad step's wall time went, in ms, from the trainer's own {@link
 * DistributedTrainer.StepTiming} and Spark's timestamps for the step's job ({@link TaskTimes}). The
 * critical task is the one that finished last.
 *
 * <pre>
 * wall      = broadcast + job + update + other          (other: the benchmark loop; ~0)
 * job       = the trainer's compute + aggregation       (treeAggregate call to return)
 *           = schedule + serialize + compute + taskOther + aggregate
 * schedule  = critical task's launch − job start  +  its scheduler delay (shipping task and result, queueing)
 * serialize = critical task's executor deserialize + result serialization time
 * compute   = slowest task's forward + backward, measured in the task (StepTiming.computeMs)
 * taskOther = slowest task's executor run time − compute (broadcast fetch, the seqOp merge)
 * aggregate = the rest of the job: job submission, getting the result, driver-side merges, job end
 * </pre>
 * Spark's timestamps have ms resolution; {@code aggregate} is the remainder, so the parts add up to
 * the wall by construction, and the consistency of Spark's timestamps with the measured job time is
 * what {@link #listenerGapMs()} reports (the job's span on Spark's clock minus the measured job time).
 */
record StepSplit(double wallMs, double broadcastMs, double scheduleMs, double serializeMs, double computeMs,
                 double taskOtherMs, double aggregateMs, double updateMs, double otherMs, double listenerGapMs,
                 long resultBytes) {
    static final String[] PARTS = {"schedule", "compute", "task_other", "serialize", "aggregate", "update", "broadcast"};

    static StepSplit of(double wallMs, DistributedTrainer.StepTiming t, TaskTimes.Job job) {
        TaskTimes.Task c = job.critical();
        double jobMs = t.computeMs() + t.aggregationMs();
        double schedule = (c.launchMs() - job.startMs()) + c.schedulerDelayMs();
        double serialize = c.deserializeMs() + c.resultSerializeMs();
        double taskOther = job.slowestRunMs() - t.computeMs();   // both maxima over the tasks
        double aggregate = jobMs - schedule - serialize - t.computeMs() - taskOther;
        double other = wallMs - t.broadcastMs() - jobMs - t.updateMs();
        return new StepSplit(wallMs, t.broadcastMs(), schedule, serialize, t.computeMs(), taskOther, aggregate,
                t.updateMs(), other, job.spanMs() - jobMs, c.resultBytes());
    }

    /**
     * A gang-transport step (no Spark job): broadcast = copying the parameters out and sending them to
     * the tasks, compute = the slowest task's, aggregate = the rest of the exchange (the tasks'
     * gradient encode and send, the driver's receive, decode and merge); no schedule or serialize.
     */
    static StepSplit ofGang(double wallMs, DistributedTrainer.StepTiming t, long resultBytes) {
        double other = wallMs - t.broadcastMs() - t.computeMs() - t.aggregationMs() - t.updateMs();
        return new StepSplit(wallMs, t.broadcastMs(), 0, 0, t.computeMs(), 0, t.aggregationMs(), t.updateMs(), other,
                0, resultBytes);
    }

    double part(String name) {
        return switch (name) {
            case "schedule" -> scheduleMs;
            case "compute" -> computeMs;
            case "task_other" -> taskOtherMs;
            case "serialize" -> serializeMs;
            case "aggregate" -> aggregateMs;
            case "update" -> updateMs;
            case "broadcast" -> broadcastMs;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * Median wall; the split as means over the middle half of the steps by wall (the interquartile
     * steps: robust to a shared machine's outliers, and the parts still add up to their mean wall);
     * compute share = that mean compute / that mean wall.
     */
    static Map<String, Object> summary(List<StepSplit> all) {
        Map<String, Object> m = new LinkedHashMap<>();
        double[] walls = all.stream().mapToDouble(StepSplit::wallMs).toArray();
        List<StepSplit> steps = interquartile(all);
        double meanWall = steps.stream().mapToDouble(StepSplit::wallMs).average().orElse(Double.NaN);
        m.put("wall_ms_median", median(walls));
        m.put("wall_ms_mean", meanWall);
        m.put("steps_measured", all.size());
        m.put("steps_in_split", steps.size());
        Map<String, Object> mean = new LinkedHashMap<>();
        for (String p : PARTS) {
            mean.put(p, steps.stream().mapToDouble(s -> s.part(p)).average().orElse(Double.NaN));
        }
        mean.put("other", steps.stream().mapToDouble(StepSplit::otherMs).average().orElse(Double.NaN));
        m.put("mean_ms", mean);
        m.put("compute_share", (Double) mean.get("compute") / meanWall);
        m.put("listener_gap_ms_median", median(steps.stream().mapToDouble(StepSplit::listenerGapMs).toArray()));
        m.put("result_bytes", steps.get(steps.size() - 1).resultBytes());
        return m;
    }

    /** The steps between the first and third quartile of wall time (all of them when fewer than 4). */
    static List<StepSplit> interquartile(List<StepSplit> steps) {
        List<StepSplit> sorted = steps.stream().sorted(java.util.Comparator.comparingDouble(StepSplit::wallMs)).toList();
        int n = sorted.size();
        return n < 4 ? sorted : sorted.subList(n / 4, n - n / 4);
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static String header() {
        return String.format(Locale.ROOT, "%-10s %-38s %-5s %3s %3s %5s  %8s  %6s  %s", "env", "variant", "model", "P",
                "d", "rows", "wall ms", "comp%", "schedule / compute / task other / serialize / aggregate / update / broadcast  (ms)");
    }

    static String line(Map<String, Object> r) {
        Map<?, ?> mean = (Map<?, ?>) r.get("mean_ms");
        StringBuilder parts = new StringBuilder();
        for (String p : PARTS) {
            parts.append(parts.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.1f", (Double) mean.get(p)));
        }
        return String.format(Locale.ROOT, "%-10s %-38s %-5s %3d %3d %5s  %8.1f  %5.1f%%  %s", r.get("env"), r.get("variant"),
                r.get("model"), (Integer) r.get("partitions"), (Integer) r.get("depth"),
                r.get("rows_per_task") + "x" + r.get("steps_per_round"), (Double) r.get("wall_ms_median"),
                100 * (Double) r.get("compute_share"), parts);
    }
}
