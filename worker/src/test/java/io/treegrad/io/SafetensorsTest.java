package io.treegrad.io;

import static io.treegrad.io.TestFiles.assertBitsEqual;
import static io.treegrad.io.TestFiles.bytes;
import static io.treegrad.io.TestFiles.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The safetensors layout byte for byte, round trips, an independent numpy reader, and every corruption error. */
class SafetensorsTest {
    private static final String SRC = "runs/x/test.safetensors";

    enum Type {
        FLOAT(DataType.FLOAT), DOUBLE(DataType.DOUBLE);

        final DataType type;

        Type(DataType type) {
            this.type = type;
        }
    }

    /** Tensors of every rank the format allows, awkward values and a non-contiguous view. */
    static LinkedHashMap<String, INDArray> sample(DataType type) {
        LinkedHashMap<String, INDArray> t = new LinkedHashMap<>();
        t.put("matrix", Nd4j.createFromArray(new double[][] {{1, -2.5, 3e-7}, {Math.PI, -0.0, 1e30}}).castTo(type));
        t.put("vector", Nd4j.createFromArray(Float.MIN_VALUE, Float.MAX_VALUE, -1f / 3f).castTo(type));
        t.put("scalar", Nd4j.scalar(type, 42.5));
        t.put("empty", Nd4j.create(type, 0));
        t.put("cube", Nd4j.linspace(-1.0, 1.0, 24, type).reshape('c', 2, 3, 4));
        // a transposed view: strides, not a row-major buffer; it must be written as its logical [3, 2] values
        t.put("transposed.view", Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 5, 6}}).castTo(type).transpose());
        t.put("nan", Nd4j.createFromArray(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY).castTo(type));
        return t;
    }

    static Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("config", "model:\n  layers: [\"linear\", 'relu']\n\ttab \\ backslash");
        m.put("unicode", "Ünïcödé – 模型 🚀");
        m.put("empty", "");
        return m;
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void roundTripIsBitExactWithShapesOrderAndMetadata(Type type) throws IOException {
        LinkedHashMap<String, INDArray> tensors = sample(type.type);
        byte[] file = bytes(out -> Safetensors.write(out, tensors, metadata()));

        Safetensors.Contents c = Safetensors.read(in(file), SRC);

        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(c.tensors().keySet()), "names in write order");
        for (String name : tensors.keySet()) {
            assertBitsEqual(tensors.get(name), c.tensor(name), name);
        }
        assertEquals(metadata(), c.metadata());
        assertTrue(c.checksummed());
        assertEquals(SRC, c.source());
    }

    @Test
    void layoutIsTheSpecsByteForByte() throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("a", Nd4j.createFromArray(1f, 2f));
        tensors.put("b", Nd4j.createFromArray(new double[] {-1.5}));
        byte[] file = bytes(out -> Safetensors.write(out, tensors, Map.of("k", "v")));

        ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long n = buf.getLong();
        assertEquals(0, n % 8, "header padded to 8-byte alignment");
        assertEquals(8 + n + 8 + 8, file.length, "length field + header + 2 floats + 1 double");
        String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"k\":\"v\",\"treegrad.sha256\":\""), header);
        assertTrue(header.contains("\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"), header);
        assertTrue(header.contains("\"b\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]}"), header);
        assertTrue(header.stripTrailing().endsWith("}") && header.length() - header.stripTrailing().length() < 8,
                "padding is spaces after the JSON");
        byte[] data = Arrays.copyOfRange(file, 8 + (int) n, file.length);
        // 1.0f = 0x3f800000, 2.0f = 0x40000000, -1.5 = 0xbff8000000000000, all little-endian
        assertEquals("0000803f00000040000000000000f8bf", HexFormat.of().formatHex(data));
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void numpyReadsWhatWeWrite(Type type, @TempDir Path dir) throws Exception {
        TestFiles.assumeNumpy();
        LinkedHashMap<String, INDArray> tensors = sample(type.type);
        tensors.remove("nan");   // JSON cannot carry NaN from Python's side; the bytes are compared below anyway
        Path file = dir.resolve("t.safetensors");
        Files.write(file, bytes(out -> Safetensors.write(out, tensors, metadata())));

        JsonNode r = new ObjectMapper().readTree(TestFiles.python(TestFiles.NUMPY_READER, file.toString()));

        assertTrue(r.get("aligned").asBoolean(), "8 + header length is a multiple of 8");
        assertTrue(r.get("padding_is_spaces").asBoolean());
        assertTrue(r.get("contiguous").asBoolean(), "offsets fill the data section back to back");
        assertTrue(r.get("sha256_ok").asBoolean(), "treegrad.sha256 is the sha256 of the data section");
        for (Map.Entry<String, String> e : metadata().entrySet()) {
            assertEquals(e.getValue(), r.get("metadata").get(e.getKey()).asText(), "metadata " + e.getKey());
        }
        String dtype = type.type == DataType.FLOAT ? "F32" : "F64";
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            JsonNode t = r.get("tensors").get(e.getKey());
            INDArray a = e.getValue();
            assertEquals(dtype, t.get("dtype").asText(), e.getKey());
            long[] shape = new ObjectMapper().convertValue(t.get("shape"), long[].class);
            assertArrayEquals(a.shape(), shape, e.getKey() + " shape as numpy sees it");
            double[] values = new ObjectMapper().convertValue(t.get("values"), double[].class);
            double[] expected = a.length() == 0 ? new double[0] : a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
            assertArrayEquals(expected, values, 0.0, e.getKey() + " values as numpy sees them (row-major)");
        }
    }

    @Test
    void readsAFileWrittenByNumpy(@TempDir Path dir) throws Exception {
        TestFiles.assumeNumpy();
        Path file = dir.resolve("py.safetensors");
        // as Python's safetensors lays it out: F64 first (alignment), names sorted, metadata optional, no checksum
        TestFiles.python(String.join("\n",
                "import json, struct, sys",
                "import numpy as np",
                "w = np.array([[0, 0.5, -1.25], [3, 1024.125, -0.0078125]], dtype='<f4')",
                "d = np.array([1e-300, -2.5], dtype='<f8')",
                "s = np.array(7.0, dtype='<f4')",
                "blobs = [('d', 'F64', d), ('s', 'F32', s), ('w', 'F32', w)]",
                "header, data = {'__metadata__': {'from': 'numpy'}}, b''",
                "for name, dt, a in blobs:",
                "    header[name] = {'dtype': dt, 'shape': list(a.shape), 'data_offsets': [len(data), len(data) + a.nbytes]}",
                "    data += a.tobytes()",
                "h = json.dumps(header).encode('utf-8')",
                "open(sys.argv[1], 'wb').write(struct.pack('<Q', len(h)) + h + data)"), file.toString());

        Safetensors.Contents c = Safetensors.read(file);

        assertFalse(c.checksummed(), "another writer's file has no treegrad checksum");
        assertEquals(Map.of("from", "numpy"), c.metadata());
        assertEquals(List.of("d", "s", "w"), List.copyOf(c.tensors().keySet()));
        assertArrayEquals(new long[] {2, 3}, c.tensor("w").shape());
        assertArrayEquals(new float[] {0, 0.5f, -1.25f, 3, 1024.125f, -0.0078125f}, c.tensor("w").dup('c').data().asFloat());
        assertEquals(DataType.DOUBLE, c.tensor("d").dataType());
        assertArrayEquals(new double[] {1e-300, -2.5}, c.tensor("d").toDoubleVector());
        assertEquals(0, c.tensor("s").rank());
        assertEquals(7f, c.tensor("s").getFloat(0));
    }

    // ---------------------------------------------------------------- corruption

    private static byte[] good() throws IOException {
        return bytes(out -> Safetensors.write(out, sample(DataType.FLOAT), metadata()));
    }

    private static int headerEnd(byte[] file) {
        return 8 + (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static String readError(byte[] file) {
        TensorFileException e = assertThrows(TensorFileException.class, () -> Safetensors.read(in(file), SRC));
        assertEquals(SRC, e.source());
        assertTrue(e.getMessage().startsWith(SRC + ": "), "names the file: " + e.getMessage());
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "expected '" + p + "' in: " + message);
        }
    }

    @Test
    void aFlippedDataByteIsAChecksumMismatch() throws IOException {
        byte[] file = good();
        file[headerEnd(file) + 5] ^= 0x01;
        assertMentions(readError(file), "checksum mismatch", "data section");
    }

    @Test
    void aChangedMetadataValueIsAHeaderChecksumMismatch() throws IOException {
        byte[] file = good();
        int at = indexOf(file, "layers".getBytes(StandardCharsets.US_ASCII));
        assertTrue(at > 8 && at < headerEnd(file));
        file[at] = 'L';    // "layers" → "Layers": still valid JSON, still valid UTF-8
        assertMentions(readError(file), "checksum mismatch in the header");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void truncationAnywhereIsReported() throws IOException {
        byte[] file = good();
        int end = headerEnd(file);
        assertMentions(readError(Arrays.copyOf(file, file.length - 1)), "truncated", "data section should be");
        assertMentions(readError(Arrays.copyOf(file, end + 3)), "truncated", "ends after 3 of them");
        assertMentions(readError(Arrays.copyOf(file, end - 10)), "truncated", "header should be");
        assertMentions(readError(Arrays.copyOf(file, 5)), "not a safetensors file", "only 5 bytes");
        assertMentions(readError(new byte[0]), "not a safetensors file", "empty");
    }

    @Test
    void bytesAfterTheDataAreReported() throws IOException {
        byte[] file = good();
        byte[] longer = Arrays.copyOf(file, file.length + 4);
        assertMentions(readError(longer), "bytes after the data section");
    }

    @Test
    void aZipFileIsNotASafetensorsFile() throws IOException {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            z.putNextEntry(new ZipEntry("coefficients.bin"));
            z.write(new byte[100]);
            z.closeEntry();
        }
        assertMentions(readError(zip.toByteArray()), "not a safetensors file", "bad header length", "zip archive");
    }

    @Test
    void otherFilesAreNotSafetensorsFiles() {
        assertMentions(readError("a,b,c\n1,2,3\n".getBytes(StandardCharsets.US_ASCII)), "not a safetensors file");
        assertMentions(readError("{\"layers\": [16, 2]}\n".getBytes(StandardCharsets.US_ASCII)), "not a safetensors file",
                "bad header length", "it starts with bytes 7b 22 6c 61", "like JSON text");
        // a plausible length but no JSON object after it
        byte[] file = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(16).put("[1,2,3]         ".getBytes(StandardCharsets.US_ASCII)).array();
        assertMentions(readError(file), "not a safetensors file", "does not start with '{'");
    }

    private static byte[] withHeader(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array();
    }

    @Test
    void headerGarbageIsABadHeader() {
        assertMentions(readError(withHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]", 4)),
                "bad header", "expected ',' or '}'");
        assertMentions(readError(withHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4], \"x\": 1}}", 4)),
                "bad header", "unknown field 'x'");
        assertMentions(readError(withHeader("{\"a\": 3}", 0)), "bad header", "tensor 'a'");
        assertMentions(readError(withHeader("{\"__metadata__\": {\"k\": 1}}", 0)), "bad header", "must be a string");
        assertMentions(readError(withHeader("{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4)),
                "bad header", "integers >= 0");
        byte[] invalidUtf8 = withHeader("{\"\u00e9\":1}", 0);
        invalidUtf8[10] = (byte) 0xff;
        assertMentions(readError(invalidUtf8), "bad header", "UTF-8");
    }

    @Test
    void unsupportedDtypeIsNamed() {
        assertMentions(readError(withHeader("{\"w\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 4)),
                "unsupported dtype 'BF16'", "tensor 'w'", "F32 and F64");
    }

    @Test
    void offsetsMustFillTheDataSectionBackToBack() {
        String t = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [%d, %d]}}";
        assertMentions(readError(withHeader(String.format(t, 4, 12), 12)), "offsets out of range", "'b'", "overlaps", "'a'");
        assertMentions(readError(withHeader(String.format(t, 12, 20), 20)), "offsets out of range", "4 unused bytes before", "'b'");
        assertMentions(readError(withHeader(String.format(t, 8, 12), 12)), "'b'", "needs 8 bytes", "span 4");
        assertMentions(readError(withHeader(String.format(t, 8, 4), 12)), "'b'", "end before they begin");
    }

    @Test
    void theWriterRefusesWhatItCannotWrite() {
        Map<String, INDArray> ints = Map.of("i", Nd4j.createFromArray(1, 2, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(new ByteArrayOutputStream(), ints, Map.of()));
        assertMentions(e.getMessage(), "'i'", "INT", "FLOAT (F32) and DOUBLE (F64)");
        Map<String, INDArray> ok = Map.of("x", Nd4j.createFromArray(1f));
        e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(new ByteArrayOutputStream(), ok, Map.of(Safetensors.SHA256_KEY, "x")));
        assertMentions(e.getMessage(), "reserved");
        e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(new ByteArrayOutputStream(), Map.of("__metadata__", Nd4j.createFromArray(1f)), Map.of()));
        assertMentions(e.getMessage(), "__metadata__");
    }
}
