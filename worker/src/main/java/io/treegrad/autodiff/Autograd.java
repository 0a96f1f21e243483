package io.treegrad.autodiff;

/**
 * Functional gradients, as {@code torch.autograd.grad}: the gradients of outputs with respect to
 * chosen inputs, returned instead of accumulated into {@code .grad}. With {@code createGraph} the
 * returned gradients are themselves recorded, so they can be differentiated again.
 */
public final class Autograd {
    private Autograd() {}

    /** d(output)/d(inputs) for a one-element output; frees the graph. */
    public static Tensor[] grad(Tensor output, Tensor... inputs) {
        return grad(new Tensor[] {output}, inputs, null, false, false, false);
    }

    /** d(output)/d(inputs) for a one-element output; {@code createGraph} also retains the graph. */
    public static Tensor[] grad(Tensor output, Tensor[] inputs, boolean createGraph) {
        return grad(new Tensor[] {output}, inputs, null, createGraph, createGraph, false);
    }

    /**
     * Σ_k vₖᵀ ∂outputₖ/∂input for each input.
     *
     * @param gradOutputs the vₖ, one per output (null entries, or a null array, for one-element outputs)
     * @param allowUnused return null for an input the outputs do not depend on, instead of failing
     */
    public static Tensor[] grad(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, boolean retainGraph,
                                boolean createGraph, boolean allowUnused) {
        if (gradOutputs != null && gradOutputs.length != outputs.length) {
            throw new IllegalArgumentException("grad: " + outputs.length + " outputs but "
                    + gradOutputs.length + " gradOutputs");
        }
        Tensor[] seeds = new Tensor[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            seeds[i] = outputs[i].seedFor(gradOutputs == null ? null : gradOutputs[i]);
        }
        return Engine.run(outputs, seeds, retainGraph || createGraph, createGraph, inputs, allowUnused);
    }

    /** The Hessian-vector product H·v of a scalar function at x, by double backward. */
    public static Tensor hvp(java.util.function.UnaryOperator<Tensor> f, Tensor x, Tensor v) {
        Tensor xg = x.detach().requiresGrad(true);
        Tensor g = grad(f.apply(xg), new Tensor[] {xg}, true)[0];
        return grad(g.mul(v).sum(), xg)[0];
    }
}
