package io.treegrad.driver.spark;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where a task computes, decided from what it knows: the {@code training.device} setting, whether the
 * build has ND4J's CUDA backend, the GPU addresses Spark assigned the task, and whether Spark runs
 * embedded. Plain data in, a {@link Choice} out: {@link TaskDevice} gathers the facts from Spark and
 * ND4J and acts on the choice, and this class is tested without either.
 *
 * <p>The ND4J backend is fixed by the build: {@code nd4j-native} computes only on the CPU and
 * {@code nd4j-cuda} only on GPUs, so a setting the backend cannot honour is an error, never a
 * silent fallback.
 */
public final class Devices {
    /** The resource name Spark schedules GPUs under ({@code spark.task.resource.gpu.amount}). */
    public static final String GPU = "gpu";

    private Devices() {}

    /**
     * What a task knows about where it runs.
     *
     * @param setting            {@code auto}, {@code cpu} or {@code gpu}
     * @param gpuBackend         the build has ND4J's CUDA backend ({@code !Nd4j.getEnvironment().isCPU()})
     * @param assigned           the GPU addresses Spark assigned this task, in Spark's order (may be empty)
     * @param localMode          embedded Spark ({@code local[*]}), which schedules no GPUs
     * @param cudaVisibleDevices the executor's {@code CUDA_VISIBLE_DEVICES}, or null
     * @param visibleGpus        GPUs ND4J sees (0 with the CPU backend)
     * @param defaultGpu         the device ND4J uses on this thread unless told otherwise
     */
    public record Situation(String setting, boolean gpuBackend, List<String> assigned, boolean localMode,
                            String cudaVisibleDevices, int visibleGpus, int defaultGpu) {}

    /**
     * The decision: compute on the CPU, or on GPU {@code ordinal} (the CUDA device number in this
     * process), binding the thread to it when {@code bind} is set. {@code note} is what the executor's
     * log should say once, or null.
     */
    public record Choice(boolean onGpu, int ordinal, boolean bind, String note) {
        static Choice cpu(String note) {
            return new Choice(false, -1, false, note);
        }
    }

    /** The setting cannot be honoured by this build or cluster (the CLI's exit 2); the message names the fix. */
    public static final class DeviceException extends IllegalArgumentException {
        DeviceException(String message) {
            super(message);
        }
    }

    public static Choice decide(Situation s) {
        String setting = s.setting() == null ? "auto" : s.setting();
        if (!List.of("auto", "cpu", "gpu").contains(setting)) {
            throw new DeviceException("training.device: must be one of [auto, cpu, gpu], got '" + setting + "'");
        }
        List<String> assigned = s.assigned() == null ? List.of() : s.assigned();
        if (!s.gpuBackend()) {
            if (setting.equals("gpu")) {
                throw new DeviceException("training.device is gpu, but this build has ND4J's CPU backend"
                        + " (nd4j-native): build the application with -Pcuda (nd4j-cuda-11.6), or set"
                        + " training.device to auto or cpu");
            }
            if (setting.equals("cpu")) {
                return Choice.cpu(null);
            }
            return Choice.cpu(assigned.isEmpty() ? "no GPU assigned to this task; computing on the CPU"
                    : "GPU " + String.join(",", assigned) + " assigned to this task, but this build has ND4J's CPU"
                    + " backend (nd4j-native); computing on the CPU (build with -Pcuda to use the GPU)");
        }
        if (setting.equals("cpu")) {
            throw new DeviceException("training.device is cpu, but this build has ND4J's CUDA backend, which"
                    + " computes only on GPUs: use the application built without -Pcuda, or set training.device"
                    + " to auto or gpu");
        }
        if (s.visibleGpus() < 1) {
            throw new DeviceException("ND4J's CUDA backend sees no GPU on this host (CUDA_VISIBLE_DEVICES="
                    + s.cudaVisibleDevices() + "): run on GPU hosts, or use the application built without -Pcuda");
        }
        if (assigned.isEmpty()) {
            if (setting.equals("gpu") && !s.localMode()) {
                throw new DeviceException("training.device is gpu, but Spark assigned no GPU to this task: set"
                        + " spark.executor.resource.gpu.amount, spark.task.resource.gpu.amount and (unless the"
                        + " cluster manager discovers GPUs) spark.executor.resource.gpu.discoveryScript"
                        + " (jobs/gpu-discovery)");
            }
            String why = s.localMode() ? "embedded Spark (local mode) schedules no GPUs"
                    : "Spark assigned no GPU to this task (spark.task.resource.gpu.amount is not set)";
            return new Choice(true, s.defaultGpu(), false, why + "; every task computes on ND4J's default GPU "
                    + s.defaultGpu() + " of " + s.visibleGpus());
        }
        String address = assigned.get(0);
        int ordinal = ordinal(address, s.cudaVisibleDevices(), s.visibleGpus());
        String note = "computing on GPU " + ordinal + (address.equals(Integer.toString(ordinal)) ? ""
                : " (Spark's address " + address + ")");
        if (assigned.size() > 1) {
            note += "; the task was assigned GPUs " + String.join(",", assigned)
                    + " but computes on one (set spark.task.resource.gpu.amount to 1 or less)";
        }
        return new Choice(true, ordinal, true, note);
    }

