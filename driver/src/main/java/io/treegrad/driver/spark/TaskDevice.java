package io.treegrad.driver.spark;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the running task's thread to its device before it computes: the facts come from Spark
 * ({@code TaskContext.resources()}, the master) and ND4J (the backend, the GPUs it sees),
 * the decision from {@link Devices#decide}. The only place that tells ND4J which GPU to use.
 */
final class TaskDevice {
    private static final Logger LOG = LoggerFactory.getLogger(TaskDevice.class);
    /** Each note is logged once per executor JVM. */
    private static final Set<String> SAID = ConcurrentHashMap.newKeySet();
    /** The GPU this thread is bound to, or null. */
    private static final ThreadLocal<Integer> BOUND = new ThreadLocal<>();

    private TaskDevice() {}

    /**
     * Binds the calling task's thread to the device {@code training.device} and Spark's assignment
     * call for. Spark's task threads are pooled and may run a task on another GPU than their last one:
     * then the thread's ND4J workspaces are destroyed and {@code onMove} runs, so that the caller drops
     * arrays that live on the old GPU.
     */
    static void bind(String setting, Runnable onMove) {
        Devices.Choice choice = Devices.decide(situation(setting));
        if (choice.note() != null && SAID.add(choice.note())) {
            LOG.info("treegrad: {}", choice.note());
        }
        Integer bound = BOUND.get();
        if (!choice.bind() || Objects.equals(bound, choice.ordinal())) {
            return;
        }
        if (bound != null) {
            Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
            onMove.run();
        }
        Nd4j.getAffinityManager().unsafeSetDevice(choice.ordinal());
        BOUND.set(choice.ordinal());
    }

    private static Devices.Situation situation(String setting) {
        SparkEnv env = SparkEnv.get();
        boolean inDriver = env == null || "driver".equals(env.executorId());   // local mode: tasks run in the driver
        boolean gpuBackend = !Nd4j.getEnvironment().isCPU();
        return new Devices.Situation(setting, gpuBackend, assignedGpus(TaskContext.get()),
                inDriver, System.getenv("CUDA_VISIBLE_DEVICES"),
                gpuBackend ? Nd4j.getAffinityManager().getNumberOfDevices() : 0,
                gpuBackend ? Nd4j.getAffinityManager().getDeviceForCurrentThread() : -1);
    }

    /** The GPU addresses Spark assigned the task; Java's view of {@code TaskContext.resources()}. */
    private static List<String> assignedGpus(TaskContext task) {
        if (task == null) {
            return List.of();
        }
        Map<String, ResourceInformation> resources = task.resourcesJMap();
        ResourceInformation gpu = resources.get(Devices.GPU);
        return gpu == null ? List.of() : List.of(gpu.addresses());
    }
}
