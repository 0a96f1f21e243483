package io.treegrad.driver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.driver.spark.Devices.Choice;
import io.treegrad.driver.spark.Devices.DeviceException;
import io.treegrad.driver.spark.Devices.Situation;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Where a task computes, for every setting, backend and GPU assignment: no GPU needed. */
class DevicesTest {
    private static Situation cpuBuild(String setting, String... assigned) {
        return new Situation(setting, false, List.of(assigned), false, null, 0, -1);
    }

    /** A CUDA build on an executor that sees {@code visible} GPUs, ND4J's default being GPU 0. */
    private static Situation gpuBuild(String setting, boolean local, String visibleDevices, int visible,
                                      String... assigned) {
        return new Situation(setting, true, List.of(assigned), local, visibleDevices, visible, 0);
    }

    private static String failure(Situation s) {
        return assertThrows(DeviceException.class, () -> Devices.decide(s)).getMessage();
    }

    @Test
    void theCpuBuildComputesOnTheCpuAndSaysSoUnlessAskedTo() {
        Choice auto = Devices.decide(cpuBuild("auto"));
        assertFalse(auto.onGpu());
        assertFalse(auto.bind());
        assertEquals("no GPU assigned to this task; computing on the CPU", auto.note());

        Choice assigned = Devices.decide(cpuBuild("auto", "0"));
        assertFalse(assigned.onGpu());
        assertEquals("GPU 0 assigned to this task, but this build has ND4J's CPU backend (nd4j-native); computing"
                + " on the CPU (build with -Pcuda to use the GPU)", assigned.note());

        Choice cpu = Devices.decide(cpuBuild("cpu", "0"));
        assertFalse(cpu.onGpu());
        assertNull(cpu.note(), "cpu was asked for: nothing to say");
        assertEquals(Devices.decide(cpuBuild(null)), auto, "no setting is auto");
    }

    @Test
    void askingForWhatTheBackendCannotDoFailsNamingTheFix() {
        assertEquals("training.device is gpu, but this build has ND4J's CPU backend (nd4j-native): build the"
                + " application with -Pcuda (nd4j-cuda-11.6), or set training.device to auto or cpu",
                failure(cpuBuild("gpu", "0")));
        assertEquals("training.device is cpu, but this build has ND4J's CUDA backend, which computes only on GPUs:"
                + " use the application built without -Pcuda, or set training.device to auto or gpu",
                failure(gpuBuild("cpu", false, null, 2, "0")));
        assertTrue(failure(gpuBuild("auto", false, null, 0, "0")).startsWith(
                "ND4J's CUDA backend sees no GPU on this host"));
        assertEquals("training.device: must be one of [auto, cpu, gpu], got 'tpu'", failure(cpuBuild("tpu")));
    }

    @Test
    void theCudaBuildBindsToTheGpuSparkAssigned() {
        for (String setting : List.of("auto", "gpu")) {
            Choice c = Devices.decide(gpuBuild(setting, false, null, 4, "2"));
            assertTrue(c.onGpu());
            assertTrue(c.bind());
            assertEquals(2, c.ordinal());
            assertEquals("computing on GPU 2", c.note());
        }
        Choice two = Devices.decide(gpuBuild("gpu", false, null, 4, "3", "1"));
        assertEquals(3, two.ordinal(), "the first address Spark lists");
        assertEquals("computing on GPU 3; the task was assigned GPUs 3,1 but computes on one (set"
                + " spark.task.resource.gpu.amount to 1 or less)", two.note());
    }

    @Test
    void withoutAnAssignmentTheCudaBuildUsesTheDefaultGpuExceptWhereAGpuMustBeScheduled() {
        Choice local = Devices.decide(gpuBuild("gpu", true, null, 2));
        assertTrue(local.onGpu());
        assertFalse(local.bind(), "left on ND4J's default device");
        assertEquals(0, local.ordinal());
        assertEquals("embedded Spark (local mode) schedules no GPUs; every task computes on ND4J's default GPU 0"
                + " of 2", local.note());

        Choice unscheduled = Devices.decide(gpuBuild("auto", false, null, 1));
        assertFalse(unscheduled.bind());
        assertEquals("Spark assigned no GPU to this task (spark.task.resource.gpu.amount is not set); every task"
                + " computes on ND4J's default GPU 0 of 1", unscheduled.note());

        assertEquals("training.device is gpu, but Spark assigned no GPU to this task: set"
                + " spark.executor.resource.gpu.amount, spark.task.resource.gpu.amount and (unless the cluster"
                + " manager discovers GPUs) spark.executor.resource.gpu.discoveryScript (jobs/gpu-discovery)",
                failure(gpuBuild("gpu", false, null, 2)));
    }

    @Test
    void addressesAreDeviceNumbersOrPositionsInCudaVisibleDevices() {
        assertEquals(1, Devices.ordinal("1", null, 2));
        assertEquals(1, Devices.ordinal(" 1 ", "", 2));
        assertEquals(1, Devices.ordinal("3", "2,3", 2), "the executor sees physical GPUs 2 and 3 as 0 and 1");
        assertEquals(0, Devices.ordinal("GPU-8a1c", "GPU-8a1c, GPU-77f0", 2));

        assertEquals("Spark assigned GPU 0, which is not among CUDA_VISIBLE_DEVICES=2,3 of this executor: the"
                + " discovery script and CUDA_VISIBLE_DEVICES must name GPUs the same way (nvidia-smi indexes)",
                assertThrows(DeviceException.class, () -> Devices.ordinal("0", "2,3", 2)).getMessage());
        assertEquals("Spark assigned GPU 'GPU-8a1c', which is not a device index: the GPU discovery script must"
                + " print nvidia-smi's indexes (jobs/gpu-discovery does)",
                assertThrows(DeviceException.class, () -> Devices.ordinal("GPU-8a1c", null, 2)).getMessage());
        assertEquals("Spark assigned GPU 2, but ND4J sees 2 GPUs (0..1) on this executor",
                assertThrows(DeviceException.class, () -> Devices.ordinal("2", null, 2)).getMessage());
        assertEquals("computing on GPU 1 (Spark's address 3)",
                Devices.decide(gpuBuild("gpu", false, "2,3", 2, "3")).note());
    }

    @Test
    void aGpuIsScheduledOnlyWhenRequiredOnAClusterAndNotOverTheUsersSettings() {
        String script = "/opt/treegrad/jobs/gpu-discovery";
        assertEquals(Map.of("spark.executor.resource.gpu.amount", "1", "spark.task.resource.gpu.amount", "1",
                        "spark.executor.resource.gpu.discoveryScript", script),
                Devices.sparkDefaults("gpu", false, script, key -> false));
        Set<String> userSet = Set.of("spark.task.resource.gpu.amount");
        assertEquals(Map.of("spark.executor.resource.gpu.amount", "1"),
                Devices.sparkDefaults("gpu", false, null, userSet::contains));
        assertEquals(Map.of(), Devices.sparkDefaults("gpu", true, script, key -> false),
                "local mode schedules no GPUs: asking would leave its tasks waiting forever");
        assertEquals(Map.of(), Devices.sparkDefaults("auto", false, script, key -> false));
        assertEquals(Map.of(), Devices.sparkDefaults("cpu", false, script, key -> false));
    }
}
