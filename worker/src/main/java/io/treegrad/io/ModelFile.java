package io.treegrad.io;

import io.treegrad.data.FeatureScaler;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import io.treegrad.nn.Parameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A trained model as one safetensors file that other tools can read: every parameter as its own
 * tensor under its model name and shape ({@code layer0.weight} [784, 256], {@code layer0.bias}
 * [256], ...), plus what is needed to use and explain it.
 *
 * <p>Metadata ({@code __metadata__}, all strings):
 * <ul>
 *   <li>{@code treegrad.format} = {@value #FORMAT}</li>
 *   <li>{@code treegrad.model_spec}: the {@link ModelSpec} as JSON ({@code {"inputs":784,"layers":
 *       [{"type":"linear","units":256},{"type":"relu"},...]}})</li>
 *   <li>{@code treegrad.parameters}: JSON list of the parameter names in flat-buffer order</li>
 *   <li>{@code treegrad.config}: the resolved run configuration, as the caller gave it (YAML)</li>
 *   <li>{@code treegrad.scaler.method} (only with a scaler): DIVIDE, MIN_MAX or STANDARDIZE, with
 *       F32 tensors {@code scaler.center} and {@code scaler.divisor} [features]</li>
 *   <li>{@code provenance.<key>}: one entry per provenance item (version, git commit, data paths,
 *       seed, step, created, ...)</li>
 *   <li>{@code treegrad.sha256}, {@code treegrad.header_sha256}: see {@link Safetensors}</li>
 * </ul>
 *
 * <p>Immutable: {@link #of} copies the parameters out of the model.
 */
public final class ModelFile {
    public static final String FORMAT = "treegrad-model/1";
    static final String SPEC = "treegrad.model_spec";
    static final String PARAMETERS = "treegrad.parameters";

    /** One parameter: its name and shape, in flat-buffer order. */
    public record Layout(String name, long[] shape) {
        long length() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final String source;
    private final ModelSpec spec;
    private final List<Layout> layout;
    private final INDArray parameters;
    private final FeatureScaler scaler;
    private final String config;
    private final Map<String, String> provenance;

    private ModelFile(String source, ModelSpec spec, List<Layout> layout, INDArray parameters, FeatureScaler scaler,
                      String config, Map<String, String> provenance) {
        this.source = source;
        this.spec = spec;
        this.layout = List.copyOf(layout);
        this.parameters = parameters;
        this.scaler = scaler;
        this.config = config;
        this.provenance = Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
    }

    /**
     * A snapshot of {@code model}'s parameters (copied) with what explains it.
     *
     * @param scaler     the feature preprocessing the model expects, or null
     * @param config     the resolved configuration text (YAML), "" if none
     * @param provenance e.g. version, git_commit, data, seed, step, created
     */
    @SuppressWarnings("try")
    public static ModelFile of(Model model, FeatureScaler scaler, String config, Map<String, String> provenance) {
        Objects.requireNonNull(config, "config (use \"\" for none)");
        Objects.requireNonNull(provenance, "provenance");
        List<Layout> layout = new ArrayList<>();
        for (Parameters.Entry e : model.parameters().entries()) {
            layout.add(new Layout(e.name(), e.shape().clone()));
        }
        INDArray copy;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            copy = model.parameters().values().dup();
        }
        return new ModelFile("model file", model.spec(), layout, copy, scaler, config, provenance);
    }

    /** Writes the file to {@code out} (flushed, not closed). */
    public void write(OutputStream out) throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        long offset = 0;
        List<String> names = new ArrayList<>();
        for (Layout l : layout) {
            long n = l.length();
            tensors.put(l.name(), parameters.get(NDArrayIndex.interval(offset, offset + n)).reshape('c', l.shape()));
            names.add(l.name());
            offset += n;
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FileMeta.FORMAT, FORMAT);
        meta.put(SPEC, SpecJson.write(spec));
        meta.put(PARAMETERS, Json.write(names));
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

    public static ModelFile read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads a model file written by {@link #write}; {@code source} names it in errors.
     *
     * @throws TensorFileException if it is not a treegrad model file, is corrupt, or its parts
     *                             disagree (a parameter missing, two data types)
     */
    @SuppressWarnings("try")
    public static ModelFile read(InputStream in, String source) throws IOException {
        Safetensors.Contents c = Safetensors.read(in, source);
        FileMeta.requireFormat(c, FORMAT, "model file");
        ModelSpec spec;
        try {
            spec = SpecJson.parse(c.require(SPEC));
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(source, SPEC + ": " + e.getMessage(), e);
        }
        List<String> names = FileMeta.stringList(c, PARAMETERS);
        Set<String> known = new HashSet<>(names);
        known.add(FileMeta.SCALER_CENTER);
        known.add(FileMeta.SCALER_DIVISOR);
        FileMeta.requireOnly(c, known);
        if (names.isEmpty()) {
            throw new TensorFileException(source, PARAMETERS + " is empty; a model has parameters");
        }

        List<Layout> layout = new ArrayList<>();
        long total = 0;
        DataType type = c.tensor(names.get(0)).dataType();
        for (String name : names) {
            INDArray t = c.tensor(name);
            if (t.dataType() != type) {
                throw new TensorFileException(source, "parameter '" + name + "' is " + t.dataType() + " but '"
                        + names.get(0) + "' is " + type + "; all parameters share one type");
            }
            layout.add(new Layout(name, t.shape().clone()));
            total += t.length();
        }
        INDArray flat;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            flat = Nd4j.create(type, total);
        }
        long offset = 0;
        for (String name : names) {
            INDArray t = c.tensor(name);
            flat.get(NDArrayIndex.interval(offset, offset + t.length())).assign(t.reshape('c', new long[] {t.length()}));
            offset += t.length();
        }
        return new ModelFile(source, spec, layout, flat, FileMeta.scaler(c), c.require(FileMeta.CONFIG),
                FileMeta.provenance(c));
    }

    /**
     * Puts the parameters into {@code model}, which must have the same parameter names, shapes and
     * data type (e.g. built from {@link #spec()}).
     *
     * @throws IllegalArgumentException naming the first parameter that differs:
     *         {@code checkpoint of a different model shape: layer0.weight is [784, 256] in the file,
     *         [784, 128] in the model}
     */
    public void loadInto(Model model) {
        List<Parameters.Entry> want = model.parameters().entries();
        List<String> fileNames = layout.stream().map(Layout::name).toList();
        List<String> modelNames = want.stream().map(Parameters.Entry::name).toList();
        if (!fileNames.equals(modelNames)) {
            throw new IllegalArgumentException(source + ": checkpoint of a different model: the file has parameters "
                    + fileNames + ", the model " + modelNames);
        }
        for (int i = 0; i < want.size(); i++) {
            long[] inFile = layout.get(i).shape();
            long[] inModel = want.get(i).shape();
            if (!Arrays.equals(inFile, inModel)) {
                throw new IllegalArgumentException(source + ": checkpoint of a different model shape: "
                        + want.get(i).name() + " is " + Arrays.toString(inFile) + " in the file, "
                        + Arrays.toString(inModel) + " in the model");
            }
        }
        DataType modelType = model.parameters().dataType();
        if (modelType != parameters.dataType()) {
            throw new IllegalArgumentException(source + ": the parameters are " + parameters.dataType()
                    + " in the file but " + modelType + " in the model; build the model with DataType."
                    + parameters.dataType());
        }
        model.parameters().setValues(parameters);
    }

    /** A new model built from {@link #spec()} in the file's data type, holding the file's parameters. */
    public Model toModel() {
        Model model = Model.build(spec, parameters.dataType(), 0L);
        loadInto(model);
        return model;
    }

    /** Where it was read from ("model file" when made by {@link #of}). */
    public String source() {
        return source;
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The spec as the JSON text the file stores. */
    public String specJson() {
        return SpecJson.write(spec);
    }

    /** The parameter names and shapes, in flat-buffer order. */
    public List<Layout> layout() {
        return layout;
    }

    /** All parameters as one flat array (a copy the caller may keep; do not modify). */
    public INDArray parameters() {
        return parameters;
    }

    public Optional<FeatureScaler> scaler() {
        return Optional.ofNullable(scaler);
    }

    public String config() {
        return config;
    }

    public Map<String, String> provenance() {
        return provenance;
    }
}
