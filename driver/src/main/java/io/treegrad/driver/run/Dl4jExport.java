package io.treegrad.driver.run;

import io.treegrad.data.FeatureScaler;
import io.treegrad.driver.config.ConfigLoader;
import io.treegrad.driver.store.AtomicFiles;
import io.treegrad.driver.store.ModelStore;
import io.treegrad.io.ModelFile;
import io.treegrad.nn.LayerSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * {@code export MODEL_DIR OUT.zip --format dl4j}: a saved MLP as a DL4J {@code MultiLayerNetwork}
 * zip ({@link ModelSerializer}, no updater state), loadable with
 * {@code ModelSerializer.restoreMultiLayerNetwork(file)}. No Spark session is started.
 *
 * <p>Mapping: each linear layer with the activation after it becomes a {@code DenseLayer}
 * (relu, leaky_relu with its slope, tanh, sigmoid; none: identity); dropout is the identity at
 * inference and is left out; the last linear layer becomes the {@code OutputLayer}, chosen by the
 * run's loss: cross_entropy → softmax + MCXENT (the network outputs class probabilities, ours the
 * logits), bce_with_logits → sigmoid + XENT (the probability), mse and huber → identity + MSE (the
 * value; the loss only matters for further training). Weights keep our [in, out] layout, which is
 * DL4J's. gelu (not mapped: its DL4J counterparts are not checked against ours), an activation
 * after the last linear layer, or two activations in a row are refused, naming the layer.
 *
 * <p>Feature scaling: DL4J has no place for it in the network, so the scaler is folded into the
 * first layer. With x' = (x − c)/s, x'·W + b = x·W' + b' where W'[j,:] = W[j,:]/s[j] and
 * b' = b − Σ_j (c[j]/s[j])·W[j,:] (computed in double, stored in the model's type). The exported
 * network therefore takes RAW features; it agrees with ours up to float rounding.
 */
public final class Dl4jExport {
    /** The output layer, by the loss the model was trained with. */
    public enum Head {
        CLASSIFICATION, BINARY, REGRESSION;

        static Head forLoss(String loss) {
            return switch (loss) {
                case "cross_entropy" -> CLASSIFICATION;
                case "bce_with_logits" -> BINARY;
                case "mse", "huber" -> REGRESSION;
                default -> throw new IllegalArgumentException("loss '" + loss + "' has no DL4J output layer here");
            };
        }
    }

    /** One DL4J layer: a linear layer of ours and the activation after it (null: none). */
    private record Dense(int linearAt, int units, String activationType, Double rate, int activationAt) {}

    private Dl4jExport() {}

    /** Reads {@code MODEL_DIR/model.safetensors}, converts it, writes {@code out} atomically. */
    public static void export(String modelDir, String out, PrintStream console) throws IOException {
        Configuration hadoop = new Configuration();
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(modelDir);
        ModelFile model = new ModelStore(dir.getFileSystem(hadoop), dir).load();
        String loss = ConfigLoader.parse(model.config(), modelDir + "/" + ModelStore.MODEL + " (its config)",
                List.of(), Path.of("").toAbsolutePath()).loss().type();
        MultiLayerNetwork net = toNetwork(model, Head.forLoss(loss));
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(out);
        FileSystem fs = target.getFileSystem(hadoop);
        AtomicFiles.write(fs, target, o -> ModelSerializer.writeModel(net, o, false));
        console.printf(Locale.ROOT, "treegrad: %s exported to %s (DL4J MultiLayerNetwork, %d layers, %d parameters;"
                + " it takes raw features%s)%n", modelDir, out, net.getnLayers(), net.numParams(),
                model.scaler().isPresent() ? ": the feature scaling is folded into the first layer" : "");
    }

