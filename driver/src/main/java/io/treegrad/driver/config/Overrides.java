package io.treegrad.driver.config;

import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * {@code --set key.path=value} arguments, applied to the node tree before anything is read, so an
 * overridden value is validated exactly as one in the file. The value is YAML: a scalar
 * ({@code 0.01}, {@code adam}, {@code s3a://bucket/run}), a flow list ({@code [0.9, 0.99]}) or a
 * flow mapping ({@code {type: cosine, t_max: 1000}}); {@code null} or nothing removes the key, so
 * its default applies. Keys and list items are addressed as in messages:
 * {@code model.layers[0].linear=512}. Sections missing from the file are created.
 */
final class Overrides {
    private Overrides() {}

    /** Applies each override in order; returns true if a value had a tag that is not plain data. */
    static boolean apply(ConfigTree tree, List<String> overrides, Problems problems) {
        boolean unsafe = false;
        for (int i = 0; i < overrides.size(); i++) {
            String text = overrides.get(i);
            int eq = text.indexOf('=');
            String path = eq < 0 ? text.trim() : text.substring(0, eq).trim();
            ConfigTree.Override o = new ConfigTree.Override(i, text, path);
            List<Object> segments = eq <= 0 ? null : ConfigTree.segments(path);
            if (segments == null || segments.isEmpty() || !(segments.get(0) instanceof String)) {
                problems.override(o, "expected <key.path>=<value>, e.g. training.epochs=10");
                continue;
            }
            Node value;
            try {
                value = SafeYaml.compose(text.substring(eq + 1));
            } catch (MarkedYAMLException e) {
                problems.override(o, SafeYaml.problem(e, "the value is not valid YAML"));
                unsafe |= SafeYaml.refusedTag(e);
                continue;
            } catch (YAMLException e) {
                problems.override(o, "the value is not valid YAML: " + e.getMessage());
                continue;
            }
            if (value == null) {
                value = new ScalarNode(Tag.NULL, "null", null, null, DumperOptions.ScalarStyle.PLAIN);
            }
            tree.markOverride(value, o);
            if (SafeYaml.checkTags(value, path, problems)) {
                unsafe = true;
                continue;
            }
            set(tree, segments, value, o, problems);
        }
        return unsafe;
    }

    private static void set(ConfigTree tree, List<Object> segments, Node value, ConfigTree.Override o,
                            Problems problems) {
        Node at = tree.root();
        for (int i = 0; i < segments.size(); i++) {
            Object segment = segments.get(i);
            boolean last = i == segments.size() - 1;
            String where = prefix(segments, i);
            if (segment instanceof String key) {
                if (!(at instanceof MappingNode m)) {
                    problems.override(o, where + " is " + ConfigTree.describe(at) + ", not a mapping with key " + key
                            + (at instanceof SequenceNode ? "; address its items as " + where + "[0]" : ""));
                    return;
                }
                Node next = ConfigTree.child(m, key);
                if (last) {
                    put(tree, m, key, value, o);
                    return;
                }
                if (ConfigTree.isNull(next)) {
                    next = new MappingNode(Tag.MAP, new ArrayList<>(), DumperOptions.FlowStyle.BLOCK);
                    tree.markOverride(next, o);
                    put(tree, m, key, next, o);
                }
                at = next;
            } else {
                int index = (Integer) segment;
                if (!(at instanceof SequenceNode s) || index >= s.getValue().size()) {
                    problems.override(o, where + " is " + ConfigTree.describe(at) + ", which has no item " + index
                            + (at instanceof SequenceNode s ? " (it has " + s.getValue().size() + ")" : ""));
                    return;
                }
                if (last) {
                    s.getValue().set(index, value);
                    return;
                }
                at = s.getValue().get(index);
            }
        }
    }

    /** Replaces the value of {@code key} (the last one, if repeated) or adds the key. */
    private static void put(ConfigTree tree, MappingNode m, String key, Node value, ConfigTree.Override o) {
        List<NodeTuple> tuples = m.getValue();
        for (int j = tuples.size() - 1; j >= 0; j--) {
            if (tuples.get(j).getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                tuples.set(j, new NodeTuple(k, value));
                return;
            }
        }
        ScalarNode k = new ScalarNode(Tag.STR, key, null, null, DumperOptions.ScalarStyle.PLAIN);
        tree.markOverride(k, o);
        tuples.add(new NodeTuple(k, value));
    }

    /** The key path of the segments before {@code end}: "the config" for none. */
    private static String prefix(List<Object> segments, int end) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < end; i++) {
            Object s = segments.get(i);
            if (s instanceof Integer n) {
                b.append('[').append(n).append(']');
            } else {
                b.append(b.length() == 0 ? "" : ".").append(s);
            }
        }
        return b.length() == 0 ? "the config" : b.toString();
    }
}
