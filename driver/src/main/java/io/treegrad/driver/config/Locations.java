package io.treegrad.driver.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Data, output and checkpoint locations: a URI with a scheme ({@code hdfs://nn/data},
 * {@code s3a://bucket/x}, {@code file:/tmp/x}) is kept as written; an absolute path too; a
 * relative path is resolved against the working directory the config is loaded in (where
 * {@code spark-submit} was run), so a config means the same thing whichever module or job reads it.
 */
final class Locations {
    /** RFC 3986 scheme, at least two letters so that a Windows drive ("C:") is not one. */
    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:.*", Pattern.DOTALL);

    private Locations() {}

    static boolean hasScheme(String location) {
        return SCHEME.matcher(location).matches();
    }

    /** The location, a relative path made absolute against {@code workingDir}. */
    static String resolve(String location, Path workingDir) {
        if (hasScheme(location)) {
            return location;
        }
        Path p = Path.of(location);
        return p.isAbsolute() ? location : workingDir.resolve(p).normalize().toString();
    }

    /** A location as a string-valued key of {@code s}, resolved; reports it if it is not a path. */
    static String read(Section s, String key, Path workingDir) {
        String location = s.text(key);
        if (location == null) {
            return null;
        }
        try {
            return resolve(location, workingDir);
        } catch (InvalidPathException e) {
            s.fail(key, "expected a Hadoop URI or a local path, got '" + location + "' (" + e.getReason() + ")");
            return null;
        }
    }

    /** {@code dir/name}, for a URI or a path. */
    static String child(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
}
