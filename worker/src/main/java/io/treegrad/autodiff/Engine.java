package io.treegrad.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The backward walk. It never names an op: it orders the reachable nodes topologically, hands each
 * the sum of the gradients that reached it, asks it for its vector-Jacobian product, reduces a
 * broadcast gradient to its input's shape (the one place that happens), and accumulates into leaves.
 * In a first-order {@code backward()} an op may add a leaf's gradient straight into its {@code .grad}
 * instead ({@link Function#leafGradTarget}: only where nothing else would observe that gradient).
 */
final class Engine {
    private Engine() {}

    /**
     * Runs backward from {@code roots} seeded with {@code seeds}. With {@code capture} null, leaf
     * gradients accumulate into {@code .grad}; otherwise the gradients reaching the captured tensors
     * are returned (in capture order) and no {@code .grad} is touched, as {@code autograd.grad} does.
     */
    static Tensor[] run(Tensor[] roots, Tensor[] seeds, boolean retainGraph, boolean createGraph,
                        Tensor[] capture, boolean allowUnused) {
        Node[] rootNodes = new Node[roots.length];
        for (int i = 0; i < roots.length; i++) {
            rootNodes[i] = roots[i].gradNode();
            if (rootNodes[i] == null) {
                throw new IllegalStateException("backward: output " + i + " (shape "
                        + Shapes.str(roots[i].shape()) + ") does not require grad and has no graph: it was"
                        + " computed from tensors that do not require grad, inside a noGrad scope, or"
                        + " detached. Mark the inputs with requiresGrad(true) before computing it.");
            }
        }
        Map<Node, Integer> captureIndex = null;
        if (capture != null) {
            captureIndex = new IdentityHashMap<>();
            for (int i = 0; i < capture.length; i++) {
                Node n = capture[i].gradNode();
                if (n == null) {
                    throw new IllegalArgumentException("grad: input " + i + " (shape "
                            + Shapes.str(capture[i].shape()) + ") does not require grad");
                }
                captureIndex.put(n, i);
            }
        }
        List<Node> order = topologicalOrder(rootNodes);
        Set<Node> needed = captureIndex == null ? null : needed(order, captureIndex.keySet());

        Map<Node, Tensor> pending = new IdentityHashMap<>();
        Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < roots.length; i++) {
            Tensor seed = seeds[i];
            if (seed == null) {
                seed = new Tensor(Nd.ones(roots[i].dataType(), roots[i].shape()), false);
                owned.add(seed);
            }
            accumulate(pending, owned, rootNodes[i], seed, createGraph);
        }

        Tensor[] captured = capture == null ? null : new Tensor[capture.length];
        for (Node node : order) {
            Tensor g = pending.remove(node);
            if (g == null || (needed != null && !needed.contains(node))) {
                continue;
            }
            g = runHooks(node, g);
            if (node.retained != null) {
                storeGrad(node.retained, g, owned.contains(g), createGraph);
            }
            if (captureIndex != null) {
                Integer at = captureIndex.get(node);
                if (at != null) {
                    captured[at] = g;
                }
                if (node.isLeaf()) {
                    continue;
                }
            } else if (node.isLeaf()) {
                storeGrad(node.leaf, g, owned.contains(g), createGraph);
                continue;
            }
            propagate(node, g, pending, owned, needed, createGraph, capture == null);
            if (!retainGraph) {
                node.fn.release();
            }
        }
        if (captured != null && !allowUnused) {
            for (int i = 0; i < captured.length; i++) {
                if (captured[i] == null) {
                    throw new IllegalArgumentException("grad: input " + i + " (shape "
                            + Shapes.str(capture[i].shape()) + ") was not used to compute the outputs;"
                            + " pass allowUnused=true to get null for it");
                }
            }
        }
        return captured;
    }

    private static void propagate(Node node, Tensor g, Map<Node, Tensor> pending, Set<Tensor> owned,
                                  Set<Node> needed, boolean createGraph, boolean intoLeafGrads) {
        if (node.fn.released()) {
            throw new IllegalStateException(Node.RELEASED_MESSAGE + " (at " + node.label() + ")");
        }
        Tensor[] inputGrads;
        try (GradMode.Scope mode = GradMode.set(createGraph)) {
            node.fn.intoLeafGrads(intoLeafGrads && !createGraph);
            try {
                inputGrads = node.fn.backward(g);
            } finally {
                node.fn.intoLeafGrads(false);
            }
            if (inputGrads.length != node.next.length) {
                throw new IllegalStateException(node.label() + ".backward returned "
                        + inputGrads.length + " gradients for " + node.next.length + " inputs");
            }
            for (int i = 0; i < inputGrads.length; i++) {
                Node target = node.next[i];
                Tensor gi = inputGrads[i];
                if (target == null || gi == null || (needed != null && !needed.contains(target))) {
                    continue;
                }
                long[] want = node.inputShapes[i];
                if (!Shapes.equal(gi.shape(), want)) {
                    // NumPy broadcasting ran forward; its adjoint is a sum over the broadcast axes.
                    gi = gi.sumTo(want);
                }
                accumulate(pending, owned, target, gi, createGraph);
            }
        }
    }

    private static void accumulate(Map<Node, Tensor> pending, Set<Tensor> owned, Node target, Tensor g,
                                   boolean createGraph) {
        Tensor prev = pending.get(target);
        if (prev == null) {
            pending.put(target, g);
        } else if (createGraph) {
            pending.put(target, prev.add(g));
        } else if (owned.contains(prev)) {
            prev.value().addi(g.value());
        } else {
            // NOTE: gradients are often aliases (add passes its gradient through to both inputs), so
            // the first sum goes into a fresh buffer; only buffers made here are added into in place.
            Tensor sum = new Tensor(prev.value().add(g.value()), false);
            owned.add(sum);
            pending.put(target, sum);
        }
    }

    /** Accumulates g into t.grad: in place normally; as a recorded op under createGraph. */
    private static void storeGrad(Tensor t, Tensor g, boolean gIsOwned, boolean createGraph) {
        Tensor current = t.grad();
        if (!Shapes.equal(g.shape(), t.shape())) {
            throw new IllegalStateException("gradient of shape " + Shapes.str(g.shape())
                    + " for a tensor of shape " + Shapes.str(t.shape()) + " (a hook changed its shape?)");
        }
        if (createGraph) {
            if (current == null) {
                t.setGradUnchecked(g.requiresGrad() ? g : new Tensor(g.value().dup('c'), false));
            } else {
                try (GradMode.Scope on = GradMode.enableGrad()) {
                    t.setGradUnchecked(current.add(g));
                }
            }
        } else if (current == null) {
            // a stored gradient is always a C-ordered buffer of its own (views and aliases are copied)
            boolean steal = gIsOwned && g.value().ordering() == 'c' && !g.value().isView();
            t.setGradUnchecked(new Tensor(steal ? g.value() : g.value().dup('c'), false));
        } else if (current.requiresGrad()) {
            t.setGradUnchecked(new Tensor(current.value().add(g.value()), false));
        } else {
            current.value().addi(g.value());
        }
    }

    private static Tensor runHooks(Node node, Tensor g) {
        if (node.hooks == null) {
            return g;
        }
        for (UnaryOperator<Tensor> hook : node.hooks) {
            Tensor replaced = hook.apply(g);
            if (replaced != null) {
                if (!Shapes.equal(replaced.shape(), g.shape())) {
                    throw new IllegalStateException("a gradient hook returned shape "
                            + Shapes.str(replaced.shape()) + " for a gradient of shape " + Shapes.str(g.shape()));
                }
                g = replaced;
            }
        }
        return g;
    }

    /** Reverse post-order of an iterative depth-first search: every node after all its consumers. */
    static List<Node> topologicalOrder(Node[] roots) {
        List<Node> post = new ArrayList<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object[]> stack = new ArrayDeque<>();
        for (Node root : roots) {
            if (!seen.add(root)) {
                continue;
            }
            stack.push(new Object[] {root, 0});
            while (!stack.isEmpty()) {
                Object[] frame = stack.peek();
                Node n = (Node) frame[0];
                int i = (Integer) frame[1];
                if (i < n.next.length) {
                    frame[1] = i + 1;
                    Node child = n.next[i];
                    if (child != null && seen.add(child)) {
                        stack.push(new Object[] {child, 0});
                    }
                } else {
                    stack.pop();
                    post.add(n);
                }
            }
        }
        Collections.reverse(post);
        return post;
    }

    /** The nodes from which a captured node is reachable (the only ones grad() must run). */
    private static Set<Node> needed(List<Node> order, Set<Node> captured) {
        Set<Node> needed = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int k = order.size() - 1; k >= 0; k--) {   // inputs before consumers
            Node n = order.get(k);
            boolean need = captured.contains(n);
            for (Node child : n.next) {
                need |= child != null && needed.contains(child);
            }
            if (need) {
                needed.add(n);
            }
        }
        return needed;
    }
}
