package io.treegrad.train;

import io.treegrad.data.Batch;
import io.treegrad.data.Dataset;
import io.treegrad.data.Minibatcher;
import io.treegrad.data.NdBatch;
import io.treegrad.loss.Targets;

/** Loss and accuracy (classification) or RMSE (regression) of a model over a whole dataset. */
public final class Evaluator {
    private Evaluator() {}

    public static Evaluation evaluate(Objective objective, Dataset data, int batchSize) {
        var type = objective.model().parameters().dataType();
        Minibatcher batches = new Minibatcher(data, Math.min(batchSize, data.numRows()), 0);
        Batch batch = batches.newBatch();
        NdBatch arrays = new NdBatch(batches);
        boolean classes = data.labelKind() == Dataset.LabelKind.CLASSES;
        double lossSum = 0;
        double squaredErrors = 0;
        long correct = 0;
        for (int i = 0; i < batches.numBatches(); i++) {
            arrays.load(batches.fill(batch, 0, i));
            Targets targets = Trainer.targets(arrays, type);
            Objective.BatchEvaluation e = objective.evaluate(Trainer.as(arrays.features(), type), targets);
            int n = arrays.size();
            lossSum += e.meanLoss() * n;
            if (classes) {
                correct += e.correct(arrays.labels());
            } else {
                squaredErrors += e.squaredError(targets.values());
            }
        }
        long n = data.numRows();
        return new Evaluation(n, lossSum / n, classes ? (double) correct / n : Double.NaN,
                classes ? Double.NaN : Math.sqrt(squaredErrors / n));
    }
}
