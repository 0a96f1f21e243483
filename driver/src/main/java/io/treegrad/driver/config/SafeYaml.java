package io.treegrad.driver.config;

import java.io.StringReader;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * YAML text to a node tree, and nothing else: the text is only composed (parsed into nodes with
 * line marks), never constructed into Java objects, so no tag can make SnakeYAML instantiate a
 * class. Global tags ({@code !!java.io.File}) are refused while composing; {@link #checkTags}
 * refuses every other tag that is not plain data (local {@code !tags}, {@code !!binary},
 * {@code !!set}, merge keys).
 */
final class SafeYaml {
    static final String PLAIN_DATA = "a config holds only mappings, lists, strings, numbers and booleans";
    private static final Set<Tag> PLAIN =
            Set.of(Tag.MAP, Tag.SEQ, Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.TIMESTAMP);
    private static final String GLOBAL_TAG = "Global tag is not allowed: ";

    private SafeYaml() {}

    /** The single document in {@code text}; null when it holds none. Throws SnakeYAML's exceptions. */
    static Node compose(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setTagInspector(tag -> false);           // no global tag, ever (also SnakeYAML's default)
        options.setAllowDuplicateKeys(true);             // reported by Section, with both lines
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(50);         // no "billion laughs"
        DumperOptions unused = new DumperOptions();
        Yaml yaml = new Yaml(new SafeConstructor(options), new Representer(unused), unused, options);
        return yaml.compose(new StringReader(text));
    }

    /**
     * SnakeYAML's error in our words: {@code <where> line <n>: invalid YAML (column <c>): <problem>},
     * or for a refused tag {@code <where> line <n>: tag !!x is not allowed (column <c>); ...}.
     */
    static String describe(String where, MarkedYAMLException e) {
        Mark at = mark(e);
        return (at == null ? where : where + " line " + (at.getLine() + 1)) + ": " + problem(e, "invalid YAML");
    }

    /** The problem without its line: for a {@code --set} value, a single line of its own. */
    static String problem(MarkedYAMLException e, String what) {
        Mark at = mark(e);
        String column = at == null ? "" : " (column " + (at.getColumn() + 1) + ")";
        String problem = e.getProblem() == null ? e.getMessage() : e.getProblem().trim();
        if (refusedTag(e)) {
            return "tag " + show(problem.substring(GLOBAL_TAG.length())) + " is not allowed" + column + "; "
                    + PLAIN_DATA;
        }
        String context = "";
        if (e.getContext() != null) {
            Mark c = e.getContextMark();
            boolean elsewhere = c != null && at != null && c.getLine() != at.getLine();
            context = " (" + e.getContext() + (elsewhere ? " at line " + (c.getLine() + 1) : "") + ")";
        }
        return what + column + ": " + problem + context;
    }

    /** Whether SnakeYAML stopped at a global tag, i.e. something that names a Java class. */
    static boolean refusedTag(MarkedYAMLException e) {
        return e.getProblem() != null && e.getProblem().startsWith(GLOBAL_TAG);
    }

    private static Mark mark(MarkedYAMLException e) {
        return e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
    }

    /** Reports every node under {@code node} whose tag is not plain data; true if there was one. */
    static boolean checkTags(Node node, String path, Problems problems) {
        return check(node, false, path, problems, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static boolean check(Node node, boolean isKey, String path, Problems problems, Set<Node> seen) {
        if (!seen.add(node)) {
            return false;
        }
        Tag tag = node.getTag();
        if (Tag.MERGE.equals(tag) && isKey) {
            problems.at(node, path, "merge keys (<<) are not supported; write the keys out");
            return true;
        }
        if (!PLAIN.contains(tag) && !Tag.MERGE.equals(tag)) {   // a "<<" value is just text
            problems.at(node, path, "tag " + show(tag.getValue()) + " is not allowed; " + PLAIN_DATA);
            return true;
        }
        boolean found = false;
        if (node instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : "?";
                String at = path.isEmpty() ? key : path + "." + key;
                found |= check(t.getKeyNode(), true, at, problems, seen);
                found |= check(t.getValueNode(), false, at, problems, seen);
            }
        } else if (node instanceof SequenceNode s) {
            for (int i = 0; i < s.getValue().size(); i++) {
                found |= check(s.getValue().get(i), false, path + "[" + i + "]", problems, seen);
            }
        }
        return found;
    }

    /** {@code tag:yaml.org,2002:java.io.File} as it was written: {@code !!java.io.File}. */
    private static String show(String tag) {
        return tag.startsWith(Tag.PREFIX) ? "!!" + tag.substring(Tag.PREFIX.length()) : tag;
    }
}
