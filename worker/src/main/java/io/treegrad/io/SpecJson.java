package io.treegrad.io;

import io.treegrad.nn.LayerSpec;
import io.treegrad.nn.ModelSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link ModelSpec} as JSON, the form a model file stores it in:
 * <pre>
 * {"inputs":784,"layers":[{"type":"linear","units":256,"init":"he"},{"type":"relu"},
 *                         {"type":"dropout","rate":0.2},{"type":"linear","units":10}]}
 * </pre>
 * A layer has {@code type} and, where set, {@code units}, {@code rate}, {@code init}: the fields of
 * {@link LayerSpec}, as a YAML config spells them.
 */
final class SpecJson {
    private static final Set<String> LAYER_KEYS = Set.of("type", "units", "rate", "init");

    private SpecJson() {}

    static String write(ModelSpec spec) {
        List<Object> layers = new ArrayList<>();
        for (LayerSpec l : spec.layers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", l.type());
            if (l.units() != null) {
                m.put("units", l.units());
            }
            if (l.rate() != null) {
                m.put("rate", l.rate());
            }
            if (l.init() != null) {
                m.put("init", l.init());
            }
            layers.add(m);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("inputs", spec.inputs());
        root.put("layers", layers);
        return Json.write(root);
    }

    /** @throws IllegalArgumentException naming the field that is missing or of the wrong kind */
    static ModelSpec parse(String json) {
        if (!(Json.parse(json) instanceof Map<?, ?> root)) {
            throw new IllegalArgumentException("model spec must be a JSON object");
        }
        for (Object key : root.keySet()) {
            if (!key.equals("inputs") && !key.equals("layers")) {
                throw new IllegalArgumentException("model spec has an unknown field '" + key + "'; expected inputs and layers");
            }
        }
        if (!(root.get("layers") instanceof List<?> list)) {
            throw new IllegalArgumentException("model spec: layers must be a list");
        }
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "model spec: layers[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> l)) {
                throw new IllegalArgumentException(at + " must be an object");
            }
            for (Object key : l.keySet()) {
                if (!LAYER_KEYS.contains(key)) {
                    throw new IllegalArgumentException(at + " has an unknown field '" + key + "'");
                }
            }
            Object units = l.get("units");
            Object rate = l.get("rate");
            layers.add(new LayerSpec(string(l.get("type"), at + ".type"),
                    units == null ? null : toInt(units, at + ".units"),
                    rate == null ? null : toDouble(rate, at + ".rate"),
                    l.get("init") == null ? null : string(l.get("init"), at + ".init")));
        }
        return new ModelSpec(toInt(root.get("inputs"), "model spec: inputs"), layers);
    }

    private static String string(Object v, String at) {
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(at + " must be a string, found " + Json.write(v));
    }

    private static int toInt(Object v, String at) {
        if (v instanceof Long n && n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        throw new IllegalArgumentException(at + " must be an integer, found " + Json.write(v));
    }

    private static double toDouble(Object v, String at) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException(at + " must be a number, found " + Json.write(v));
    }
}
