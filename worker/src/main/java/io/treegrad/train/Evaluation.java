package io.treegrad.train;

/**
 * A model's quality on a dataset: the mean loss (without any penalty) and, for classification, the
 * accuracy, for regression the root-mean-square error (the other is NaN).
 */
public record Evaluation(long examples, double loss, double accuracy, double rmse) {
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%d examples, loss %.4f%s", examples, loss,
                Double.isNaN(accuracy) ? String.format(java.util.Locale.ROOT, ", RMSE %.4f", rmse)
                        : String.format(java.util.Locale.ROOT, ", accuracy %.4f", accuracy));
    }
}
