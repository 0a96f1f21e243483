package io.treegrad.driver.config;

import io.treegrad.nn.LayerSpec;
import io.treegrad.nn.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The {@code model:} section into a {@link ModelSpec}. A layer is written compactly, its type as
 * the key and its one setting as the value, or in full with {@code type:}:
 *
 * <pre>
 *   compact                          full
 *   {linear: 256}                    {type: linear, units: 256}
 *   {linear: 10, init: xavier}       {type: linear, units: 10, init: xavier}
 *   relu (also tanh, sigmoid, gelu)  {type: relu}
 *   leaky_relu / {leaky_relu: 0.1}   {type: leaky_relu, slope: 0.1}       (slope default 0.01)
 *   {dropout: 0.2}                   {type: dropout, rate: 0.2}
 * </pre>
 *
 * A linear layer's {@code init} (he, xavier, zeros) defaults as in {@link io.treegrad.nn.Model}: he
 * when the next layer other than dropout is relu, leaky_relu or gelu, xavier otherwise; the
 * resolved spec says which.
 */
final class ModelReader {
    static final List<String> KEYS = List.of("inputs", "layers");
    static final List<String> TYPES = List.of("linear", "dropout", "relu", "leaky_relu", "tanh", "sigmoid", "gelu");
    static final List<String> FULL_KEYS = List.of("type", "units", "init", "rate", "slope");
    static final List<String> INITS = List.of("he", "xavier", "zeros");
    /** {@link io.treegrad.nn.Model}'s leaky-ReLU slope when a spec leaves it null. */
    static final double DEFAULT_LEAKY_SLOPE = 0.01;
    private static final String EXAMPLE = "[{linear: 128}, relu, {linear: 10}]";

    private ModelReader() {}

    /** The resolved spec, or null if anything in the section is wrong (reported). */
    static ModelSpec read(Section m) {
        Problems problems = m.problems();
        Integer inputs = m.integer("inputs", 1);
        if (!m.has("inputs")) {
            m.missing("inputs", "an integer >= 1, the number of input features");
        }
        List<LayerSpec> layers = new ArrayList<>();
        Node list = m.value("layers");
        if (!m.has("layers")) {
            m.missing("layers", "a list of layers like " + EXAMPLE);
        } else if (!(list instanceof SequenceNode seq)) {
            m.fail("layers", "expected a list of layers like " + EXAMPLE + ", got " + ConfigTree.describe(list));
        } else if (seq.getValue().isEmpty()) {
            m.fail("layers", "expected at least one layer, like " + EXAMPLE + ", got an empty list");
        } else {
            for (int i = 0; i < seq.getValue().size(); i++) {
                layers.add(layer(problems, seq.getValue().get(i), m.path("layers") + "[" + i + "]"));
            }
            if (layers.stream().noneMatch(l -> l != null && l.type().equals("linear"))
                    && !problems.reportedAtOrUnder(m.path("layers"))) {
                m.fail("layers", "a model needs at least one linear layer, got none");
            }
        }
        if (problems.reportedAtOrUnder(m.path()) || !m.present()) {
            return null;
        }
        try {
            return new ModelSpec(inputs, withInits(layers));
        } catch (IllegalArgumentException e) {   // the worker's own checks, should ours ever miss one
            problems.at(m.path(), e.getMessage());
            return null;
        }
    }

    private static LayerSpec layer(Problems problems, Node item, String path) {
        if (item instanceof ScalarNode s && !ConfigTree.isNull(s)) {
            String type = s.getValue();
            if (type.equals("linear") || type.equals("dropout")) {
                String example = type.equals("linear") ? "{linear: 256}" : "{dropout: 0.2}";
                problems.at(item, path, type + " needs a setting: write " + example);
                return null;
            }
            if (!TYPES.contains(type)) {
                problems.at(item, path, "unknown layer '" + type + "'" + Suggest.hint(type, TYPES));
                return null;
            }
            return activation(type, null);
        }
        if (!(item instanceof MappingNode m) || m.getValue().isEmpty()) {
            problems.at(item, path, "expected a layer like relu or {linear: 256}, got "
                    + (item instanceof MappingNode ? "an empty mapping" : ConfigTree.describe(item)));
            return null;
        }
        Node firstKey = m.getValue().get(0).getKeyNode();
        String type = firstKey instanceof ScalarNode k ? k.getValue() : "";
        if (type.equals("type") || m.getValue().stream().anyMatch(t -> t.getKeyNode() instanceof ScalarNode k
                && k.getValue().equals("type"))) {
            return full(Section.at(problems, item, path, FULL_KEYS));
        }
        if (!TYPES.contains(type)) {
            problems.at(item, path, "unknown layer '" + type + "'" + Suggest.hint(type, TYPES));
            return null;
        }
        return compact(Section.at(problems, item, path, type.equals("linear") ? List.of("linear", "init")
                : List.of(type)), type);
    }