    /**
     * The DL4J network holding {@code model}'s parameters (scaler folded in).
     *
     * @throws IllegalArgumentException naming the layer DL4J has no equivalent for
     */
    public static MultiLayerNetwork toNetwork(ModelFile model, Head head) {
        List<Dense> layers = denseLayers(model.spec().layers(), model.source());
        DataType type = model.parameters().dataType();
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .dataType(type).updater(new NoOp()).weightInit(WeightInit.XAVIER)   // weights set below
                .list();
        int width = model.spec().inputs();
        for (int l = 0; l < layers.size(); l++) {
            Dense d = layers.get(l);
            if (l < layers.size() - 1) {
                list.layer(new DenseLayer.Builder().nIn(width).nOut(d.units()).activation(activation(d)).build());
            } else {
                OutputLayer.Builder output = switch (head) {
                    case CLASSIFICATION -> new OutputLayer.Builder(LossFunction.MCXENT).activation(new ActivationSoftmax());
                    case BINARY -> new OutputLayer.Builder(LossFunction.XENT).activation(new ActivationSigmoid());
                    case REGRESSION -> new OutputLayer.Builder(LossFunction.MSE).activation(new ActivationIdentity());
                };
                list.layer(output.nIn(width).nOut(d.units()).build());
            }
            width = d.units();
        }
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();

        INDArray flat = model.parameters();
        long offset = 0;
        for (int l = 0; l < layers.size(); l++) {
            ModelFile.Layout wl = model.layout().get(2 * l);
            ModelFile.Layout bl = model.layout().get(2 * l + 1);
            String expected = "layer" + layers.get(l).linearAt();
            if (!wl.name().equals(expected + ".weight") || !bl.name().equals(expected + ".bias")) {
                throw new IllegalArgumentException(model.source() + ": expected parameters " + expected + ".weight and "
                        + expected + ".bias, found " + wl.name() + " and " + bl.name());
            }
            long wn = wl.shape()[0] * wl.shape()[1];
            INDArray w = flat.get(NDArrayIndex.interval(offset, offset + wn)).reshape('c', wl.shape());
            INDArray b = flat.get(NDArrayIndex.interval(offset + wn, offset + wn + bl.shape()[0])).reshape(1, bl.shape()[0]);
            offset += wn + bl.shape()[0];
            if (l == 0 && model.scaler().isPresent()) {
                INDArray[] folded = foldScaler(model.scaler().get(), w, b);
                w = folded[0];
                b = folded[1];
            }
            // setParam assigns by logical index: our 'c'-ordered [in, out] lands right in DL4J's 'f' view
            net.setParam(l + "_W", w);
            net.setParam(l + "_b", b);
        }
        return net;
    }

    /** W' = W / s (per input row), b' = b − (c/s)·W, in double; returned in W's type. */
    static INDArray[] foldScaler(FeatureScaler scaler, INDArray w, INDArray b) {
        float[] c = scaler.center();
        float[] s = scaler.divisor();
        INDArray wd = w.castTo(DataType.DOUBLE);
        double[] inv = new double[s.length];
        double[] shift = new double[s.length];
        for (int j = 0; j < s.length; j++) {
            inv[j] = 1.0 / s[j];
            shift[j] = (double) c[j] / s[j];
        }
        INDArray scaled = wd.mulColumnVector(Nd4j.createFromArray(inv).reshape(s.length, 1));
        INDArray bias = b.castTo(DataType.DOUBLE).sub(Nd4j.createFromArray(shift).reshape(1, s.length).mmul(wd));
        return new INDArray[] {scaled.castTo(w.dataType()), bias.castTo(b.dataType())};
    }

    /** Groups the spec into DL4J layers; refuses what a DenseLayer/OutputLayer cannot express. */
    private static List<Dense> denseLayers(List<LayerSpec> spec, String source) {
        List<Dense> out = new ArrayList<>();
        Dense open = null;
        for (int i = 0; i < spec.size(); i++) {
            LayerSpec l = spec.get(i);
            String at = source + ": layers[" + i + "] (" + l.type() + ")";
            switch (l.type()) {
                case "linear" -> {
                    if (open != null) {
                        out.add(open);
                    }
                    open = new Dense(i, l.units(), null, null, -1);
                }
                case "dropout" -> { }   // the identity at inference
                case "relu", "leaky_relu", "tanh", "sigmoid" -> {
                    if (open == null) {
                        throw new IllegalArgumentException(at + " comes before the first linear layer; a DL4J dense"
                                + " layer applies its activation after its weights");
                    }
                    if (open.activationType() != null) {
                        throw new IllegalArgumentException(at + " follows another activation (layers["
                                + open.activationAt() + "], " + open.activationType()
                                + "); a DL4J dense layer has one activation");
                    }
                    open = new Dense(open.linearAt(), open.units(), l.type(), l.rate(), i);
                }
                default -> throw new IllegalArgumentException(at + " cannot be exported to DL4J; supported: linear,"
                        + " relu, leaky_relu, tanh, sigmoid, dropout");
            }
        }
        if (open.activationType() != null) {
            throw new IllegalArgumentException(source + ": layers[" + open.activationAt() + "] (" + open.activationType()
                    + ") follows the last linear layer; the exported output layer applies softmax, sigmoid or"
                    + " identity to the last linear layer itself");
        }
        out.add(open);
        return out;
    }

    private static IActivation activation(Dense d) {
        if (d.activationType() == null) {
            return new ActivationIdentity();
        }
        return switch (d.activationType()) {
            case "relu" -> new ActivationReLU();
            case "leaky_relu" -> new ActivationLReLU(d.rate() == null ? 0.01 : d.rate());
            case "tanh" -> new ActivationTanH();
            case "sigmoid" -> new ActivationSigmoid();
            default -> throw new IllegalStateException(d.activationType());
        };
    }
}
