package io.treegrad.driver.spark;

import io.treegrad.data.Minibatcher;
import io.treegrad.loss.Targets;
import io.treegrad.nn.Mode;
import io.treegrad.nn.Model;
import io.treegrad.train.GradientSum;
import io.treegrad.optim.Optimizer;
import io.treegrad.train.Objective;
import io.treegrad.util.HostCopy;
import io.treegrad.util.SplitMix64;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The work of one task for one optimizer step, on an executor. Minibatches have global semantics:
 * minibatch m is positions [m·B, (m+1)·B) of the epoch's seeded permutation of all N rows, and each
 * partition takes the rows of it that it holds. The partitions' gradient sums therefore add up to
 * the gradient of exactly that minibatch, whatever the number of partitions.
 */
final class StepTask {
    /** One model and buffers per task thread (tasks of one executor run on several threads). */
    private static final ThreadLocal<Map<TrainSpec, StepTask>> CACHE = ThreadLocal.withInitial(HashMap::new);

    private final TrainSpec spec;
    private final Model model;
    private final Objective objective;
    private long cachedEpoch = -1;
    private int[] permutation;
    /** Minibatch rows are gathered here, then copied in one piece into {@link #rowBuffer}. */
    private float[] rowStage = new float[0];
    private INDArray rowBuffer;
    /** Local SGD: the round's starting parameters, to take the change against. */
    private INDArray roundStart;

    private StepTask(TrainSpec spec) {
        this.spec = spec;
        this.model = Model.build(spec.model(), spec.dataType(), spec.seed());
        this.objective = new Objective(model, spec.lossFunction(), spec.penalty());
    }

    static StepTask forThread(TrainSpec spec) {
        TaskDevice.bind(spec.device(), CACHE.get()::clear);   // moved to another GPU: drop models living on the old one
        return CACHE.get().computeIfAbsent(spec, StepTask::new);
    }

    /**
     * The gradient sum of optimizer step {@code step} over this shard's rows, with the time it took
     * (loading the parameters, forward and backward passes, copying out the gradient).
     */
    GradientSum gradient(Shard shard, Object params, long step) {
        long started = System.nanoTime();
        load(params);
        model.parameters().zeroGrad();
        Tally t = new Tally();
        for (int r = 0; r < spec.stepsPerRound(); r++) {
            accumulate(shard, step * spec.stepsPerRound() + r, t);
        }
        GradientSum sum = t.count == 0 ? GradientSum.empty() : t.sum(model.parameters().grads());
        return sum.computedIn(System.nanoTime() - started);
    }

    /**
     * Local SGD, round {@code round}: from the broadcast parameters θ, takes one step of a FRESH inner
     * optimizer per global minibatch m in [round·k, min((round+1)·k, limit)) on this shard's rows of
     * it (the inner gradient is the mean over those rows), and returns n·(θ_after − θ) with n the rows
     * it stepped on, so the driver's sum / count is the row-weighted mean change.
     *
     * <p>The inner optimizer's state starts at zero every round: a round is then a pure function of
     * (θ, round, data, seed), so a retried task (a lost executor) recomputes the same change and a
     * checkpoint needs only θ and the outer optimizer's state.
     */
    GradientSum localRound(Shard shard, Object params, long round, long limit) {
        long started = System.nanoTime();
        load(params);
        INDArray values = model.parameters().values();
        if (roundStart == null) {
            roundStart = values.dup();
        } else {
            roundStart.assign(values);
        }
        Optimizer inner = spec.innerOptimizer().build("optimizer");
        INDArray grads = model.parameters().grads();
        Tally t = new Tally();
        long first = round * spec.localSteps();
        long end = Math.min(first + spec.localSteps(), limit);
        for (long m = first; m < end; m++) {
            model.parameters().zeroGrad();
            int n = accumulate(shard, m, t);
            if (n > 0) {
                inner.step(values, grads.divi(n));
            }
        }
        if (t.count == 0) {
            return GradientSum.empty().computedIn(System.nanoTime() - started);
        }
        INDArray weightedChange = grads.assign(values).subi(roundStart).muli(t.count);   // grads as scratch
        return t.sum(weightedChange).computedIn(System.nanoTime() - started);
    }

    /** Loss, rows and training fit summed over the minibatches one task call computes. */
    private static final class Tally {
        double lossSum;
        long count;
        long correct;
        double squaredErrors;

        GradientSum sum(INDArray gradientSum) {
            return GradientSum.empty().add(gradientSum, lossSum, count).addFit(correct, squaredErrors);
        }
    }

