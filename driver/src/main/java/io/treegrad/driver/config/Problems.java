package io.treegrad.driver.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Collects every problem in a config, each as {@code <where>: <key.path>: <what>}, and throws them
 * together as one {@link ConfigException}, ordered by line.
 */
final class Problems {
    private record Entry(int order, int seq, String text) {}

    private final ConfigTree tree;
    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> paths = new HashSet<>();

    Problems(ConfigTree tree) {
        this.tree = tree;
    }

    ConfigTree tree() {
        return tree;
    }

    /** A problem with the value at {@code node}, whose key path is {@code path} ("" for the document). */
    void at(Node node, String path, String message) {
        ConfigTree.Location where = tree.locationOf(node);
        boolean pathIsTheOverride = where.override() != null && where.override().path().equals(path);
        String text = where.label() + ": " + (path.isEmpty() || pathIsTheOverride ? "" : path + ": ") + message;
        for (Entry e : entries) {
            if (e.text.equals(text)) {
                return;
            }
        }
        entries.add(new Entry(where.order(), entries.size(), text));
        paths.add(path);
    }

    /** A problem at a key path, reported at that node or, if it is absent, at its nearest ancestor. */
    void at(String path, String message) {
        at(tree.locate(path), path, message);
    }

    /** A problem with a {@code --set} argument itself, before it names any node. */
    void override(ConfigTree.Override o, String message) {
        entries.add(new Entry(o.order(), entries.size(), o.label() + ": " + message));
    }

    /** Whether a problem was reported at exactly {@code path}. */
    boolean reportedAt(String path) {
        return paths.contains(path);
    }

    /** Whether a problem was reported at {@code path} or under it. */
    boolean reportedAtOrUnder(String path) {
        for (String p : paths) {
            if (p.equals(path) || p.startsWith(path + ".") || p.startsWith(path + "[")) {
                return true;
            }
        }
        return false;
    }

    boolean any() {
        return !entries.isEmpty();
    }

    void throwIfAny() {
        if (any()) {
            List<String> sorted = entries.stream()
                    .sorted(Comparator.comparingInt(Entry::order).thenComparingInt(Entry::seq))
                    .map(Entry::text).toList();
            throw new ConfigException(sorted);
        }
    }
}
