package io.treegrad.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Bytes in and out of the writers and readers, exact comparisons, and the numpy peer. */
final class TestFiles {
    static final String PYTHON = "/usr/bin/python3";

    private TestFiles() {}

    interface Writer {
        void write(java.io.OutputStream out) throws IOException;
    }

    static byte[] bytes(Writer w) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.write(out);
        return out.toByteArray();
    }

    static ByteArrayInputStream in(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }

    /** Asserts same type, shape and every element's bits (NaN payloads and -0.0 included). */
    static void assertBitsEqual(INDArray expected, INDArray actual, String what) {
        assertEquals(expected.dataType(), actual.dataType(), what + ": data type");
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertArrayEquals(rawBits(expected), rawBits(actual), what + ": bits");
    }

    static long[] rawBits(INDArray a) {
        long n = a.length();
        long[] bits = new long[(int) n];
        if (n == 0) {
            return bits;
        }
        INDArray flat = a.dup('c');
        if (a.dataType() == DataType.FLOAT) {
            float[] v = flat.data().asFloat();
            for (int i = 0; i < n; i++) {
                bits[i] = Float.floatToRawIntBits(v[i]);
            }
        } else {
            double[] v = flat.data().asDouble();
            for (int i = 0; i < n; i++) {
                bits[i] = Double.doubleToRawLongBits(v[i]);
            }
        }
        return bits;
    }

    /** Skips (with the reason) where the numpy peer is missing; it is there on the project's machines. */
    static void assumeNumpy() throws Exception {
        boolean ok = new File(PYTHON).canExecute() && run(List.of(PYTHON, "-c", "import numpy"), null).exit == 0;
        assumeTrue(ok, PYTHON + " with numpy is needed to check files against an independent reader");
    }

    record Result(int exit, String stdout, String stderr) {}

    /** Runs the Python {@code script} with {@code args}; fails the test if it does not exit 0. */
    static String python(String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", script));
        cmd.addAll(List.of(args));
        Result r = run(cmd, null);
        assertEquals(0, r.exit, "python failed:\n" + r.stderr + r.stdout);
        return r.stdout;
    }

    /** Runs the Python script file {@code script} with {@code args}; fails the test if it does not exit 0. */
    static String pythonFile(Path script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString()));
        cmd.addAll(List.of(args));
        Result r = run(cmd, null);
        assertEquals(0, r.exit, "python failed:\n" + r.stderr + r.stdout);
        return r.stdout;
    }

    private static Result run(List<String> cmd, Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("python did not finish: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /**
     * A numpy reader written from the safetensors spec alone: prints JSON with the header length,
     * the metadata, whether the layout is as the spec says (padding, contiguous offsets) and
     * whether the data sha256 matches, and each tensor's dtype, shape, values (as float64) and
     * little-endian bytes (hex).
     */
    static final String NUMPY_READER = String.join("\n",
            "import hashlib, json, struct, sys",
            "import numpy as np",
            "raw = open(sys.argv[1], 'rb').read()",
            "(n,) = struct.unpack('<Q', raw[:8])",
            "text = raw[8:8 + n].decode('utf-8')",
            "header = json.loads(text)",
            "meta = header.pop('__metadata__', {})",
            "data = raw[8 + n:]",
            "spans = sorted(tuple(t['data_offsets']) for t in header.values())",
            "contiguous = all(a[1] == b[0] for a, b in zip(spans, spans[1:])) and (not spans or (spans[0][0] == 0 and spans[-1][1] == len(data)))",
            "body = text.rstrip(' ')",
            "out = {'header_len': n, 'aligned': (8 + n) % 8 == 0, 'padding_is_spaces': body.endswith('}') and len(text) - len(body) < 8,",
            "       'contiguous': contiguous, 'metadata': meta,",
            "       'sha256_ok': hashlib.sha256(data).hexdigest() == meta.get('treegrad.sha256'), 'tensors': {}}",
            "for name, t in header.items():",
            "    b, e = t['data_offsets']",
            "    a = np.frombuffer(data[b:e], dtype={'F32': '<f4', 'F64': '<f8'}[t['dtype']]).reshape(t['shape'])",
            "    out['tensors'][name] = {'dtype': t['dtype'], 'shape': list(a.shape),",
            "        'values': a.astype(np.float64).ravel().tolist(), 'hex': a.tobytes().hex()}",
            "print(json.dumps(out))");
}
