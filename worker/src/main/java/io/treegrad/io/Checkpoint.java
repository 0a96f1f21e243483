package io.treegrad.io;

import io.treegrad.data.FeatureScaler;
import io.treegrad.nn.Parameters;
import io.treegrad.optim.Optimizer;
import io.treegrad.optim.OptimizerState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Everything a run needs to continue bit for bit, in one safetensors file: the flat parameters,
 * the optimizer state, where the data cursor stands, the seed and the resolved configuration.
 *
 * <p>Tensors: {@code params} [n] and {@code optim.<buffer>} [n] for each optimizer state buffer
 * (F32 or F64, all the parameters' type), plus {@code scaler.center} / {@code scaler.divisor}
 * (F32 [features]) when there is a scaler. Metadata (strings; integers in decimal):
 * <ul>
 *   <li>{@code treegrad.format} = {@value #FORMAT}</li>
 *   <li>{@code treegrad.step}, {@code treegrad.epoch}, {@code treegrad.batch_cursor},
 *       {@code treegrad.seed}</li>
 *   <li>{@code treegrad.optimizer} (name), {@code treegrad.optimizer.step},
 *       {@code treegrad.optimizer.buffers} (JSON list of buffer names, in state order)</li>
 *   <li>{@code treegrad.config}, {@code treegrad.scaler.method}, {@code provenance.<key>},
 *       {@code treegrad.sha256}, {@code treegrad.header_sha256}, as in {@link ModelFile}</li>
 * </ul>
 *
 * @param step        training steps completed (the next one is {@code step + 1})
 * @param epoch       the epoch the next step belongs to (0-based)
 * @param batchCursor the next minibatch's index within that epoch
 * @param seed        the run's seed
 * @param params      the flat parameters, rank 1, FLOAT or DOUBLE; the record owns this array
 * @param optimizer   the optimizer state, its buffers as long as and of the type of {@code params}
 * @param scaler      the feature scaler, or null if the run has none
 * @param config      the resolved configuration text ("" if none)
 * @param provenance  version, git commit, data paths, created, ... (may be empty)
 */
public record Checkpoint(long step, long epoch, long batchCursor, long seed, INDArray params,
                         OptimizerState optimizer, FeatureScaler scaler, String config,
                         Map<String, String> provenance) {
    public static final String FORMAT = "treegrad-checkpoint/1";
    static final String PARAMS = "params";
    static final String OPTIM = "optim.";
    static final String STEP = "treegrad.step";
    static final String EPOCH = "treegrad.epoch";
    static final String BATCH_CURSOR = "treegrad.batch_cursor";
    static final String SEED = "treegrad.seed";
    static final String OPTIMIZER = "treegrad.optimizer";
    static final String OPTIMIZER_STEP = "treegrad.optimizer.step";
    static final String OPTIMIZER_BUFFERS = "treegrad.optimizer.buffers";

    public Checkpoint {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(config, "config (use \"\" for none)");
        Objects.requireNonNull(provenance, "provenance");
        if (step < 0 || epoch < 0 || batchCursor < 0) {
            throw new IllegalArgumentException("checkpoint step, epoch and batchCursor must be >= 0, got "
                    + step + ", " + epoch + ", " + batchCursor);
        }
        if (params.rank() != 1 || (params.dataType() != DataType.FLOAT && params.dataType() != DataType.DOUBLE)) {
            throw new IllegalArgumentException("checkpoint params must be a flat FLOAT or DOUBLE array, got "
                    + params.dataType() + " of rank " + params.rank());
        }
        for (Map.Entry<String, INDArray> e : optimizer.buffers().entrySet()) {
            INDArray b = e.getValue();
            if (b.length() != params.length() || b.dataType() != params.dataType()) {
                throw new IllegalArgumentException("optimizer buffer '" + e.getKey() + "' is " + b.length() + " × "
                        + b.dataType() + " but the params are " + params.length() + " × " + params.dataType());
            }
        }
        provenance = Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
    }

    /**
     * A checkpoint of the current parameters and optimizer state (both copied: training on does
     * not change it).
     */
    @SuppressWarnings("try")
    public static Checkpoint capture(Parameters params, Optimizer optimizer, long step, long epoch, long batchCursor,
                                     long seed, FeatureScaler scaler, String config, Map<String, String> provenance) {
        INDArray copy;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            copy = params.values().dup();
        }
        return new Checkpoint(step, epoch, batchCursor, seed, copy, optimizer.state(), scaler, config, provenance);
    }

    /**
     * Puts the parameters and optimizer state back: afterwards, stepping on gives exactly what the
     * uninterrupted run gave.
     *
     * @throws IllegalArgumentException if the parameters differ in number or type (another model),
     *                                  or the optimizer is another kind
     */
    public void restoreInto(Parameters target, Optimizer opt) {
        if (target.size() != params.length() || target.dataType() != params.dataType()) {
            throw new IllegalArgumentException("checkpoint of a different model: " + params.length() + " × "
                    + params.dataType() + " parameters in the checkpoint, " + target.size() + " × "
                    + target.dataType() + " in the model");
        }
        opt.restore(optimizer);
        target.setValues(params);
    }

    /** Writes the checkpoint to {@code out} (flushed, not closed). */
    public void write(OutputStream out) throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put(PARAMS, params);
        for (Map.Entry<String, INDArray> e : optimizer.buffers().entrySet()) {
            tensors.put(OPTIM + e.getKey(), e.getValue());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FileMeta.FORMAT, FORMAT);
        meta.put(STEP, Long.toString(step));
        meta.put(EPOCH, Long.toString(epoch));
        meta.put(BATCH_CURSOR, Long.toString(batchCursor));
        meta.put(SEED, Long.toString(seed));
        meta.put(OPTIMIZER, optimizer.optimizer());
        meta.put(OPTIMIZER_STEP, Long.toString(optimizer.step()));
        meta.put(OPTIMIZER_BUFFERS, Json.write(new ArrayList<>(optimizer.buffers().keySet())));
        meta.put(FileMeta.CONFIG, config);
        FileMeta.putScaler(scaler, tensors, meta);
        FileMeta.putProvenance(provenance, meta);
        Safetensors.write(out, tensors, meta);
    }

    public void write(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(out);
        }
    }

    public static Checkpoint read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads a checkpoint written by {@link #write}; {@code source} names it in errors.
     *
     * @throws TensorFileException if it is not a treegrad checkpoint, is truncated or corrupt, or
     *                             its parts disagree
     */
    public static Checkpoint read(InputStream in, String source) throws IOException {
        Safetensors.Contents c = Safetensors.read(in, source);
        FileMeta.requireFormat(c, FORMAT, "checkpoint");
        List<String> bufferNames = FileMeta.stringList(c, OPTIMIZER_BUFFERS);
        Set<String> known = new HashSet<>(List.of(PARAMS, FileMeta.SCALER_CENTER, FileMeta.SCALER_DIVISOR));
        LinkedHashMap<String, INDArray> buffers = new LinkedHashMap<>();
        for (String name : bufferNames) {
            known.add(OPTIM + name);
            buffers.put(name, c.tensor(OPTIM + name));
        }
        FileMeta.requireOnly(c, known);
        try {
            OptimizerState state = new OptimizerState(c.require(OPTIMIZER), FileMeta.longValue(c, OPTIMIZER_STEP), buffers);
            return new Checkpoint(FileMeta.longValue(c, STEP), FileMeta.longValue(c, EPOCH),
                    FileMeta.longValue(c, BATCH_CURSOR), FileMeta.longValue(c, SEED), c.tensor(PARAMS), state,
                    FileMeta.scaler(c), c.require(FileMeta.CONFIG), FileMeta.provenance(c));
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(source, "inconsistent checkpoint: " + e.getMessage(), e);
        }
    }
}
