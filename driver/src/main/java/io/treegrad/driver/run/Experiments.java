package io.treegrad.driver.run;

import io.treegrad.driver.config.DatasetConfig;
import io.treegrad.driver.config.ExperimentConfig;
import io.treegrad.driver.config.TrainingConfig;
import io.treegrad.driver.spark.DataSource;
import io.treegrad.driver.spark.TrainSpec;

/** How an experiment's config maps onto what the Spark side runs: one place for train, evaluate, predict. */
final class Experiments {
    private Experiments() {}

    static DataSource source(ExperimentConfig cfg, DatasetConfig d, String pathOverride, String labelsOverride) {
        boolean regression = "regression".equals(d.task());
        return new DataSource(d.format(), pathOverride != null ? pathOverride : d.path(),
                labelsOverride != null ? labelsOverride : d.labels(), d.labelColumn(), Boolean.TRUE.equals(d.header()),
                d.delimiter(), d.skipLines() == null ? 0 : d.skipLines(), d.numFeatures() == null ? 0 : d.numFeatures(),
                d.numClasses() == null ? 0 : d.numClasses(), regression, cfg.data().badRecordPolicy(),
                d.featuresColumn());
    }

    static TrainSpec spec(ExperimentConfig cfg) {
        TrainingConfig t = cfg.training();
        TrainSpec sync = new TrainSpec(cfg.model(), cfg.loss().type(), cfg.loss().delta(),
                cfg.loss().l2() == null ? 0 : cfg.loss().l2(), "float64".equals(t.dtype()), t.seed(),
                t.batchSize() * t.partitions(), t.stepsPerRound(), t.device());
        return t.localSgd() ? sync.localSgd(t.localSteps(), cfg.optimizer()) : sync;
    }
}