    /** {@code {linear: 256, init: he}}, {@code {dropout: 0.2}}, {@code {leaky_relu: 0.1}}, {@code {relu: }}. */
    private static LayerSpec compact(Section s, String type) {
        return switch (type) {
            case "linear" -> linear(s, "linear");
            case "dropout" -> dropout(s, "dropout");
            case "leaky_relu" -> leakyRelu(s, "leaky_relu");
            default -> {
                if (s.has(type)) {
                    s.fail(type, type + " takes no setting: write it as the plain word " + type + ", got "
                            + ConfigTree.describe(s.value(type)));
                }
                yield activation(type, null);
            }
        };
    }

    /** {@code {type: linear, units: 256, init: he}} and the like. */
    private static LayerSpec full(Section s) {
        String type = s.choice("type", TYPES);
        if (type == null) {
            if (!s.has("type")) {
                s.missing("type", "one of " + TYPES);
            }
            return null;
        }
        List<String> uses = switch (type) {
            case "linear" -> List.of("units", "init");
            case "dropout" -> List.of("rate");
            case "leaky_relu" -> List.of("slope");
            default -> List.of();
        };
        for (String key : List.of("units", "init", "rate", "slope")) {
            if (!uses.contains(key)) {
                s.unused(key, type);
            }
        }
        return switch (type) {
            case "linear" -> linear(s, "units");
            case "dropout" -> dropout(s, "rate");
            case "leaky_relu" -> leakyRelu(s, "slope");
            default -> activation(type, null);
        };
    }

    private static LayerSpec linear(Section s, String unitsKey) {
        Integer units = s.integer(unitsKey, 1);
        if (!s.has(unitsKey)) {
            s.fail(unitsKey, "expected the number of units, an integer >= 1, got nothing");
        }
        String init = s.choice("init", INITS);
        return units == null || units < 1 ? null : new LayerSpec("linear", units, null, init);
    }

    private static LayerSpec dropout(Section s, String rateKey) {
        Double rate = s.number(rateKey);
        if (!s.has(rateKey)) {
            s.fail(rateKey, "expected the probability of dropping a unit, a number in [0, 1), got nothing");
        } else if (rate != null && !(rate >= 0 && rate < 1)) {
            s.fail(rateKey, "must be in [0, 1), got " + rate);
        }
        return rate == null ? null : LayerSpec.dropout(rate);
    }

    private static LayerSpec leakyRelu(Section s, String slopeKey) {
        Double slope = s.number(slopeKey);
        if (slope != null && !Double.isFinite(slope)) {
            s.fail(slopeKey, "must be a finite number, got " + slope);
        }
        return activation("leaky_relu", slope);
    }

    private static LayerSpec activation(String type, Double slope) {
        return type.equals("leaky_relu") ? LayerSpec.leakyRelu(slope != null ? slope : DEFAULT_LEAKY_SLOPE)
                : LayerSpec.activation(type);
    }

    /** Each linear layer with its init written out, by the rule {@link io.treegrad.nn.Model} applies to null. */
    private static List<LayerSpec> withInits(List<LayerSpec> layers) {
        List<LayerSpec> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            if (l.type().equals("linear") && l.init() == null) {
                String init = io.treegrad.nn.Model.initFor(layers, i).name().toLowerCase(java.util.Locale.ROOT);
                l = new LayerSpec("linear", l.units(), null, init);
            }
            out.add(l);
        }
        return out;
    }
}
