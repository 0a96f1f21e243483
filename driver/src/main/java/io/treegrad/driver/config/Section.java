package io.treegrad.driver.config;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * A mapping in the config with a fixed set of keys: reports unknown keys (with the nearest valid
 * one), repeated keys, and values of the wrong type, each at its line, and reads typed values.
 * An absent section reads as empty, so its defaults apply.
 */
final class Section {
    private final Problems problems;
    private final Scalars scalars;
    private final String path;
    /** Where a missing key is reported: this mapping, or the nearest node above it when absent. */
    private final Node anchor;
    /** When true, missing keys are not reported: the section itself was already (absent or malformed). */
    private final boolean quiet;
    private final Map<String, Node> values = new LinkedHashMap<>();
    /** Keys an unknown key was taken for ("did you mean batch_size?"): not reported again as missing. */
    private final Set<String> suggested = new HashSet<>();
    private final boolean present;

    private Section(Problems problems, Node node, Node anchor, String path, List<String> keys, boolean quiet) {
        this.problems = problems;
        this.scalars = new Scalars(problems);
        this.path = path;
        boolean mapping = node instanceof MappingNode;
        if (!mapping && !ConfigTree.isNull(node)) {
            problems.at(node, path, "expected a mapping with keys " + String.join(", ", keys) + ", got "
                    + ConfigTree.describe(node));
            quiet = true;
        }
        this.present = mapping;
        this.anchor = mapping ? node : anchor;
        this.quiet = quiet;
        if (mapping) {
            read((MappingNode) node, keys);
        }
    }

    /** The document's top level. */
    static Section root(Problems problems, Node root, List<String> keys) {
        return new Section(problems, root, root, "", keys, false);
    }

    /** A mapping that is an item of a list, or any other node with a known path. */
    static Section at(Problems problems, Node node, String path, List<String> keys) {
        return new Section(problems, node, node, path, keys, false);
    }

    /** An optional sub-section: absent reads as empty. */
    Section section(String key, List<String> keys) {
        return new Section(problems, values.get(key), anchor, path(key), keys, quiet);
    }

    /** A required sub-section: absent is reported once, as the section's problem, not per key. */
    Section requiredSection(String key, List<String> keys, String expected) {
        if (!has(key)) {
            missing(key, expected);
            return new Section(problems, null, anchor, path(key), keys, true);
        }
        return section(key, keys);
    }

    boolean present() {
        return present;
    }

    String path() {
        return path;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    Problems problems() {
        return problems;
    }

    /** Whether {@code key} has a non-null value. */
    boolean has(String key) {
        return !ConfigTree.isNull(values.get(key));
    }

    Node value(String key) {
        return values.get(key);
    }

    void fail(String key, String message) {
        Node v = values.get(key);
        problems.at(v != null ? v : anchor, path(key), message);
    }

    /** Reports a required key that is absent, unless this section's own absence was reported. */
    void missing(String key, String expected) {
        if (!quiet && !suggested.contains(key) && !problems.reportedAtOrUnder(path(key))) {
            fail(key, "missing; expected " + expected);
        }
    }

    /** Reports {@code key} if it is set, as a key {@code by} does not use. */
    void unused(String key, String by) {
        if (has(key)) {
            fail(key, "not used by " + by);
        }
    }

    String string(String key) {
        return scalars.string(values.get(key), path(key));
    }

    /** A non-empty string. */
    String text(String key) {
        String s = string(key);
        if (s != null && s.isBlank()) {
            fail(key, "must not be empty");
            return null;
        }
        return s;
    }

    /** One of {@code allowed}, or null if absent or not allowed (reported with the nearest choice). */
    String choice(String key, List<String> allowed) {
        String s = string(key);
        if (s == null || allowed.contains(s)) {
            return s;
        }
        String near = Suggest.nearest(s, allowed);
        fail(key, "must be one of " + allowed + ", got '" + s + "'"
                + (near != null ? "; did you mean " + near + "?" : ""));
        return null;
    }

    Integer integer(String key) {
        return scalars.integer(values.get(key), path(key));
    }

    /** An integer >= {@code min}. */
    Integer integer(String key, int min) {
        Integer v = integer(key);
        atLeast(key, v == null ? null : v.longValue(), min);
        return v;
    }

    Long whole(String key) {
        return scalars.whole(values.get(key), path(key));
    }

    /** A long >= {@code min}. */
    Long whole(String key, long min) {
        Long v = whole(key);
        atLeast(key, v, min);
        return v;
    }

    Double number(String key) {
        return scalars.number(values.get(key), path(key));
    }

    Boolean bool(String key) {
        return scalars.bool(values.get(key), path(key));
    }

    List<Double> numbers(String key, String example) {
        return scalars.numbers(values.get(key), path(key), example);
    }

    private void atLeast(String key, Long v, long min) {
        if (v != null && v < min) {
            fail(key, "must be >= " + min + ", got " + v);
        }
    }

    private void read(MappingNode node, List<String> keys) {
        Map<String, Node> keyNodes = new LinkedHashMap<>();
        for (NodeTuple t : node.getValue()) {
            Node k = t.getKeyNode();
            if (!(k instanceof ScalarNode s) || ConfigTree.isNull(k)) {
                problems.at(k, path, "keys must be words, got " + ConfigTree.describe(k));
                continue;
            }
            String key = s.getValue();
            if (!keys.contains(key)) {
                problems.at(k, path(key), "unknown key" + Suggest.hint(key, keys));
                String near = Suggest.nearest(key, keys);
                if (near != null) {
                    suggested.add(near);
                }
            } else if (keyNodes.containsKey(key)) {
                problems.at(k, path(key), "duplicate key (first at line "
                        + (keyNodes.get(key).getStartMark().getLine() + 1) + ")");
            } else {
                keyNodes.put(key, k);
                values.put(key, t.getValueNode());
            }
        }
    }
}
