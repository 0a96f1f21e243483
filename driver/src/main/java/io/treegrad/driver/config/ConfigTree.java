package io.treegrad.driver.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A config's YAML node tree with where each node came from: a line of the file, or a {@code --set}
 * override. Problems are reported against nodes, so every message can say where to look.
 */
final class ConfigTree {
    /** The {@code index}th {@code --set} argument as the user wrote it, and the key path it sets. */
    record Override(int index, String text, String path) {
        String label() {
            return "--set " + text;
        }

        /** After every line of any file. */
        int order() {
            return Integer.MAX_VALUE / 2 + index;
        }
    }

    /**
     * Where a node is: {@code label} is "file line n", "file" (the document as a whole) or
     * "--set a.b=v"; {@code order} sorts the document first, then file lines, then overrides in
     * the order given.
     */
    record Location(String label, int order, Override override) {}

    private final String file;
    private final Node root;
    private final Map<Node, Override> fromOverride = new IdentityHashMap<>();
    private final Map<Node, Node> keyOf = new IdentityHashMap<>();

    ConfigTree(String file, Node root) {
        this.file = file;
        this.root = root;
    }

    Node root() {
        return root;
    }

    /** Records that {@code node} and everything under it came from {@code override}. */
    void markOverride(Node node, Override override) {
        for (Node n : subtree(node)) {
            fromOverride.putIfAbsent(n, override);
        }
    }

    /** Indexes each mapping value's key, so a value reports the line of the key that introduces it. */
    void index() {
        keyOf.clear();
        for (Node n : subtree(root)) {
            if (n instanceof MappingNode m) {
                for (NodeTuple t : m.getValue()) {
                    keyOf.putIfAbsent(t.getValueNode(), t.getKeyNode());
                }
            }
        }
    }

    Location locationOf(Node node) {
        Override o = fromOverride.get(node);
        if (o != null) {
            return new Location(o.label(), o.order(), o);
        }
        if (node == root || node == null || node.getStartMark() == null) {
            return new Location(file, 0, null);
        }
        Node key = keyOf.get(node);
        int line = (key != null ? key : node).getStartMark().getLine() + 1;
        return new Location(file + " line " + line, line, null);
    }

    /** The node at {@code path} ({@code optimizer.betas[1]}), or its nearest existing ancestor. */
    Node locate(String path) {
        Node at = root;
        for (Object segment : segments(path)) {
            Node next = child(at, segment);
            if (next == null) {
                return at;
            }
            at = next;
        }
        return at;
    }

    /** The child of a mapping by key (the last if repeated) or of a list by index; null if none. */
    static Node child(Node node, Object segment) {
        if (segment instanceof String key && node instanceof MappingNode m) {
            Node found = null;
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                    found = t.getValueNode();
                }
            }
            return found;
        }
        if (segment instanceof Integer i && node instanceof SequenceNode s && i < s.getValue().size()) {
            return s.getValue().get(i);
        }
        return null;
    }

    /**
     * A key path split into keys (String) and list indices (Integer): {@code model.layers[2].units}
     * is [model, layers, 2, units]. Null when the path is malformed.
     */
    static List<Object> segments(String path) {
        List<Object> out = new ArrayList<>();
        if (path.isEmpty()) {
            return out;
        }
        for (String part : path.split("\\.", -1)) {
            int bracket = part.indexOf('[');
            String key = bracket < 0 ? part : part.substring(0, bracket);
            if (key.isEmpty() && (bracket < 0 || out.isEmpty())) {
                return null;
            }
            if (!key.isEmpty()) {
                out.add(key);
            }
            String rest = bracket < 0 ? "" : part.substring(bracket);
            while (!rest.isEmpty()) {
                int close = rest.indexOf(']');
                if (!rest.startsWith("[") || close < 2 || !rest.substring(1, close).matches("\\d{1,9}")) {
                    return null;
                }
                out.add(Integer.parseInt(rest.substring(1, close)));
                rest = rest.substring(close + 1);
            }
        }
        return out;
    }

    /** "'text'" for a scalar, "nothing" for null, "a mapping" or "a list". */
    static String describe(Node node) {
        if (node == null) {
            return "nothing";
        }
        if (node instanceof ScalarNode s) {
            return Tag.NULL.equals(s.getTag()) ? "nothing" : "'" + s.getValue() + "'";
        }
        return node instanceof MappingNode ? "a mapping" : "a list";
    }

    static boolean isNull(Node node) {
        return node == null || node instanceof ScalarNode s && Tag.NULL.equals(s.getTag());
    }

    /** Every node under {@code node}, each once (aliases can make the tree a graph). */
    static List<Node> subtree(Node node) {
        List<Node> out = new ArrayList<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Node> todo = new ArrayList<>();
        if (node != null) {
            todo.add(node);
        }
        while (!todo.isEmpty()) {
            Node n = todo.remove(todo.size() - 1);
            if (!seen.add(n)) {
                continue;
            }
            out.add(n);
            if (n instanceof MappingNode m) {
                for (NodeTuple t : m.getValue()) {
                    todo.add(t.getValueNode());
                    todo.add(t.getKeyNode());
                }
            } else if (n instanceof SequenceNode s) {
                todo.addAll(s.getValue());
            }
        }
        return out;
    }
}
