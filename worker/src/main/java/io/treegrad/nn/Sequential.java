package io.treegrad.nn;

import io.treegrad.autodiff.Tensor;
import java.util.List;

/** Layers applied in order. */
public record Sequential(List<Module> layers) implements Module {
    public Sequential {
        layers = List.copyOf(layers);
    }

    @Override
    public Tensor forward(Tensor x, Mode mode) {
        Tensor h = x;
        for (Module m : layers) {
            h = m.forward(h, mode);
        }
        return h;
    }
}
