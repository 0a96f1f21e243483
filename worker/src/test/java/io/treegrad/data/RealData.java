package io.treegrad.data;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the real datasets are: system property {@code treegrad.data}, else environment variable
 * {@code TREEGRAD_DATA}, else {@code <repo>/data}, the folder jobs/fetch-datasets fills. A missing
 * file fails the test (it is not skipped): the build runs the fetch script before the tests.
 */
public final class RealData {
    private RealData() {}

    public static Path dir() {
        String configured = System.getProperty("treegrad.data");
        if (configured == null || configured.isBlank()) {
            configured = System.getenv("TREEGRAD_DATA");
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        return repoRoot().resolve("data");
    }

    /** The file {@code relative} under the data folder; fails the test if it is not there. */
    public static Path file(String relative) {
        Path f = dir().resolve(relative);
        if (!Files.isRegularFile(f)) {
            fail("real dataset file " + f + " is missing: run jobs/fetch-datasets (from the repository root; "
                    + "it downloads the datasets from the Debian and npm registries into $TREEGRAD_DATA, "
                    + "default <repo>/data), or point -Dtreegrad.data / TREEGRAD_DATA at a folder that has them");
        }
        return f;
    }

    /** The nearest folder at or above the working directory (worker/ under surefire) with jobs/fetch-datasets. */
    public static Path repoRoot() {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("jobs/fetch-datasets")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        fail("cannot find the repository root (a folder with jobs/fetch-datasets) above " + start
                + "; set -Dtreegrad.data or TREEGRAD_DATA to the datasets folder");
        return null;
    }
}
