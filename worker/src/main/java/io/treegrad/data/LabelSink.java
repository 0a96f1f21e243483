package io.treegrad.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects the labels of a text reader under a {@link LabelSpec}: {@link #parse} checks one
 * label and holds it, {@link #commit} keeps it once the rest of the record is good too.
 */
final class LabelSink {
    private final LabelSpec spec;
    private int[] ids = new int[1024];
    private float[] targets = new float[1024];
    private int size;
    private int maxId = -1;
    private int staged;
    private float stagedTarget;
    private String stagedToken;
    /** MAPPED: label token -> provisional id (order of first appearance). */
    private final Map<String, Integer> tokenIds = new HashMap<>();
    private final List<String> tokens = new ArrayList<>();

    LabelSink(LabelSpec spec) { this.spec = spec; }

    void parse(String token) throws Tokens.BadToken {
        switch (spec.kind()) {
            case CLASS_IDS: {
                long id = Tokens.parseClassId(token);
                int k = spec.numClasses();
                if (id < 0 || (k > 0 && id >= k) || id > Integer.MAX_VALUE - 1) {
                    String expected = k > 0
                            ? "expected a class id in 0.." + (k - 1) + " (" + k + " classes)"
                            : "expected a class id >= 0";
                    throw new Tokens.BadToken(BadRecordReason.LABEL_OUT_OF_RANGE,
                            "is " + Tokens.quote(token) + ", out of range; " + expected);
                }
                staged = (int) id;
                break;
            }
            case MAPPED:
                stagedToken = token;  // a class exists once a record of it is committed
                break;
            case REGRESSION:
                stagedTarget = Tokens.parseFloat(token);
                break;
            default:
                throw new IllegalStateException("no label field under LabelSpec.none()");
        }
    }

    void commit() {
        if (spec.kind() == LabelSpec.Kind.MAPPED) {
            Integer id = tokenIds.get(stagedToken);
            if (id == null) {
                id = tokens.size();
                tokenIds.put(stagedToken, id);
                tokens.add(stagedToken);
            }
            staged = id;
        }
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size + (size >> 1));
            targets = Arrays.copyOf(targets, ids.length);
        }
        ids[size] = staged;
        targets[size] = stagedTarget;
        maxId = Math.max(maxId, staged);
        size++;
    }

    Dataset build(float[] x, int n, int d) {
        if (n != size && spec.kind() != LabelSpec.Kind.NONE) {
            throw new IllegalStateException(size + " labels for " + n + " records");
        }
        switch (spec.kind()) {
            case CLASS_IDS:
                int k = spec.numClasses() > 0 ? spec.numClasses() : maxId + 1;
                return Dataset.classification(x, n, d, Arrays.copyOf(ids, n), k);
            case MAPPED:
                return buildMapped(x, n, d);
            case REGRESSION:
                return Dataset.regression(x, n, d, Arrays.copyOf(targets, n));
            default:
                return Dataset.unlabelled(x, n, d);
        }
    }

    /** Renumbers the provisional ids (first appearance) into sorted label order. */
    private Dataset buildMapped(float[] x, int n, int d) {
        TreeMap<Double, List<Integer>> numeric = new TreeMap<>();
        for (int id = 0; id < tokens.size(); id++) {
            String t = tokens.get(id);
            if (!Tokens.isDecimal(t)) {
                numeric = null;
                break;
            }
            numeric.computeIfAbsent(Double.parseDouble(t) + 0.0, v -> new ArrayList<>()).add(id);  // -0 is 0
        }
        int[] remap = new int[tokens.size()];
        List<String> names = new ArrayList<>();
        if (numeric != null) {
            for (Map.Entry<Double, List<Integer>> e : numeric.entrySet()) {
                for (int id : e.getValue()) {
                    remap[id] = names.size();
                }
                names.add(canonical(e.getKey()));
            }
        } else {
            TreeMap<String, Integer> sorted = new TreeMap<>(tokenIds);
            for (Map.Entry<String, Integer> e : sorted.entrySet()) {
                remap[e.getValue()] = names.size();
                names.add(e.getKey());
            }
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = remap[ids[i]];
        }
        return Dataset.classification(x, n, d, y, names);
    }

    /** {@code 1.0 -> "1"}, {@code -1.0 -> "-1"}, {@code 2.5 -> "2.5"}. */
    private static String canonical(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
