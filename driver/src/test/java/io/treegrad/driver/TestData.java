package io.treegrad.driver;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real datasets fetched by jobs/fetch-datasets (the worker build runs it before its tests). */
public final class TestData {
    private TestData() {}

    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("jobs/fetch-datasets"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the repository root (jobs/fetch-datasets) above "
                    + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** Copies the directory tree {@code from} to {@code to} (created), files and folders alike. */
    public static Path copyTree(Path from, Path to) throws java.io.IOException {
        try (java.util.stream.Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }

    public static String file(String relative) {
        String dir = System.getenv("TREEGRAD_DATA");
        Path f = (dir != null ? Path.of(dir) : repoRoot().resolve("data")).resolve(relative);
        if (!Files.exists(f)) {
            throw new IllegalStateException(f + " is missing: run jobs/fetch-datasets");
        }
        return f.toString();
    }
}
