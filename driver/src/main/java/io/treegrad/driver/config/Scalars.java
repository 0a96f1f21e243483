package io.treegrad.driver.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Typed values from YAML nodes. Each method returns null for an absent or null value, and for a
 * value of the wrong type, which it reports ({@code expected an integer, got 'ten'}).
 *
 * <p>Numbers are read from the scalar's text, so {@code "64"} quoted is 64 as well; the text must
 * be a decimal number as YAML writes it ({@code 1_000}, {@code 1e-3}, {@code .inf}), never Java's
 * wider syntax ({@code 1f}, {@code 0x1p3}).
 */
final class Scalars {
    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9][0-9_]*");
    private static final Pattern DECIMAL =
            Pattern.compile("[-+]?([0-9][0-9_]*(\\.[0-9_]*)?|\\.[0-9][0-9_]*)([eE][-+]?[0-9]+)?");
    private static final List<String> TRUE = List.of("true", "yes", "on");
    private static final List<String> FALSE = List.of("false", "no", "off");

    private final Problems problems;

    Scalars(Problems problems) {
        this.problems = problems;
    }

    String string(Node v, String path) {
        if (ConfigTree.isNull(v)) {
            return null;
        }
        if (!(v instanceof ScalarNode s)) {
            return wrong(v, path, "a string");
        }
        return s.getValue();
    }

    Long whole(Node v, String path) {
        String text = plain(v, path, "an integer", false);
        if (text == null) {
            return null;
        }
        if (!INTEGER.matcher(text).matches()) {
            return wrong(v, path, "an integer");
        }
        try {
            return Long.parseLong(text.replace("_", "").replace("+", ""));
        } catch (NumberFormatException e) {
            return wrong(v, path, "an integer between " + Long.MIN_VALUE + " and " + Long.MAX_VALUE);
        }
    }

    Integer integer(Node v, String path) {
        Long l = whole(v, path);
        if (l == null) {
            return null;
        }
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            return wrong(v, path, "an integer between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE);
        }
        return l.intValue();
    }

    Double number(Node v, String path) {
        String text = plain(v, path, "a number", false);
        if (text == null) {
            return null;
        }
        String t = text.toLowerCase(Locale.ROOT);
        if (t.matches("[-+]?\\.inf")) {
            return t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (t.equals(".nan")) {
            return Double.NaN;
        }
        if (!DECIMAL.matcher(text).matches()) {
            return wrong(v, path, "a number");
        }
        return Double.parseDouble(text.replace("_", ""));
    }

    Boolean bool(Node v, String path) {
        String text = plain(v, path, "true or false", true);
        if (text == null) {
            return null;
        }
        String t = text.toLowerCase(Locale.ROOT);
        if (TRUE.contains(t)) {
            return true;
        }
        return FALSE.contains(t) ? false : wrong(v, path, "true or false");
    }

    /** A list of numbers, each reported at its own index ({@code optimizer.betas[1]}). */
    List<Double> numbers(Node v, String path, String example) {
        if (ConfigTree.isNull(v)) {
            return null;
        }
        if (!(v instanceof SequenceNode s)) {
            return wrong(v, path, "a list of numbers like " + example);
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < s.getValue().size(); i++) {
            Node item = s.getValue().get(i);
            String at = path + "[" + i + "]";
            Double d = number(item, at);
            if (d == null && ConfigTree.isNull(item)) {
                problems.at(item, at, "expected a number, got nothing");
            }
            out.add(d);
        }
        return out;
    }

    /** The text of a scalar (a boolean only if {@code booleanWanted}); null if absent or wrong. */
    private String plain(Node v, String path, String expected, boolean booleanWanted) {
        if (ConfigTree.isNull(v)) {
            return null;
        }
        if (!(v instanceof ScalarNode s) || Tag.BOOL.equals(s.getTag()) && !booleanWanted) {
            return wrong(v, path, expected);
        }
        return s.getValue().trim();
    }

    private <T> T wrong(Node v, String path, String expected) {
        problems.at(v, path, "expected " + expected + ", got " + ConfigTree.describe(v));
        return null;
    }
}
