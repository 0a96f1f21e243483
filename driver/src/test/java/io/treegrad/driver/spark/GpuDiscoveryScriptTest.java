package io.treegrad.driver.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jobs/gpu-discovery against a fake nvidia-smi on the PATH, its output read by Spark's own parser
 * (what an executor does with a discovery script's stdout).
 */
class GpuDiscoveryScriptTest {
    @TempDir
    Path bin;

    /** Runs the script with {@code nvidiaSmi} (a shell script body, or null for none) first on the PATH. */
    private ResourceInformation discover(String nvidiaSmi, Map<String, String> env)
            throws IOException, InterruptedException {
        if (nvidiaSmi != null) {
            Path fake = bin.resolve("nvidia-smi");
            Files.writeString(fake, "#!/bin/sh\n" + nvidiaSmi + "\n");
            Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        ProcessBuilder pb = new ProcessBuilder("bash", "jobs/gpu-discovery");
        pb.environment().remove("CUDA_VISIBLE_DEVICES");
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "exit status; stdout: " + out);
        ResourceInformation info = ResourceInformation.parseJson(out);
        assertEquals("gpu", info.name());
        return info;
    }

    @Test
    void listsNvidiaSmisIndexes() throws Exception {
        String smi = "[ \"$*\" = '--query-gpu=index --format=csv,noheader' ] || exit 2; printf '0\\n1\\n2\\n'";
        assertArrayEquals(new String[] {"0", "1", "2"}, discover(smi, Map.of()).addresses());
        assertArrayEquals(new String[] {"0", "2"},
                discover(smi, Map.of("CUDA_VISIBLE_DEVICES", "2,0")).addresses(),
                "only the GPUs this process may use");
    }

    @Test
    void noGpuIsAnEmptyListNotAFailure() throws Exception {
        assertArrayEquals(new String[0], discover("exit 0", Map.of()).addresses(), "nvidia-smi finds no GPU");
        assertArrayEquals(new String[0], discover("echo 'NVIDIA-SMI has failed because it could not communicate"
                + " with the NVIDIA driver.' >&2; exit 9", Map.of()).addresses(), "no driver");
    }

    @Test
    void noNvidiaSmiIsAnEmptyList() throws Exception {
        assumeFalse(Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.exists(Path.of(d, "nvidia-smi"))),
                "this host has a real nvidia-smi");
        assertArrayEquals(new String[0], discover(null, Map.of()).addresses());
    }
}
