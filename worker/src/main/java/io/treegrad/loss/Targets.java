package io.treegrad.loss;

import org.nd4j.linalg.api.ndarray.INDArray;

/** What a batch's outputs are compared with: integer class labels or real-valued targets [n, k]. */
public record Targets(int[] labels, INDArray values) {
    public static Targets labels(int[] labels) {
        return new Targets(labels, null);
    }

    public static Targets values(INDArray values) {
        return new Targets(null, values);
    }

    public int size() {
        return labels != null ? labels.length : (int) values.size(0);
    }

    int[] requireLabels(String loss) {
        if (labels == null) {
            throw new IllegalArgumentException(loss + " needs integer class labels");
        }
        return labels;
    }

    INDArray requireValues(String loss) {
        if (values == null) {
            throw new IllegalArgumentException(loss + " needs real-valued targets");
        }
        return values;
    }
}
