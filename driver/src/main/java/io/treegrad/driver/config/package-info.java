/**
 * Experiment configs: YAML files in, immutable validated records out.
 *
 * <p>{@link io.treegrad.driver.config.ConfigLoader#load ConfigLoader.load(file, overrides)} reads a
 * file and {@code --set key.path=value} overrides into an
 * {@link io.treegrad.driver.config.ExperimentConfig} with every default filled in;
 * {@link io.treegrad.driver.config.ConfigWriter#toYaml ConfigWriter.toYaml} writes such a record
 * back, and the text loads to an equal record. The model and optimizer sections become the worker's
 * own plain-data specs, {@link io.treegrad.nn.ModelSpec} and {@link io.treegrad.optim.OptimizerSpec}.
 *
 * <h2>The format</h2>
 *
 * Keys are snake_case. Required: {@code data.train}, {@code model}, {@code loss.type},
 * {@code optimizer.type}, {@code training} ({@code epochs} or {@code steps}, and
 * {@code batch_size}) and {@code output.dir}. Everything else has the default in its comment
 * (the same file is {@code driver/src/test/resources/config/reference.yaml}, which the tests load):
 *
 * <pre>
 * name: reference                   # default: the file name without .yaml
 * data:
 *   train:                          # required
 *     format: csv                   # idx | csv | libsvm | parquet
 *     path: data/wine/wine_data.csv # any Hadoop URI (hdfs://, s3a://, file:) or local path
 *     header: false                 # csv: the first line names the columns (default false)
 *     skip_lines: 1                 # csv: lines to ignore before the header or data (default 0)
 *     delimiter: ","                # csv: one character, or whitespace (default ",")
 *     label_column: -1              # csv: 0-based index (-1: the last, the default) or header name;
 *                                   #   parquet: column name (default label)
 *     # labels: ...                 # idx: the labels file (required); csv, regression only: a
 *                                   #   separate targets file, every CSV column then a feature
 *     # features_column: features   # parquet: the array (float, double, int, long, short, byte) or
 *                                   #   Spark ML vector column (default features)
 *     num_features: 13              # optional: checked against model.inputs
 *     num_classes: 3                # optional, classification only: checked against the model
 *     task: classification          # classification (default) | regression
 *   test:                           # optional; task, num_features, num_classes default to train's
 *     format: csv
 *     path: data/wine/wine_data.csv
 *     skip_lines: 1
 *   scaling:
 *     method: standardize           # none (default) | divide | minmax | standardize
 *     # constant: 255               # divide only: the divisor
 *   bad_records: fail               # fail (default) | skip
 * model:
 *   inputs: 13
 *   layers:                         # in order; compact form or {type: ..., ...}
 *     - {linear: 32, init: he}      # = {type: linear, units: 32, init: he}; init he | xavier | zeros,
 *                                   #   default he before relu/leaky_relu/gelu, else xavier
 *     - {leaky_relu: 0.1}           # = {type: leaky_relu, slope: 0.1}; plain leaky_relu: slope 0.01
 *     - {dropout: 0.1}              # = {type: dropout, rate: 0.1}
 *     - tanh                        # relu | tanh | sigmoid | gelu take no setting
 *     - {type: linear, units: 3}
 * loss:
 *   type: cross_entropy             # cross_entropy | mse | bce_with_logits | huber
 *   # delta: 1.0                    # huber only (default 1.0)
 *   l2: 0.0001                      # λ·Σ‖W‖² over the weights (default 0)
 * optimizer:                        # OptimizerSpec's fields; torch.optim's defaults
 *   type: sgd                       # sgd | adagrad | rmsprop | adam | adamw
 *   lr: 0.05                        # required for sgd
 *   momentum: 0.9                   # sgd (default 0)
 *   nesterov: true                  # sgd (default false)
 *   # betas: [0.9, 0.999]           # adam, adamw
 *   # alpha: 0.99                   # rmsprop
 *   # eps: 1.0e-8                   # adagrad, rmsprop, adam, adamw
 *   weight_decay: 0.0               # every type (adamw default 0.01, else 0)
 *   clip_norm: 5.0                  # optional: clip the gradient's global L2 norm
 *   schedule:                       # default {type: constant}; ScheduleSpec's fields
 *     type: cosine                  # constant | step | exponential | inverse_time | cosine
 *     t_max: 2000                   # cosine (required)
 *     min_lr: 0.001                 # cosine (default 0)
 *     warmup_steps: 100             # every type (default 0)
 *     # step_size: 100              # step (required)
 *     # gamma: 0.5                  # step (default 0.1), exponential (required)
 *     # decay: 0.01                 # inverse_time (required)
 * training:
 *   epochs: 40                      # exactly one of epochs and steps
 *   batch_size: 16                  # required: examples per worker per step
 *   partitions: 2                   # default 2
 *   aggregation_depth: 2            # treeAggregate depth (default 2)
 *   steps_per_round: 1              # default 1
 *   seed: 7                         # default 1
 *   dtype: float32                  # float32 (default) | float64
 *   device: auto                    # auto (default) | cpu | gpu: see "Devices" below
 *   job_timeout_seconds: 600        # a step's Spark job running longer fails the run (default 600; 0: none)
 *   mode: sync                      # sync (default) | local_sgd: see "Local SGD" below
 *   # local_steps: 7                # local_sgd (required): minibatches (inner steps) per task per round
 *   # outer_optimizer:              # local_sgd: the driver's optimizer, same keys as optimizer:
 *   #   {type: sgd, lr: 0.7, momentum: 0.9, nesterov: true}   # (default {type: sgd, lr: 1.0})
 * evaluation:
 *   every_steps: 0                  # 0 (default): once per epoch; and after the last step
 *   batch_size: 256                 # default: training.batch_size
 * checkpoints:
 *   uri: runs/reference/ckpt        # default: &lt;output.dir&gt;/checkpoints
 *   every_steps: 500                # 0 (default): only at the end
 *   keep_last: 3                    # default 3
 * output:
 *   dir: runs/reference             # required
 *   log_every_steps: 50             # default 50
 * retrain:                          # optional: for treegrad retrain CONFIG --date YYYY-MM-DD (below)
 *   registry: runs/registry         # required: the model registry (any Hadoop URI or local path)
 *   model: reference                # the registry model name (default: name)
 *   metric: accuracy                # accuracy (default for classification) | loss | rmse (default for
 *                                   #   regression); accuracy: higher is better, loss and rmse: lower
 *   min_improvement: 0.005          # promote when the challenger beats the champion by at least this,
 *                                   #   in the metric's units (default 0: any strict improvement)
 *   optimizer_state: carried        # fresh (default) | carried: the champion's final optimizer state
 *   epochs: 2                       # epochs over the day's partition (default: training's epochs/steps)
 *   holdout: data/wine/wine_data.csv  # default: data.test's path; both models are evaluated on it
 *   # holdout_labels: ...           # idx: the holdout's labels file (default data.test.labels)
 * </pre>
 *
 * <h2>Retraining</h2>
 *
 * {@code treegrad retrain CONFIG --date 2026-11-01} replaces {@code {date}} in
 * {@code data.train.path} (and {@code labels}; required in the path), {@code output.dir} and
 * {@code checkpoints.uri} by the date; an {@code output.dir} without {@code {date}} gets
 * {@code /<date>} appended, so each day has its own run directory. {@code data.test} is replaced
 * by {@code retrain.holdout} when set, and {@code training.epochs} by {@code retrain.epochs}. A
 * warm start keeps the champion's feature scaling (its parameters were learned on it); with
 * {@code optimizer_state: carried} the learning-rate schedule goes on from the champion's step.
 *
 * <h2>Paths</h2>
 *
 * {@code path}, {@code labels}, {@code checkpoints.uri} and {@code output.dir} take a URI with a
 * scheme ({@code hdfs://namenode/data}, {@code s3a://bucket/run}, {@code file:/tmp/x}), kept as
 * written, or a local path. A relative path is resolved against the working directory of the
 * process that loads the config (where {@code spark-submit} runs), not against the config file's
 * directory, so {@code data/fashion-mnist/...} means the repository's data when run from its root.
 * An absolute path without a scheme is kept as written, and Hadoop reads it from its default file
 * system ({@code file:} in local mode, often HDFS on a cluster): on a cluster, write full URIs.
 *
 * <h2>Parquet</h2>
 *
 * {@code format: parquet} reads a Parquet file or a directory of them with Spark SQL, on the
 * executors: a features column ({@code array<float|double|int|long|short|byte>} or a Spark ML
 * vector, dense or sparse) and a numeric label column (integer class ids, or targets for
 * {@code task: regression}). Every row must have the same length ({@code num_features} when
 * given, else the first row's). Rows are taken in file path order, then row order within a file,
 * so a data set always gives the same shards and the same run. A bad row is named by file, 0-based
 * row and column ({@code .../part-00000.parquet row 17: label column 'label' is 2.5, not an
 * integer; expected an integer class id}) and fails the load or is skipped, by
 * {@code data.bad_records}.
 *
 * <h2>Overrides</h2>
 *
 * {@code --set training.epochs=10}, {@code --set optimizer.betas=[0.9,0.99]},
 * {@code --set model.layers[0].linear=512}, {@code --set data.test=null} (removes the key, so its
 * default applies): the value is YAML, applied before validation; problems in it are reported
 * against the {@code --set} argument instead of a file line.
 *
 * <h2>Local SGD</h2>
 *
 * {@code training.mode: sync} (the default) is exact synchronous SGD: one Spark job per optimizer
 * step, the same result as one process taking the same global minibatches. Spark's fixed cost per
 * job (~45 ms in local mode, ~100 ms on a small cluster) then bounds a run at ~20 steps/s, however
 * fast the tasks compute. {@code mode: local_sgd} pays it once per {@code local_steps} = k
 * minibatches (federated averaging with a server optimizer, as in FedAvgM / DiLoCo):
 * <ol>
 *   <li>the driver broadcasts θ; each task starts from θ with a fresh {@code optimizer:} (the inner
 *       optimizer; its state starts at zero every round) and takes one step per global minibatch
 *       m = r·k … r·k + k − 1 on its rows of m (minibatches keep their global meaning, so the rows a
 *       round sees do not depend on the partitioning);</li>
 *   <li>each task returns n_p·(θ_p − θ), n_p the rows it stepped on; the driver forms the
 *       pseudo-gradient g = θ − Σ n_p θ_p / Σ n_p and steps {@code outer_optimizer} with it.</li>
 * </ol>
 * Outer {@code {type: sgd, lr: 1.0}} (the default) sets θ to the tasks' row-weighted average; with
 * k = 1 and an inner plain SGD that is exactly a synchronous SGD step (tested). Outer momentum
 * (FedAvgM; {@code nesterov: true}) makes up for the averaging's damping. A round is a pure function
 * of (θ, round, data, seed), so a retried task (a lost executor) recomputes the same change, and a
 * checkpoint holds θ and the outer optimizer's state: {@code --resume} is bit-identical. Steps,
 * {@code every_steps} and {@code steps:} count rounds; rounds may straddle epochs, and the last round
 * of an {@code epochs:} run is shorter when k does not divide the run's minibatches.
 * {@code optimizer.schedule} must be constant (it would restart every round; schedule the outer
 * optimizer instead) and {@code steps_per_round} is sync-only. The cost: tasks drift apart within a
 * round, so accuracy per epoch can be lower than sync SGD's; {@code jobs/bench-time-to-accuracy}
 * measures both.
 *
 * <h2>Devices</h2>
 *
 * {@code training.device} says where executor tasks compute. The ND4J backend is fixed when the
 * application is built: the default build has the CPU backend ({@code nd4j-native}), a
 * {@code mvn -Pcuda} build the CUDA 11.6 one ({@code nd4j-cuda-11.6}), which computes only on GPUs.
 * <ul>
 *   <li>{@code auto} (default): with the CUDA backend, each task binds ND4J to the GPU Spark assigned
 *       it ({@code TaskContext.resources()}), or to ND4J's default GPU when Spark assigns none (local
 *       mode never does); with the CPU backend, the CPU. Either way the executor's log says once
 *       which, e.g. {@code no GPU assigned to this task; computing on the CPU}.</li>
 *   <li>{@code gpu}: as {@code auto} with the CUDA backend, but a CPU-backend build, or a task on a
 *       cluster without a GPU assigned, fails with a message naming the fix. On a cluster (not
 *       {@code local[*]}) treegrad sets {@code spark.executor.resource.gpu.amount=1},
 *       {@code spark.task.resource.gpu.amount=1} and, if {@code jobs/gpu-discovery} is found,
 *       {@code spark.executor.resource.gpu.discoveryScript} unless they are set already.</li>
 *   <li>{@code cpu}: the CPU; a CUDA-backend build fails.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 *
 * All problems are collected and thrown as one {@link io.treegrad.driver.config.ConfigException},
 * one line each: {@code configs/x.yaml line 12: training.batchsize: unknown key; did you mean
 * batch_size?}, {@code configs/x.yaml line 7: optimizer.lr: must be > 0, got -0.1},
 * {@code --set training.bach_size=3: unknown key; did you mean batch_size?}. A missing section is
 * reported without a line ({@code configs/x.yaml: output: missing; expected ...}).
 *
 * <p>Safe: the YAML is composed into nodes and never constructed into objects; a tag that is not
 * plain data ({@code !!java.io.File}, {@code !!javax.script.ScriptEngineManager}, {@code !local},
 * {@code !!binary}) is an error, as are merge keys ({@code <<}). Plain Java and SnakeYAML: no Spark.
 */
package io.treegrad.driver.config;
