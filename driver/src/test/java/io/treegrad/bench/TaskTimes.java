package io.treegrad.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;

/**
 * A {@link SparkListener} that keeps, per job group, Spark's own timestamps and task metrics of
 * every job: when the job started and ended on the driver, and for each task its launch and finish
 * time, executor deserialize time, run time, result serialization time, getting-result time,
 * result size and the executor JVM's GC time during the task. The benchmark runs each measured step in a job group of its own
 * ({@code SparkContext.setJobGroup}) and reads the step's jobs back with {@link #jobs(String)}.
 *
 * <p>All times are the driver's wall clock in ms (Spark's resolution), except the executor-side
 * durations, which are the executor's own (also ms).
 */
public final class TaskTimes extends SparkListener {
    /** One task's timestamps and metrics. {@code schedulerDelayMs} as Spark's UI computes it. */
    public record Task(int stageId, long launchMs, long finishMs, long deserializeMs, long runMs,
                       long resultSerializeMs, long gettingResultMs, long resultBytes, long gcMs) {
        public long durationMs() {
            return finishMs - launchMs;
        }

        /** Task time on neither side's clock: shipping the task and its result, queueing (Spark's UI definition). */
        public long schedulerDelayMs() {
            return Math.max(0, durationMs() - runMs - deserializeMs - resultSerializeMs - gettingResultMs);
        }
    }

    /** One job: its driver-side start and end (ms) and its tasks, over all its stages. */
    public record Job(int jobId, String group, long startMs, long endMs, int stages, List<Task> tasks) {
        public long spanMs() {
            return endMs - startMs;
        }

        /** The task that finished last: the end of the job's critical path. */
        public Task critical() {
            Task last = null;
            for (Task t : tasks) {
                if (last == null || t.finishMs() > last.finishMs()) {
                    last = t;
                }
            }
            return last;
        }

        /** The longest executor run time of any task: the slowest task's work. */
        public long slowestRunMs() {
            long m = 0;
            for (Task t : tasks) {
                m = Math.max(m, t.runMs());
            }
            return m;
        }
    }

    private final Map<Integer, Integer> stageToJob = new ConcurrentHashMap<>();
    private final Map<Integer, List<Task>> tasksByJob = new ConcurrentHashMap<>();
    private final Map<Integer, long[]> started = new ConcurrentHashMap<>();   // jobId -> {startMs, stages}
    private final Map<Integer, String> groups = new ConcurrentHashMap<>();
    private final List<Job> finished = new ArrayList<>();

    /** Registers a new listener on {@code sc}. */
    public static TaskTimes on(SparkContext sc) {
        TaskTimes t = new TaskTimes();
        sc.addSparkListener(t);
        return t;
    }

    @Override
    public void onJobStart(SparkListenerJobStart e) {
        String group = e.properties() == null ? null : e.properties().getProperty("spark.jobGroup.id");
        groups.put(e.jobId(), group == null ? "" : group);
        started.put(e.jobId(), new long[] {e.time(), e.stageIds().size()});
        tasksByJob.put(e.jobId(), java.util.Collections.synchronizedList(new ArrayList<>()));
        scala.collection.Iterator<Object> it = e.stageIds().iterator();
        while (it.hasNext()) {
            stageToJob.put((Integer) it.next(), e.jobId());
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
        Integer job = stageToJob.get(e.stageId());
        TaskMetrics m = e.taskMetrics();
        TaskInfo i = e.taskInfo();
        if (job == null || m == null) {
            return;
        }
        tasksByJob.get(job).add(new Task(e.stageId(), i.launchTime(), i.finishTime(), m.executorDeserializeTime(),
                m.executorRunTime(), m.resultSerializationTime(), i.gettingResultTime() == 0 ? 0
                        : i.finishTime() - i.gettingResultTime(), m.resultSize(), m.jvmGCTime()));
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd e) {
        long[] s = started.remove(e.jobId());
        if (s == null) {
            return;
        }
        Job job = new Job(e.jobId(), groups.remove(e.jobId()), s[0], e.time(), (int) s[1],
                List.copyOf(tasksByJob.remove(e.jobId())));
        stageToJob.values().removeIf(j -> j == e.jobId());
        synchronized (finished) {
            finished.add(job);
            finished.notifyAll();
        }
    }

    /**
     * The finished jobs of {@code group} in job order, waiting up to 10 s for the listener bus to
     * deliver {@code expected} of them (events arrive asynchronously after the job returns).
     */
    public List<Job> jobs(String group, int expected) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        synchronized (finished) {
            while (true) {
                List<Job> mine = new ArrayList<>();
                for (Job j : finished) {
                    if (group.equals(j.group())) {
                        mine.add(j);
                    }
                }
                if (mine.size() >= expected || System.currentTimeMillis() > deadline) {
                    mine.sort(java.util.Comparator.comparingInt(Job::jobId));
                    return mine;
                }
                finished.wait(100);
            }
        }
    }

    /** Forgets finished jobs (a long benchmark would otherwise keep every task). */
    public void clear() {
        synchronized (finished) {
            finished.clear();
        }
    }

    /** Counts of finished jobs by group, for diagnostics. */
    Map<String, Integer> groupCounts() {
        Map<String, Integer> c = new HashMap<>();
        synchronized (finished) {
            for (Job j : finished) {
                c.merge(j.group(), 1, Integer::sum);
            }
        }
        return c;
    }
}
