package io.treegrad.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Chromium ({@code apt-get install chromium}) run headless on a local page: a screenshot at
 * a fixed window size, or the DOM after the page's scripts ran. CI installs it and sets
 * {@code TREEGRAD_REQUIRE_CHROMIUM=1}, so there a missing browser fails the test; elsewhere the
 * browser checks are skipped, saying how to enable them.
 */
final class HeadlessChromium {
    private static final long TIMEOUT_SECONDS = 120;
    private final Path exe;
    private final Path profiles;

    private HeadlessChromium(Path exe, Path profiles) {
        this.exe = exe;
        this.profiles = profiles;
    }

    /** The browser, or the test is skipped (failed, where TREEGRAD_REQUIRE_CHROMIUM=1). */
    static HeadlessChromium require(Path scratch) {
        Optional<Path> exe = find();
        if (exe.isEmpty()) {
            String why = "no Chromium (looked for $TREEGRAD_CHROMIUM, else /usr/bin/chromium and chromium,"
                    + " chromium-browser on the PATH); install it with apt-get install chromium";
            if ("1".equals(System.getenv("TREEGRAD_REQUIRE_CHROMIUM"))) {
                fail(why + " (TREEGRAD_REQUIRE_CHROMIUM=1: the browser check is required here)");
            }
            Assumptions.abort("skipping the browser check: " + why);
        }
        return new HeadlessChromium(exe.get(), scratch);
    }

    /** {@code TREEGRAD_CHROMIUM} when set (another build of the browser), else Debian's. */
    static Optional<Path> find() {
        String chosen = System.getenv("TREEGRAD_CHROMIUM");
        if (chosen != null && !chosen.isEmpty()) {
            return Optional.of(Path.of(chosen)).filter(Files::isExecutable);
        }
        List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin/chromium")));
        String path = System.getenv("PATH");
        for (String dir : path == null ? new String[0] : path.split(java.io.File.pathSeparator)) {
            candidates.add(Path.of(dir, "chromium"));
            candidates.add(Path.of(dir, "chromium-browser"));
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** Loads {@code page} in a {@code width} x {@code height} window and writes a PNG of it. */
    void screenshot(Path page, Path png, int width, int height) throws IOException, InterruptedException {
        run(List.of("--hide-scrollbars", "--window-size=" + width + "," + height, "--screenshot=" + png,
                "--virtual-time-budget=5000", page.toUri().toString()));
        if (!Files.isRegularFile(png)) {
            fail("Chromium wrote no screenshot " + png);
        }
    }

    /** The DOM once the page has loaded and its scripts ran. */
    String dumpDom(Path page) throws IOException, InterruptedException {
        return run(List.of("--virtual-time-budget=5000", "--dump-dom", page.toUri().toString()));
    }

    private String run(List<String> extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(exe.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + Files.createTempDirectory(profiles, "chromium-profile")));
        cmd.addAll(extra);
        Path stdout = Files.createTempFile(profiles, "chromium", ".out");
        Path stderr = Files.createTempFile(profiles, "chromium", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("Chromium ran past " + TIMEOUT_SECONDS + " s: " + cmd);
        }
        assertEquals(0, p.exitValue(), () -> "Chromium failed: " + cmd + "\n" + read(stderr));
        return read(stdout);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
