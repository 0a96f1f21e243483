package io.treegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.autodiff.GradCheck;
import io.treegrad.autodiff.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModelTest {

    @Test
    void parametersAreViewsIntoOneFlatBufferAndSoAreTheirGradients() {
        Model m = Model.build(ModelSpec.mlp(4, new int[] {3}, 2, "relu"), DataType.FLOAT, 1);
        Parameters p = m.parameters();
        assertEquals(4 * 3 + 3 + 3 * 2 + 2, p.size());
        assertEquals(List.of("layer0.weight", "layer0.bias", "layer2.weight", "layer2.bias"),
                p.entries().stream().map(Parameters.Entry::name).toList());
        // writing the flat buffer changes what the layer computes with, and vice versa
        p.values().putScalar(4 * 3 + 1, 42f);
        assertEquals(42f, p.get("layer0.bias").value().getFloat(1), 0);
        p.get("layer2.weight").value().putScalar(0, 1, -7f);
        assertEquals(-7f, p.values().getFloat(15 + 1), 0);
        // backward accumulates into the flat gradient buffer
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 4);
        m.forward(Tensor.of(x), Mode.EVAL).sum().backward();
        assertEquals(5f, p.grads().getFloat(15 + 3 * 2), 1e-5);   // d(sum)/d(bias of the last layer) = batch size
        assertTrue(p.grads().amaxNumber().doubleValue() > 0);
        p.zeroGrad();
        assertEquals(0, p.grads().amaxNumber().doubleValue(), 0);
        assertEquals(0, p.get("layer0.weight").grad().value().amaxNumber().doubleValue(), 0);
    }

    @Test
    void sameSpecAndSeedGiveTheSameModelAndAnotherSeedDoesNot() {
        ModelSpec spec = ModelSpec.mlp(8, new int[] {16, 4}, 3, "tanh");
        INDArray a = Model.build(spec, DataType.FLOAT, 5).parameters().values();
        INDArray b = Model.build(spec, DataType.FLOAT, 5).parameters().values();
        INDArray c = Model.build(spec, DataType.FLOAT, 6).parameters().values();
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void initialisersHaveTheirDocumentedScale() {
        INDArray he = Nd4j.zeros(DataType.DOUBLE, 400, 300);
        Init.HE.fill(he, 400, 300, 3);
        assertEquals(Math.sqrt(2.0 / 400), he.stdNumber().doubleValue(), 0.02 * Math.sqrt(2.0 / 400));
        INDArray xavier = Nd4j.zeros(DataType.DOUBLE, 400, 300);
        Init.XAVIER.fill(xavier, 400, 300, 3);
        double a = Math.sqrt(6.0 / 700);
        assertTrue(xavier.amaxNumber().doubleValue() <= a);
        assertEquals(a / Math.sqrt(3), xavier.stdNumber().doubleValue(), 0.02 * a);
        // biases start at zero
        Model m = Model.build(ModelSpec.mlp(3, new int[] {4}, 2, "relu"), DataType.FLOAT, 1);
        assertEquals(0, m.parameters().get("layer0.bias").value().amaxNumber().doubleValue(), 0);
    }

    @Test
    void dropoutIsActiveOnlyInTrainingAndSeededPerPass() {
        ModelSpec spec = new ModelSpec(6, List.of(LayerSpec.linear(50), LayerSpec.dropout(0.5), LayerSpec.linear(2)));
        Model m = Model.build(spec, DataType.DOUBLE, 2);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 6);
        assertEquals(m.forward(Tensor.of(x), Mode.EVAL).value(), m.forward(Tensor.of(x), Mode.EVAL).value());
        INDArray t1 = m.forward(Tensor.of(x), Mode.train(9)).value();
        assertEquals(t1, m.forward(Tensor.of(x), Mode.train(9)).value());
        assertNotEquals(t1, m.forward(Tensor.of(x), Mode.train(10)).value());
        assertNotEquals(t1, m.forward(Tensor.of(x), Mode.EVAL).value());
    }

    @Test
    void geluIsPyTorchsTanhApproximation() {
        double[] x = {-3.0, -1.0, -0.1, 0.0, 0.5, 2.0};
        // torch.nn.functional.gelu(x, approximate='tanh'), torch 1.13, float64
        double[] torch = {-0.0036373920817729943, -0.15880800939172324, -0.04601724895456484, 0.0,
            0.34571400982514394, 1.954597694087775};
        INDArray y = Activation.GELU.apply(Tensor.of(DataType.DOUBLE, x), 0).value();
        assertArrayEquals(torch, y.toDoubleVector(), 1e-15);
        GradCheck.withOptions().jvp(true).gradGrad(true)
                .verify(in -> Activation.GELU.apply(in[0], 0), Tensor.of(DataType.DOUBLE, x).requiresGrad(true));
    }

    @Test
    void specErrorsNameTheLayerAndWhatWasExpected() {
        IllegalArgumentException units = assertThrows(IllegalArgumentException.class,
                () -> new ModelSpec(4, List.of(LayerSpec.linear(8), LayerSpec.activation("relu"), LayerSpec.linear(0))));
        assertEquals("layers[2].units: must be >= 1, got 0", units.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> new ModelSpec(4, List.of(LayerSpec.linear(8), LayerSpec.activation("swish"))));
        assertTrue(type.getMessage().startsWith("layers[1].type: unknown activation 'swish'"), type.getMessage());
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class,
                () -> new ModelSpec(4, List.of(LayerSpec.linear(8), LayerSpec.dropout(1.0))));
        assertTrue(rate.getMessage().startsWith("layers[1].rate:"), rate.getMessage());
        IllegalArgumentException input = assertThrows(IllegalArgumentException.class,
                () -> Model.build(ModelSpec.logisticRegression(4, 3), DataType.FLOAT, 1)
                        .forward(Tensor.of(Nd4j.zeros(DataType.FLOAT, 2, 5)), Mode.EVAL));
        assertTrue(input.getMessage().contains("[batch, 4]") && input.getMessage().contains("[2, 5]"));
    }

    @Test
    void exampleModelsHaveTheirShapes() {
        assertEquals(3, ModelSpec.logisticRegression(64, 3).outputs());
        assertEquals(1, ModelSpec.linearRegression(10).outputs());
        assertEquals(65 * 10, Model.build(ModelSpec.logisticRegression(64, 10), DataType.FLOAT, 1).parameters().size());
    }
}
