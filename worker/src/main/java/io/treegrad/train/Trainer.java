package io.treegrad.train;

import io.treegrad.data.Batch;
import io.treegrad.data.Dataset;
import io.treegrad.data.Minibatcher;
import io.treegrad.data.NdBatch;
import io.treegrad.loss.Targets;
import io.treegrad.nn.Mode;
import io.treegrad.nn.Parameters;
import io.treegrad.optim.Optimizer;
import io.treegrad.util.SplitMix64;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Trains one model on one dataset in this process: the loop a single executor runs, and the
 * reference the distributed driver is checked against. Each step: next minibatch of the epoch's
 * seeded shuffle, forward, loss, backward into the flat gradient, divide by the batch size, one
 * optimizer step on the flat parameters. Every step is a pure function of (parameters, optimizer
 * state, step, data, seed).
 */
public final class Trainer {
    private Trainer() {}

    /**
     * @param epochs    full passes over the training data (every record once per epoch)
     * @param batchSize examples per step; an epoch's last batch holds the remainder
     * @param seed      drives the shuffles and the dropout masks
     */
    public record Options(int epochs, int batchSize, long seed) {
        public Options {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs: must be >= 1, got " + epochs);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize: must be >= 1, got " + batchSize);
            }
        }
    }

    /** One optimizer step: its mean training loss (with penalty), learning rate and examples. */
    public record Step(long step, long epoch, int examples, double loss, double learningRate) {}

    /** The state after an epoch: mean training loss over its steps, and the test evaluation if any. */
    public record Epoch(long epoch, long steps, double trainLoss, Evaluation test, double seconds) {}

    public record Result(List<Step> steps, List<Epoch> epochs, double seconds, double samplesPerSecond) {
        /** The last epoch's test evaluation (null without a test set). */
        public Evaluation finalTest() {
            return epochs.get(epochs.size() - 1).test();
        }
    }

    /** Trains for {@code options.epochs()} epochs, evaluating on {@code test} (may be null) after each. */
    public static Result train(Objective objective, Optimizer optimizer, Dataset train, Dataset test,
                               Options options) {
        Parameters params = objective.model().parameters();
        DataType type = params.dataType();
        Minibatcher batches = new Minibatcher(train, options.batchSize(), options.seed());
        Batch batch = batches.newBatch();
        NdBatch arrays = new NdBatch(batches);
        List<Step> steps = new ArrayList<>();
        List<Epoch> epochs = new ArrayList<>();
        long step = 0;
        long examples = 0;
        long start = System.nanoTime();
        for (long epoch = 0; epoch < options.epochs(); epoch++) {
            long epochStart = System.nanoTime();
            double lossSum = 0;
            for (int i = 0; i < batches.numBatches(); i++) {
                arrays.load(batches.fill(batch, epoch, i));
                int n = arrays.size();
                params.zeroGrad();
                double loss = objective.accumulateGradient(as(arrays.features(), type), targets(arrays, type),
                        Mode.train(stepSeed(options.seed(), step)));
                params.grads().divi(n);
                optimizer.step(params.values(), params.grads());
                steps.add(new Step(step, epoch, n, loss / n, optimizer.lastLearningRate()));
                lossSum += loss;
                examples += n;
                step++;
            }
            Evaluation eval = test == null ? null : Evaluator.evaluate(objective, test, 1024);
            epochs.add(new Epoch(epoch, step, lossSum / train.numRows(), eval,
                    (System.nanoTime() - epochStart) / 1e9));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(List.copyOf(steps), List.copyOf(epochs), seconds, examples / seconds);
    }

    static INDArray as(INDArray a, DataType type) {
        return a.dataType() == type ? a : a.castTo(type);
    }

    static Targets targets(NdBatch b, DataType type) {
        return b.targets() == null ? Targets.labels(b.labels()) : Targets.values(as(b.targets(), type));
    }

    /** The seed of one step's randomness (dropout). */
    static long stepSeed(long seed, long step) {
        return SplitMix64.derive(seed, step);
    }
}
