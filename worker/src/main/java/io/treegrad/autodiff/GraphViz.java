package io.treegrad.autodiff;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recorded graph as graphviz DOT, like the autograd lectures' {@code make_dot}: outputs in green,
 * leaf variables in light blue with their names and shapes, ops in grey with their output shapes,
 * edges in the direction data flowed. Render with {@code dot -Tpng graph.dot -o graph.png}.
 */
public final class GraphViz {
    private GraphViz() {}

    public static String toDot(Tensor... outputs) {
        Node[] roots = new Node[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            roots[i] = outputs[i].gradNode();
            if (roots[i] == null) {
                throw new IllegalArgumentException("toDot: output " + i + " has no graph (it does not require grad)");
            }
        }
        List<Node> order = Engine.topologicalOrder(roots);
        Map<Node, String> ids = new IdentityHashMap<>();
        StringBuilder dot = new StringBuilder("digraph autograd {\n")
                .append("  rankdir=TB;\n")
                .append("  node [style=filled, shape=box, fontname=\"monospace\", fontsize=10];\n");
        for (int i = order.size() - 1; i >= 0; i--) {
            Node n = order.get(i);
            String id = "n" + ids.size();
            ids.put(n, id);
            if (n.isLeaf()) {
                String name = n.leaf.name() == null ? "" : escape(n.leaf.name()) + "\\n";
                dot.append("  ").append(id).append(" [label=\"").append(name)
                        .append(Shapes.str(n.leaf.shape())).append("\", fillcolor=lightblue];\n");
            } else {
                dot.append("  ").append(id).append(" [label=\"").append(escape(n.label())).append("\\n")
                        .append(Shapes.str(n.outputShape)).append("\", fillcolor=lightgrey];\n");
            }
            for (Node input : n.next) {
                if (input != null) {
                    dot.append("  ").append(ids.get(input)).append(" -> ").append(id).append(";\n");
                }
            }
        }
        for (int i = 0; i < outputs.length; i++) {
            String name = outputs[i].name() == null ? "output" : outputs[i].name();
            dot.append("  out").append(i).append(" [label=\"").append(escape(name)).append("\\n")
                    .append(Shapes.str(outputs[i].shape())).append("\", fillcolor=darkolivegreen1];\n")
                    .append("  ").append(ids.get(roots[i])).append(" -> out").append(i).append(";\n");
        }
        return dot.append("}\n").toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