    /**
     * Forward and backward of this shard's rows of global minibatch {@code m} (its gradient added
     * into the model's flat buffer), counted in {@code t}; returns how many rows that was (0: none here).
     */
    private int accumulate(Shard shard, long m, Tally t) {
        int[] rows = localRows(shard, m);
        if (rows.length == 0) {
            return 0;
        }
        long seed = SplitMix64.derive(SplitMix64.derive(spec.seed(), m), shard.index);
        t.lossSum += objective.accumulateGradient(features(shard, rows), targets(shard, rows), Mode.train(seed));
        t.correct += objective.lastCorrect();
        t.squaredErrors += objective.lastSquaredError();
        t.count += rows.length;
        return rows.length;
    }

    /** The loss, correct predictions and squared errors of the current parameters on this shard. */
    EvalSum evaluate(Shard shard, Object params, int batchSize) {
        load(params);
        EvalSum e = new EvalSum();
        for (int from = 0; from < shard.rows; from += batchSize) {
            int n = Math.min(batchSize, shard.rows - from);
            int[] rows = consecutive(from, n);
            Targets targets = targets(shard, rows);
            Objective.BatchEvaluation b = objective.evaluate(features(shard, rows), targets);
            e.lossSum += b.meanLoss() * n;
            e.count += n;
            if (shard.labels != null) {
                e.correct += b.correct(targets.labels());
            } else {
                e.squaredErrors += b.squaredError(targets.values());
            }
        }
        return e;
    }

    /** Predictions for this shard's rows in order: the class (argmax) or the regression output. */
    double[] predict(Shard shard, Object params, int batchSize) {
        load(params);
        double[] out = new double[shard.rows];
        for (int from = 0; from < shard.rows; from += batchSize) {
            int n = Math.min(batchSize, shard.rows - from);
            int[] rows = consecutive(from, n);
            INDArray y = objective.model().predict(features(shard, rows));
            INDArray p = shard.labels != null ? y.argMax(1) : y.reshape(n);
            for (int i = 0; i < n; i++) {
                out[from + i] = p.getDouble(i);
            }
        }
        return out;
    }

    private static int[] consecutive(int from, int n) {
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = from + i;
        }
        return rows;
    }

    /** The broadcast parameters into the model's flat buffer: one bulk copy, no fresh array. */
    private void load(Object params) {
        INDArray values = model.parameters().values();
        int n = params instanceof double[] d ? d.length : ((float[]) params).length;
        if (n != values.length()) {
            throw new IllegalArgumentException("expected " + values.length() + " parameter values, got " + n);
        }
        if (params instanceof float[] f && values.dataType() == DataType.FLOAT) {
            HostCopy.into(f, n, values);
        } else if (params instanceof double[] d && values.dataType() == DataType.DOUBLE) {
            HostCopy.into(d, n, values);
        } else {
            INDArray flat = params instanceof double[] d ? Nd4j.createFromArray(d) : Nd4j.createFromArray((float[]) params);
            model.parameters().setValues(flat.castTo(spec.dataType()));
        }
    }

    /** This shard's rows (local indices) of global minibatch {@code m}, in minibatch order. */
    private int[] localRows(Shard shard, long m) {
        long perEpoch = spec.batchesPerEpoch(shard.totalRows);
        long epoch = m / perEpoch;
        if (epoch != cachedEpoch) {
            permutation = Minibatcher.permutation(shard.totalRows, spec.seed(), epoch);
            cachedEpoch = epoch;
        }
        int from = (int) ((m % perEpoch) * spec.globalBatch());
        int to = Math.min(from + spec.globalBatch(), shard.totalRows);
        int[] picked = new int[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            int g = permutation[i] - shard.firstRow;
            if (g >= 0 && g < shard.rows) {
                picked[n++] = g;
            }
        }
        return java.util.Arrays.copyOf(picked, n);
    }

    /**
     * The rows' features as an [n, d] array over this task's kept row buffer (grown to the largest
     * batch seen; valid until the next call): gathered into a Java array, then one bulk copy.
     */
    private INDArray features(Shard s, int[] rows) {
        int d = s.numFeatures;
        int size = rows.length * d;
        if (rowStage.length < size) {
            rowStage = new float[size];
            rowBuffer = Nd4j.create(DataType.FLOAT, size);
        }
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(s.features, rows[i] * d, rowStage, i * d, d);
        }
        HostCopy.into(rowStage, size, rowBuffer);
        INDArray a = Nd4j.create(rowBuffer.data(), new long[] {rows.length, d});
        return spec.dataType() == DataType.FLOAT ? a : a.castTo(spec.dataType());
    }

    private Targets targets(Shard s, int[] rows) {
        if (s.labels != null) {
            int[] y = new int[rows.length];
            for (int i = 0; i < rows.length; i++) {
                y[i] = s.labels[rows[i]];
            }
            return Targets.labels(y);
        }
        double[] t = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            t[i] = s.targets[rows[i]];
        }
        return Targets.values(Nd4j.createFromArray(t).reshape(rows.length, 1).castTo(spec.dataType()));
    }
}
