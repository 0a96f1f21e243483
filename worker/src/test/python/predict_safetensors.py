#!/usr/bin/python3
"""Predicts with a treegrad model file using nothing but numpy: a recipe for reading one elsewhere.

usage: predict_safetensors.py MODEL.safetensors ROWS.csv

ROWS.csv holds raw (unscaled) feature rows, comma-separated, no header. Prints one line per row:
the predicted class id (argmax of the outputs), then the model's outputs (logits for classification,
the value for regression) as %.9g, comma-separated.

The file is safetensors (https://github.com/huggingface/safetensors):
  u64 little-endian N | N bytes of JSON header | data section
  header = {"__metadata__": {str: str}, name: {"dtype": "F32"|"F64", "shape": [...],
            "data_offsets": [begin, end]}, ...}   (offsets into the data section, C order, little-endian)
treegrad's __metadata__ (all strings):
  treegrad.model_spec      {"inputs": 64, "layers": [{"type": "linear", "units": 32}, {"type": "relu"}, ...]}
  treegrad.scaler.method   present when the model expects scaled features: x' = (x - scaler.center) / scaler.divisor
                           (tensors scaler.center, scaler.divisor [features], float32)
Linear layer i holds layer<i>.weight [in, out] and layer<i>.bias [out]: y = x @ W + b.
Activations: relu, leaky_relu (slope "rate", default 0.01), tanh, sigmoid, gelu (tanh approximation).
Dropout is the identity at inference.
"""
import json
import sys

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}


def read_safetensors(path):
    """(tensors by name, metadata) of a safetensors file, parsed by hand."""
    with open(path, "rb") as f:
        blob = f.read()
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        dtype = DTYPES.get(entry["dtype"])
        if dtype is None:
            sys.exit(f"{path}: tensor {name} has dtype {entry['dtype']}; this reader knows {sorted(DTYPES)}")
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(entry["shape"])
    return tensors, metadata


def activation(layer, index):
    kind = layer["type"]
    if kind == "relu":
        return lambda x: np.maximum(x, 0)
    if kind == "leaky_relu":
        slope = layer.get("rate", 0.01)
        return lambda x: np.where(x > 0, x, slope * x)
    if kind == "tanh":
        return np.tanh
    if kind == "sigmoid":
        return lambda x: 1 / (1 + np.exp(-x))
    if kind == "gelu":
        c = np.sqrt(2 / np.pi)
        return lambda x: 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3)))
    if kind == "dropout":
        return lambda x: x
    sys.exit(f"layers[{index}]: unsupported layer type '{kind}' (known: linear, relu, leaky_relu, tanh, "
             "sigmoid, gelu, dropout)")


def predict(tensors, metadata, raw):
    spec = json.loads(metadata["treegrad.model_spec"])
    if raw.shape[1] != spec["inputs"]:
        sys.exit(f"rows have {raw.shape[1]} features, the model takes {spec['inputs']}")
    x = raw.astype(np.float32)
    if "treegrad.scaler.method" in metadata:
        # in float32, as treegrad scales: the same IEEE operations give the same bits
        x = (x - tensors["scaler.center"]) / tensors["scaler.divisor"]
    x = x.astype(np.float64)
    for i, layer in enumerate(spec["layers"]):
        if layer["type"] == "linear":
            x = x @ tensors[f"layer{i}.weight"].astype(np.float64) + tensors[f"layer{i}.bias"].astype(np.float64)
        else:
            x = activation(layer, i)(x)
    return x


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tensors, metadata = read_safetensors(sys.argv[1])
    raw = np.loadtxt(sys.argv[2], delimiter=",", dtype=np.float64, ndmin=2)
    outputs = predict(tensors, metadata, raw)
    for row in outputs:
        print(",".join([str(int(np.argmax(row)))] + ["%.9g" % v for v in row]))


if __name__ == "__main__":
    main()
