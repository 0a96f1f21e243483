package io.treegrad.autodiff;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * A vertex of the recorded graph: either one application of a {@link Function} (the creator of a
 * non-leaf tensor) or the accumulator of a leaf that requires grad. Edges point from a node to the
 * nodes of its inputs; an input that needs no gradient has a {@code null} edge.
 */
final class Node {
    static final String RELEASED_MESSAGE = "Trying to backward through the graph a second time: its"
            + " saved arrays were freed by the first backward. Pass retainGraph=true to the first"
            + " backward if you need to backward through it again (or recompute the forward).";

    private static final AtomicLong SEQUENCE = new AtomicLong();

    final long seq = SEQUENCE.incrementAndGet();
    final Function fn;          // null for a leaf accumulator
    final Tensor leaf;          // non-null only for a leaf accumulator
    final Node[] next;
    final long[][] inputShapes;
    long[] outputShape;
    List<UnaryOperator<Tensor>> hooks;
    Tensor retained;            // a non-leaf whose grad should be kept (retainGrad)

    Node(Function fn, Tensor[] inputs) {
        this.fn = fn;
        this.leaf = null;
        this.next = new Node[inputs.length];
        this.inputShapes = new long[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            next[i] = inputs[i].requiresGrad() ? inputs[i].gradNode() : null;
            inputShapes[i] = inputs[i].shape();
        }
    }

    Node(Tensor leaf) {
        this.fn = null;
        this.leaf = leaf;
        this.next = new Node[0];
        this.inputShapes = new long[0][];
    }

    boolean isLeaf() {
        return leaf != null;
    }

    void addHook(UnaryOperator<Tensor> hook) {
        if (hooks == null) {
            hooks = new ArrayList<>(1);
        }
        hooks.add(hook);
    }

    String label() {
        return isLeaf() ? "AccumulateGrad" : fn.name();
    }
}
