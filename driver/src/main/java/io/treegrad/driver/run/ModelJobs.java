package io.treegrad.driver.run;

import io.treegrad.data.FeatureScaler;
import io.treegrad.driver.config.ConfigLoader;
import io.treegrad.driver.config.DatasetConfig;
import io.treegrad.driver.config.ExperimentConfig;
import io.treegrad.driver.spark.DistributedData;
import io.treegrad.driver.spark.DistributedTrainer;
import io.treegrad.driver.spark.Sessions;
import io.treegrad.driver.store.AtomicFiles;
import io.treegrad.driver.store.ModelStore;
import io.treegrad.io.ModelFile;
import io.treegrad.train.Evaluation;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code evaluate MODEL DATA} and {@code predict MODEL DATA OUT}: a saved model (the {@code model/}
 * directory a run writes) applied to data of the format it was trained on. The model file carries
 * its resolved config, so the data format, the model and the feature scaling come from it; DATA
 * (and, for idx, {@code --labels}) only replaces the paths.
 */
public final class ModelJobs {
    private final ExperimentConfig cfg;
    private final ModelFile model;
    private final JavaSparkContext jsc;
    private final PrintStream console;

    private ModelJobs(String modelDir, PrintStream console) throws IOException {
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(modelDir);
        this.jsc = JavaSparkContext.fromSparkContext(Sessions.create("treegrad model", Map.of()).sparkContext());
        FileSystem fs = dir.getFileSystem(jsc.hadoopConfiguration());
        this.model = new ModelStore(fs, dir).load();
        this.cfg = ConfigLoader.parse(model.config(), modelDir + "/model.safetensors (its config)", List.of(),
                Path.of("").toAbsolutePath());
        this.console = console;
    }

    public static Evaluation evaluate(String modelDir, String data, String labels, PrintStream console)
            throws IOException {
        ModelJobs m = new ModelJobs(modelDir, console);
        DistributedData d = m.load(data, labels);
        Evaluation e = m.trainer(d).evaluate(d, m.model.parameters(), 1024);
        console.printf(Locale.ROOT, "treegrad: %s on %s: %s%n", modelDir, data, e);
        return e;
    }

    /** Writes {@code OUT} as CSV {@code record,prediction} (the class, or the value for regression). */
    public static long predict(String modelDir, String data, String labels, String out, PrintStream console)
            throws IOException {
        ModelJobs m = new ModelJobs(modelDir, console);
        DistributedData d = m.load(data, labels);
        double[] predictions = m.trainer(d).predict(d, m.model.parameters(), 1024);
        StringBuilder csv = new StringBuilder(predictions.length * 8).append("record,prediction\n");
        for (int i = 0; i < predictions.length; i++) {
            double p = predictions[i];
            csv.append(i).append(',').append(d.isRegression() ? Double.toString(p) : Long.toString((long) p)).append('\n');
        }
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(out);
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(target.getFileSystem(m.jsc.hadoopConfiguration()), target, o -> o.write(bytes));
        console.printf(Locale.ROOT, "treegrad: %d predictions written to %s%n", predictions.length, out);
        return predictions.length;
    }

    private DistributedData load(String data, String labels) {
        DatasetConfig d = cfg.data().test() != null ? cfg.data().test() : cfg.data().train();
        DistributedData loaded = DistributedData.load(jsc, Experiments.source(cfg, d, data, labels),
                cfg.training().partitions());
        if (loaded.numFeatures() != cfg.model().inputs()) {
            throw new IllegalArgumentException(data + ": " + loaded.numFeatures() + " features per row, but the model "
                    + model.source() + " takes " + cfg.model().inputs() + "; expected the same number");
        }
        return loaded.scaled(model.scaler().map(FeatureScaler::state).orElse(null));
    }

    /** On the device this build computes on ({@code auto}), whatever the model was trained on. */
    private DistributedTrainer trainer(DistributedData d) {
        return new DistributedTrainer(jsc, d, Experiments.spec(cfg).onDevice("auto"), cfg.training().aggregationDepth(),
                cfg.training().jobTimeoutSeconds());
    }
}
