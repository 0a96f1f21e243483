package io.treegrad.nn;

import io.treegrad.autodiff.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model built from a {@link ModelSpec}: its layers, and its parameters as views into one flat
 * buffer ({@link #parameters()}). Linear layer i owns {@code layer<i>.weight} [in, out] and
 * {@code layer<i>.bias} [out], laid out in layer order.
 */
public final class Model implements Module {
    private final ModelSpec spec;
    private final Parameters parameters;
    private final Sequential network;

    private Model(ModelSpec spec, Parameters parameters, Sequential network) {
        this.spec = spec;
        this.parameters = parameters;
        this.network = network;
    }

    /** Builds and initialises the model; the same (spec, type, seed) gives the same parameters. */
    public static Model build(ModelSpec spec, DataType type, long seed) {
        Parameters.Builder declared = Parameters.builder();
        int width = spec.inputs();
        List<LayerSpec> layers = spec.layers();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            if (l.isLinear()) {
                declared.add(weightName(i), width, l.units()).add(biasName(i), l.units());
                width = l.units();
            }
        }
        Parameters params = declared.build(type);
        List<Module> modules = new ArrayList<>();
        width = spec.inputs();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            if (l.isLinear()) {
                Tensor w = params.get(weightName(i));
                initFor(layers, i).fill(w.value(), width, l.units(), new Mode(false, seed).seedFor(i));
                modules.add(new Linear(w, params.get(biasName(i))));
                width = l.units();
            } else if (l.isDropout()) {
                modules.add(new Dropout(l.rate(), i));
            } else {
                modules.add(Activation.parse(l.type()).layer(l.rate() == null ? 0.01 : l.rate()));
            }
        }
        return new Model(spec, params, new Sequential(modules));
    }

    /**
     * The initialiser of linear layer i: its own {@code init}, else He when the next layer other than
     * dropout is ReLU-like (relu, leaky_relu, gelu), else Xavier.
     */
    public static Init initFor(List<LayerSpec> layers, int i) {
        LayerSpec l = layers.get(i);
        if (l.init() != null) {
            return Init.parse(l.init());
        }
        for (int j = i + 1; j < layers.size(); j++) {
            String t = layers.get(j).type();
            if (!layers.get(j).isDropout()) {
                return t.equals("relu") || t.equals("leaky_relu") || t.equals("gelu") ? Init.HE : Init.XAVIER;
            }
        }
        return Init.XAVIER;
    }

    static String weightName(int layer) {
        return "layer" + layer + ".weight";
    }

    static String biasName(int layer) {
        return "layer" + layer + ".bias";
    }

    @Override
    public Tensor forward(Tensor x, Mode mode) {
        if (x.rank() != 2 || x.size(1) != spec.inputs()) {
            throw new IllegalArgumentException("model input must be [batch, " + spec.inputs() + "], got "
                    + io.treegrad.autodiff.Shapes.str(x.shape()));
        }
        return network.forward(x, mode);
    }

    /** Outputs for a batch without recording a graph, in evaluation mode. */
    public INDArray predict(INDArray x) {
        try (var off = io.treegrad.autodiff.GradMode.noGrad()) {
            return forward(Tensor.of(x), Mode.EVAL).value();
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    public Parameters parameters() {
        return parameters;
    }

    /** The weight tensors (not biases): what an L2 weight penalty applies to. */
    public List<Tensor> weights() {
        List<Tensor> w = new ArrayList<>();
        for (Parameters.Entry e : parameters.entries()) {
            if (e.name().endsWith(".weight")) {
                w.add(e.tensor());
            }
        }
        return w;
    }
}
