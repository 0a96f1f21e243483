package io.treegrad.io;

import io.treegrad.data.FeatureScaler;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The metadata keys and tensors that model files and checkpoints share, and their checks. */
final class FileMeta {
    static final String FORMAT = "treegrad.format";
    static final String CONFIG = "treegrad.config";
    static final String SCALER_METHOD = "treegrad.scaler.method";
    static final String SCALER_CENTER = "scaler.center";
    static final String SCALER_DIVISOR = "scaler.divisor";
    static final String PROVENANCE = "provenance.";

    private FileMeta() {}

    /**
     * Checks that {@code c} is a checksummed treegrad file of {@code format} ("treegrad-model/1"),
     * naming what it is instead when it is not.
     */
    static void requireFormat(Safetensors.Contents c, String format, String what) throws TensorFileException {
        String found = c.metadata().get(FORMAT);
        if (found == null) {
            throw new TensorFileException(c.source(), "not a treegrad " + what + ": a safetensors file without "
                    + FORMAT + " metadata (written by another tool?)");
        }
        if (!found.equals(format)) {
            throw new TensorFileException(c.source(), "not a treegrad " + what + " (" + format + "): its "
                    + FORMAT + " is '" + found + "'");
        }
        if (!c.checksummed()) {
            throw new TensorFileException(c.source(), "has no " + Safetensors.SHA256_KEY
                    + " checksum; every treegrad " + what + " carries one, so this file was altered");
        }
    }

    static void putScaler(FeatureScaler scaler, Map<String, INDArray> tensors, Map<String, String> meta) {
        if (scaler == null) {
            return;
        }
        FeatureScaler.State s = scaler.state();
        meta.put(SCALER_METHOD, s.method());
        tensors.put(SCALER_CENTER, Nd4j.createFromArray(s.center()));
        tensors.put(SCALER_DIVISOR, Nd4j.createFromArray(s.divisor()));
    }

    /** The scaler, or null if the file has none. */
    static FeatureScaler scaler(Safetensors.Contents c) throws TensorFileException {
        String method = c.metadata().get(SCALER_METHOD);
        if (method == null) {
            if (c.tensors().containsKey(SCALER_CENTER) || c.tensors().containsKey(SCALER_DIVISOR)) {
                throw new TensorFileException(c.source(), "has scaler tensors but no " + SCALER_METHOD + " metadata");
            }
            return null;
        }
        INDArray center = c.tensor(SCALER_CENTER);
        INDArray divisor = c.tensor(SCALER_DIVISOR);
        for (INDArray a : List.of(center, divisor)) {
            if (a.dataType() != DataType.FLOAT || a.rank() != 1) {
                throw new TensorFileException(c.source(), "scaler tensors must be F32 vectors, found "
                        + a.dataType() + " of shape " + java.util.Arrays.toString(a.shape()));
            }
        }
        try {
            return FeatureScaler.fromState(new FeatureScaler.State(method, center.toFloatVector(), divisor.toFloatVector()));
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(c.source(), e.getMessage(), e);
        }
    }

    static void putProvenance(Map<String, String> provenance, Map<String, String> meta) {
        for (Map.Entry<String, String> e : provenance.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null) {
                throw new IllegalArgumentException("provenance entries need a non-empty key and a value, got "
                        + e.getKey() + " = " + e.getValue());
            }
            meta.put(PROVENANCE + e.getKey(), e.getValue());
        }
    }

    static Map<String, String> provenance(Safetensors.Contents c) {
        Map<String, String> p = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : c.metadata().entrySet()) {
            if (e.getKey().startsWith(PROVENANCE)) {
                p.put(e.getKey().substring(PROVENANCE.length()), e.getValue());
            }
        }
        return p;
    }

    static long longValue(Safetensors.Contents c, String key) throws TensorFileException {
        String v = c.require(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new TensorFileException(c.source(), "metadata " + key + " is '" + v + "', not an integer");
        }
    }

    /** A JSON list of strings in the metadata, e.g. the parameter order. */
    static List<String> stringList(Safetensors.Contents c, String key) throws TensorFileException {
        String v = c.require(key);
        Object parsed;
        try {
            parsed = Json.parse(v);
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(c.source(), "metadata " + key + ": " + e.getMessage(), e);
        }
        List<String> out = new ArrayList<>();
        if (parsed instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    out = null;
                    break;
                }
                out.add(s);
            }
            if (out != null) {
                if (new HashSet<>(out).size() != out.size()) {
                    throw new TensorFileException(c.source(), "metadata " + key + " names a tensor twice: " + v);
                }
                return out;
            }
        }
        throw new TensorFileException(c.source(), "metadata " + key + " must be a JSON list of names, found " + v);
    }

    /** Fails naming the first tensor of the file that the reader does not know. */
    static void requireOnly(Safetensors.Contents c, Collection<String> known) throws TensorFileException {
        for (String name : c.tensors().keySet()) {
            if (!known.contains(name)) {
                throw new TensorFileException(c.source(), "has an unexpected tensor '" + name + "'; expected only " + known);
            }
        }
    }
}
