package io.treegrad.driver.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The Spark session treegrad runs in: embedded {@code local[*]} unless spark-submit set a master. */
public final class Sessions {
    private Sessions() {}

    /**
     * Kryo with required registration (our registrator names every class we ship), one OpenMP
     * thread per executor (parallelism comes from tasks), and the caller's extra settings last.
     */
    public static SparkSession create(String appName, Map<String, String> extra) {
        return create(appName, null, extra);
    }

    /**
     * As {@link #create(String, Map)}, for tasks that compute on {@code device} ({@code training.device}:
     * auto, cpu or gpu). For {@code gpu} on a cluster it asks Spark for one GPU per executor and per
     * task, with {@code jobs/gpu-discovery} (when found under the working directory) as the executors'
     * discovery script, unless those are set already.
     */
    public static SparkSession create(String appName, String device, Map<String, String> extra) {
        SparkConf conf = new SparkConf(true).setAppName(appName);   // picks up spark-submit's spark.* properties
        if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        if (conf.get("spark.master").startsWith("local")) {
            // embedded: nothing listens outside loopback
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        conf.set("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.set("spark.kryo.registrationRequired", "true");
        conf.set("spark.kryo.registrator", TreegradKryoRegistrator.class.getName());
        // a run is thousands of small jobs: keep Spark's status store (held on the driver heap) bounded
        conf.setIfMissing("spark.ui.retainedJobs", "100");
        conf.setIfMissing("spark.ui.retainedStages", "100");
        conf.setIfMissing("spark.ui.retainedTasks", "2000");
        // a task's result (a gradient sum: 4 bytes a parameter) goes back inside the status message up to
        // this size instead of through the block manager (one more round trip and a fetch each step):
        // Spark's default of 1 MB sends a 1M-parameter model's gradient the slow way (bench-spark: its
        // step took 0.6x the time with 128m). Spark caps it at spark.rpc.message.maxSize (128 MB).
        conf.setIfMissing("spark.task.maxDirectResultSize", "128m");
        // the broadcast every step ships is the float parameters, which LZ4 cannot shrink (1M Gaussian
        // weights: 4 278 017 bytes compressed vs 4 275 245 raw), so compressing only costs time: per 1M
        // parameters ~1.5 ms on the driver (TorrentBroadcast.blockifyObject 2.2 -> 0.8 ms) and ~1 ms in
        // every executor that fetches it (1.5 -> 0.5 ms); at 10M 21 -> 8 ms and 15 -> 7 ms (one thread,
        // JIT-warm minimum). Other broadcasts (task binaries, Hadoop confs) are small.
        conf.setIfMissing("spark.broadcast.compress", "false");
        // a barrier job (spark.treegrad.transport=gang) submitted while fewer task slots than its
        // partitions are registered (an executor lost, its replacement starting) is re-checked every
        // interval: 1 s instead of 15, for up to 2 minutes
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s");
        conf.setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "120");
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
        conf.setIfMissing("spark.executorEnv.OPENBLAS_NUM_THREADS", "1");
        if (device != null) {   // the tasks read it from their TrainSpec; here only what Spark must schedule
            Path script = Path.of("jobs", "gpu-discovery").toAbsolutePath();
            Devices.sparkDefaults(device, conf.get("spark.master").startsWith("local"),
                    Files.isExecutable(script) ? script.toString() : null, conf::contains).forEach(conf::set);
        }
        extra.forEach(conf::set);
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
