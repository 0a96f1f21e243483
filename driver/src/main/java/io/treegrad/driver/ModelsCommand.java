package io.treegrad.driver;

import io.treegrad.driver.store.ModelRegistry;
import io.treegrad.driver.store.ModelRegistry.Version;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code models list|show|register|promote|rollback REGISTRY ...}: the {@link ModelRegistry} from
 * the command line, on any Hadoop file system the path names, with no Spark session.
 */
final class ModelsCommand {
    static final String USAGE = "       treegrad models list REGISTRY [NAME]\n"
            + "       treegrad models show REGISTRY NAME [VERSION]\n"
            + "       treegrad models register REGISTRY NAME RUN_DIR\n"
            + "       treegrad models promote REGISTRY NAME VERSION\n"
            + "       treegrad models rollback REGISTRY NAME";
    /** The summary entries {@code list} shows per version. */
    private static final List<String> HEADLINE = List.of("test_accuracy", "test_rmse", "test_loss");

    private ModelsCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        String sub = args.length > 1 ? args[1] : "";
        int[] arity = switch (sub) {
            case "list" -> new int[] {1, 2};
            case "show" -> new int[] {2, 3};
            case "register" -> new int[] {3, 3};
            case "promote" -> new int[] {3, 3};
            case "rollback" -> new int[] {2, 2};
            default -> null;
        };
        if (arity == null) {
            err.println((sub.isEmpty() ? "treegrad: models needs a subcommand" : "treegrad: models: unknown subcommand '" + sub + "'")
                    + "; expected list, show, register, promote or rollback\n" + Main.USAGE);
            return 2;
        }
        List<String> positional = List.of(args).subList(2, args.length);
        int n = positional.size();
        if (n < arity[0] || n > arity[1] || positional.stream().anyMatch(a -> a.startsWith("--"))) {
            err.println("treegrad: models " + sub + ": wrong arguments " + positional + "\n" + Main.USAGE);
            return 2;
        }
        try {
            Path root = new Path(positional.get(0));
            FileSystem fs = root.getFileSystem(new Configuration());
            ModelRegistry registry = new ModelRegistry(fs, root);
            switch (sub) {
                case "list" -> {
                    if (n == 1) {
                        listModels(registry, out);
                    } else {
                        listVersions(registry, positional.get(1), out);
                    }
                }
                case "show" -> show(registry, positional.get(1), n == 3 ? Optional.of(version(positional.get(2))) : Optional.empty(), out);
                case "register" -> {
                    String name = positional.get(1);
                    int v = registry.register(name, new Path(positional.get(2)));
                    out.println("registered " + name + " version " + v + " from " + positional.get(2) + "; current: "
                            + registry.current(name).map(String::valueOf).orElse("none")
                            + " (make it current with: treegrad models promote " + positional.get(0) + " " + name + " " + v + ")");
                }
                case "promote" -> {
                    String name = positional.get(1);
                    int v = version(positional.get(2));
                    Optional<Integer> was = registry.promote(name, v);
                    out.println(name + ": current version " + v + " (was " + was.map(String::valueOf).orElse("none") + ")");
                }
                case "rollback" -> {
                    String name = positional.get(1);
                    Optional<Integer> was = registry.current(name);
                    int now = registry.rollback(name);
                    out.println(name + ": rolled back to version " + now + " (was " + was.map(String::valueOf).orElse("none") + ")");
                }
                default -> throw new IllegalStateException(sub);
            }
            return 0;
        } catch (Exception e) {
            return Main.failure(e, err);
        }
    }

    private static int version(String text) {
        try {
            int v = Integer.parseInt(text);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("VERSION: expected a version number >= 1, got '" + text + "'");
    }

    private static void listModels(ModelRegistry registry, PrintStream out) throws java.io.IOException {
        List<String> names = registry.models();
        if (names.isEmpty()) {
            out.println("no models in " + registry.root());
        }
        for (String name : names) {
            List<Version> versions = registry.versions(name);
            out.println(name + "  versions: " + versions.size() + "  current: "
                    + registry.current(name).map(String::valueOf).orElse("none"));
        }
    }

    private static void listVersions(ModelRegistry registry, String name, PrintStream out) throws java.io.IOException {
        Optional<Integer> current = registry.current(name);
        for (Version v : registry.versions(name)) {
            StringBuilder line = new StringBuilder(name + " " + v.number() + "  created " + v.created().orElse("unknown"));
            for (String key : HEADLINE) {
                if (v.summary().containsKey(key)) {
                    line.append("  ").append(key).append(' ').append(v.summary().get(key));
                }
            }
            if (current.isPresent() && current.get() == v.number()) {
                line.append("  (current)");
            }
            out.println(line);
        }
    }

    /** Without VERSION: the current one, else the newest. */
    private static void show(ModelRegistry registry, String name, Optional<Integer> asked, PrintStream out) throws java.io.IOException {
        Optional<Integer> current = registry.current(name);
        Version v;
        if (asked.isPresent()) {
            v = registry.version(name, asked.get());
        } else if (current.isPresent()) {
            v = registry.version(name, current.get());
        } else {
            List<Version> all = registry.versions(name);
            if (all.isEmpty()) {
                throw new java.io.FileNotFoundException("model '" + name + "' has no versions in " + registry.root());
            }
            v = all.get(all.size() - 1);
        }
        boolean isCurrent = current.isPresent() && current.get() == v.number();
        out.println(name + " version " + v.number() + (isCurrent ? " (current)" : " (not current; current: "
                + current.map(String::valueOf).orElse("none") + ")"));
        out.println("path: " + v.dir());
        print("provenance", v.provenance(), out);
        print("summary", v.summary(), out);
    }

    private static void print(String title, Map<String, ?> entries, PrintStream out) {
        out.println(title + ":" + (entries.isEmpty() ? " none" : ""));
        entries.forEach((k, val) -> out.println("  " + k + ": " + val));
    }
}