    /**
     * The CUDA device number in this process of the GPU Spark calls {@code address}. Discovery
     * scripts print nvidia-smi's indexes (or UUIDs); when {@code CUDA_VISIBLE_DEVICES} narrows what
     * this process sees, device k is the k-th entry of that list, so the address is looked up there.
     */
    public static int ordinal(String address, String cudaVisibleDevices, int visibleGpus) {
        String a = address.trim();
        int ordinal;
        if (cudaVisibleDevices != null && !cudaVisibleDevices.isBlank()) {
            List<String> visible = Arrays.stream(cudaVisibleDevices.split(",")).map(String::trim).toList();
            ordinal = visible.indexOf(a);
            if (ordinal < 0) {
                throw new DeviceException("Spark assigned GPU " + a + ", which is not among CUDA_VISIBLE_DEVICES="
                        + cudaVisibleDevices + " of this executor: the discovery script and CUDA_VISIBLE_DEVICES"
                        + " must name GPUs the same way (nvidia-smi indexes)");
            }
        } else {
            try {
                ordinal = Integer.parseInt(a);
            } catch (NumberFormatException e) {
                throw new DeviceException("Spark assigned GPU '" + a + "', which is not a device index: the GPU"
                        + " discovery script must print nvidia-smi's indexes (jobs/gpu-discovery does)");
            }
        }
        if (ordinal < 0 || ordinal >= visibleGpus) {
            throw new DeviceException("Spark assigned GPU " + a + ", but ND4J sees " + visibleGpus + " GPU"
                    + (visibleGpus == 1 ? "" : "s") + " (0.." + (visibleGpus - 1) + ") on this executor");
        }
        return ordinal;
    }

    /**
     * The Spark settings that {@code training.device} implies, for those not already set
     * ({@code isSet}): a GPU per executor and per task when a GPU is required on a cluster, and the
     * discovery script if one is given. Local mode schedules no GPUs, and asking it to makes its
     * tasks wait forever, so nothing is asked there.
     */
    public static Map<String, String> sparkDefaults(String setting, boolean localMode, String discoveryScript,
                                                    Predicate<String> isSet) {
        Map<String, String> d = new LinkedHashMap<>();
        if ("gpu".equals(setting) && !localMode) {
            Map<String, String> gpu = new LinkedHashMap<>();
            gpu.put("spark.executor.resource.gpu.amount", "1");
            gpu.put("spark.task.resource.gpu.amount", "1");
            if (discoveryScript != null) {
                gpu.put("spark.executor.resource.gpu.discoveryScript", discoveryScript);
            }
            gpu.forEach((k, v) -> {
                if (!isSet.test(k)) {
                    d.put(k, v);
                }
            });
        }
        return d;
    }
}
