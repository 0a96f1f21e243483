package io.treegrad.driver.spark;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Time limits for Spark jobs: the work runs in a job group of its own, which a watchdog thread
 * cancels (interrupting the tasks) once the limit passes. A stuck executor or task, or a cluster
 * that never gives the application an executor, fails the run loudly instead of hanging it.
 */
public final class JobWatchdog {
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "treegrad-job-watchdog");
        t.setDaemon(true);
        return t;
    });
    private static final AtomicLong GROUPS = new AtomicLong();

    private JobWatchdog() {}

    /** Spark work did not finish within its time limit and was cancelled. */
    public static final class JobTimeoutException extends RuntimeException {
        public JobTimeoutException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Runs {@code work} (any number of Spark jobs, submitted from this thread) with a limit of
     * {@code timeoutSeconds} (0 or less: none); {@code what} names it in the error.
     */
    public static <T> T limited(JavaSparkContext jsc, long timeoutSeconds, String what, Supplier<T> work) {
        if (timeoutSeconds <= 0) {
            return work.get();
        }
        String group = "treegrad-" + GROUPS.incrementAndGet();
        AtomicBoolean fired = new AtomicBoolean();
        jsc.setJobGroup(group, "treegrad: " + what, true);
        ScheduledFuture<?> alarm = WATCHDOG.schedule(() -> {
            fired.set(true);
            jsc.cancelJobGroup(group);
        }, timeoutSeconds, TimeUnit.SECONDS);
        try {
            return work.get();
        } catch (Exception e) {   // Spark throws SparkException, a checked exception, from Scala
            if (fired.get()) {
                throw new JobTimeoutException(what + " did not finish within " + timeoutSeconds + " s"
                        + " (training.job_timeout_seconds), so its Spark job was cancelled: a stuck executor, or a"
                        + " cluster that runs no executor for this application? Nothing was written for it; the"
                        + " last checkpoint is intact (train --resume)", e);
            }
            throw e;
        } finally {
            alarm.cancel(false);
            jsc.clearJobGroup();
        }
    }
}
