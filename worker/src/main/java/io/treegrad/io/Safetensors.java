package io.treegrad.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The safetensors layout (https://github.com/huggingface/safetensors), written and read over plain
 * streams, so that Hadoop's streams work as well as local files:
 *
 * <pre>
 * u64 little-endian N | N bytes of UTF-8 JSON header, padded with spaces to a multiple of 8 | data
 * header = {"__metadata__": {string: string, ...},
 *           "name": {"dtype": "F32" | "F64", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, ...}
 * </pre>
 *
 * {@code data_offsets} are {@code [begin, end)} byte offsets into the data section; the tensors fill
 * it back to back, in the order they were given, each row-major (C order) little-endian. Any
 * safetensors reader (Python's {@code safetensors}, or a few lines of numpy) reads these files.
 *
 * <p>Integrity: the writer adds two entries to {@code __metadata__}:
 * <ul>
 *   <li>{@value #SHA256_KEY}: lowercase hex sha256 of the whole data section;</li>
 *   <li>{@value #HEADER_SHA256_KEY}: sha256 of the rest of the header in canonical form: the JSON
 *       object of every tensor entry (keys dtype, shape, data_offsets in that order) and
 *       {@code "__metadata__"} (without this key), object keys sorted (Java {@code String} order),
 *       no whitespace, UTF-8. It covers names, shapes and every metadata value (config text, step).</li>
 * </ul>
 * The reader verifies whichever of the two is present; files from other writers have neither and
 * are read unverified ({@link Contents#checksummed()} tells which).
 *
 * <p>Only F32 and F64 are read and written: those are the types treegrad computes in.
 */
public final class Safetensors {
    /** Metadata key of the data section's sha256 (hex). */
    public static final String SHA256_KEY = "treegrad.sha256";
    /** Metadata key of the canonical header's sha256 (hex); see the class comment. */
    public static final String HEADER_SHA256_KEY = "treegrad.header_sha256";
    /** The safetensors reference implementation's limit; a larger length field is not a header. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final String METADATA = "__metadata__";
    private static final int CHUNK = 1 << 16;

    private Safetensors() {}

    /** The element types treegrad stores. */
    public enum DType {
        F32(4, DataType.FLOAT),
        F64(8, DataType.DOUBLE);

        final int bytes;
        final DataType dataType;

        DType(int bytes, DataType dataType) {
            this.bytes = bytes;
            this.dataType = dataType;
        }

        static DType of(DataType type) {
            for (DType d : values()) {
                if (d.dataType == type) {
                    return d;
                }
            }
            return null;
        }
    }

    /**
     * A file's contents.
     *
     * @param tensors      name → array (row-major, outside any workspace), in data-section order
     * @param metadata     the {@code __metadata__} map without the two checksum keys
     * @param checksummed  whether the file carried {@value #SHA256_KEY} (it then matched: a
     *                     mismatch is an error, not a false here)
     */
    public record Contents(String source, LinkedHashMap<String, INDArray> tensors, Map<String, String> metadata,
                           boolean checksummed) {
        public Contents {
            tensors = new LinkedHashMap<>(tensors);
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** The tensor of that name; a missing one is an error naming the file and what it has. */
        public INDArray tensor(String name) throws TensorFileException {
            INDArray a = tensors.get(name);
            if (a == null) {
                throw new TensorFileException(source, "has no tensor '" + name + "'; it has " + tensors.keySet());
            }
            return a;
        }

        /** The metadata value of that key; a missing one is an error naming the file. */
        public String require(String key) throws TensorFileException {
            String v = metadata.get(key);
            if (v == null) {
                throw new TensorFileException(source, "has no metadata entry '" + key + "'");
            }
            return v;
        }
    }

    /** One tensor's header entry. */
    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dtype", dtype.name());
            List<Object> dims = new ArrayList<>();
            for (long d : shape) {
                dims.add(d);
            }
            m.put("shape", dims);
            m.put("data_offsets", List.of(begin, end));
            return m;
        }

        String describe() {
            return "'" + name + "' (" + dtype + " " + Arrays.toString(shape) + ", data_offsets [" + begin + ", " + end + "))";
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes {@code tensors} (FLOAT → F32, DOUBLE → F64; any shape, views included) in map order,
     * with {@code metadata} and the two checksums, to {@code out}. Flushes {@code out}, does not
     * close it. The data is encoded twice (once for the checksum, once to write; the arrays must not
     * change in between), so no copy of the whole data section is held in memory.
     *
     * @throws IllegalArgumentException for another data type, a reserved or empty name, or a
     *                                  metadata key that is one of the checksum keys
     */
    public static void write(OutputStream out, Map<String, INDArray> tensors, Map<String, String> metadata)
            throws IOException {
        List<Entry> entries = new ArrayList<>();
        List<INDArray> arrays = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            INDArray a = e.getValue();
            if (name == null || name.isEmpty() || name.equals(METADATA)) {
                throw new IllegalArgumentException("tensor name must be non-empty and not " + METADATA + ", got " + name);
            }
            DType dtype = DType.of(a.dataType());
            if (dtype == null) {
                throw new IllegalArgumentException("tensor '" + name + "' is " + a.dataType()
                        + "; treegrad writes FLOAT (F32) and DOUBLE (F64) only");
            }
            long bytes = Math.multiplyExact(a.length(), dtype.bytes);
            entries.add(new Entry(name, dtype, a.shape().clone(), offset, offset + bytes));
            arrays.add(a);
            offset += bytes;
        }
        Map<String, String> meta = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey().equals(SHA256_KEY) || e.getKey().equals(HEADER_SHA256_KEY)) {
                throw new IllegalArgumentException("metadata key " + e.getKey() + " is reserved for the checksum");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("metadata '" + e.getKey() + "' is null; safetensors metadata are strings");
            }
            meta.put(e.getKey(), e.getValue());
        }

        MessageDigest dataSha = sha256();
        for (int i = 0; i < entries.size(); i++) {
            encode(arrays.get(i), entries.get(i).dtype(), dataSha::update);
        }
        meta.put(SHA256_KEY, HexFormat.of().formatHex(dataSha.digest()));
        meta.put(HEADER_SHA256_KEY, headerSha256(entries, meta));

        Map<String, Object> header = new LinkedHashMap<>();
        header.put(METADATA, meta);
        for (Entry e : entries) {
            header.put(e.name(), e.json());
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.write(headerBytes);
        for (int i = 0; i < entries.size(); i++) {
            encode(arrays.get(i), entries.get(i).dtype(), out::write);
        }
        out.flush();
    }

    private interface ByteSink {
        void accept(byte[] bytes, int offset, int length) throws IOException;
    }

    /** Feeds the little-endian bytes of {@code a} in row-major order to {@code sink}, a chunk at a time. */
    private static void encode(INDArray a, DType dtype, ByteSink sink) throws IOException {
        if (a.length() == 0) {
            return;
        }
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        // dup('c'): an own contiguous row-major buffer of exactly a.length() elements, whatever a views
        INDArray contiguous = a.dup('c');
        if (dtype == DType.F32) {
            float[] v = contiguous.data().asFloat();
            checkLength(v.length, a);
            int per = CHUNK / 4;
            for (int i = 0; i < v.length; i += per) {
                int k = Math.min(per, v.length - i);
                chunk.clear();
                chunk.asFloatBuffer().put(v, i, k);
                sink.accept(chunk.array(), 0, k * 4);
            }
        } else {
            double[] v = contiguous.data().asDouble();
            checkLength(v.length, a);
            int per = CHUNK / 8;
            for (int i = 0; i < v.length; i += per) {
                int k = Math.min(per, v.length - i);
                chunk.clear();
                chunk.asDoubleBuffer().put(v, i, k);
                sink.accept(chunk.array(), 0, k * 8);
            }
        }
    }

    private static void checkLength(int got, INDArray a) {
        if (got != a.length()) {
            throw new IllegalStateException("copy of a " + a.length() + "-element array has a buffer of " + got);
        }
    }

    // ---------------------------------------------------------------- reading

    /** Reads a local file; see {@link #read(InputStream, String)}. */
    public static Contents read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads a whole safetensors stream (to its end; not closed), checking the layout and the
     * checksums as it goes.
     *
     * @param source names the stream in error messages (a path or URI)
     * @throws TensorFileException naming {@code source}: not a safetensors file, a bad header,
     *                             unsupported dtype, offsets that overlap, leave gaps or disagree
     *                             with the shape, truncated, trailing bytes, checksum mismatch
     */
    public static Contents read(InputStream in, String source) throws IOException {
        byte[] lengthField = in.readNBytes(8);
        if (lengthField.length < 8) {
            throw new TensorFileException(source, "not a safetensors file: "
                    + (lengthField.length == 0 ? "it is empty" : "it is only " + lengthField.length + " bytes long")
                    + "; a safetensors file starts with an 8-byte header length");
        }
        long headerLength = ByteBuffer.wrap(lengthField).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
            throw new TensorFileException(source, "not a safetensors file: bad header length "
                    + Long.toUnsignedString(headerLength) + " (its first 8 bytes, read as a little-endian u64;"
                    + " a safetensors header is 2 to " + MAX_HEADER_BYTES + " bytes)" + looksLike(lengthField));
        }
        byte[] header = in.readNBytes((int) headerLength);
        if (header.length > 0 && header[0] != '{') {
            throw new TensorFileException(source, "not a safetensors file: its header does not start with '{' (found byte 0x"
                    + String.format("%02x", header[0] & 0xff) + ")" + looksLike(lengthField));
        }
        if (header.length < headerLength) {
            throw new TensorFileException(source, "truncated: the header should be " + headerLength
                    + " bytes but the file ends after " + header.length + " of them");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw new TensorFileException(source, "bad header: not valid UTF-8", e);
        }
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(source, "bad header: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> root)) {
            throw new TensorFileException(source, "bad header: expected a JSON object, found " + Json.write(parsed));
        }

        Map<String, String> rawMeta = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : root.entrySet()) {
            String key = (String) e.getKey();
            if (key.equals(METADATA)) {
                rawMeta = metadata(e.getValue(), source);
            } else {
                entries.add(entry(key, e.getValue(), source));
            }
        }
        String headerSha = rawMeta.get(HEADER_SHA256_KEY);
        if (headerSha != null) {
            String actual = headerSha256(entries, rawMeta);
            if (!actual.equals(headerSha)) {
                throw new TensorFileException(source, "checksum mismatch in the header: its canonical sha256 is "
                        + actual + " but " + HEADER_SHA256_KEY + " records " + headerSha
                        + "; the file is corrupt (a tensor entry or metadata value was changed)");
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long dataLength = checkOffsets(entries, source);

        MessageDigest sha = sha256();
        LinkedHashMap<String, INDArray> tensors = new LinkedHashMap<>();
        byte[] chunk = new byte[CHUNK];
        long done = 0;
        for (Entry e : entries) {
            long n = e.elements();
            if (n > Integer.MAX_VALUE - 8) {
                throw new TensorFileException(source, "tensor " + e.describe() + " has " + n
                        + " elements, more than a Java array holds");
            }
            float[] f = e.dtype() == DType.F32 ? new float[(int) n] : null;
            double[] d = e.dtype() == DType.F64 ? new double[(int) n] : null;
            int index = 0;
            long remaining = e.end() - e.begin();
            while (remaining > 0) {
                int want = (int) Math.min(CHUNK, remaining);
                int got = in.readNBytes(chunk, 0, want);
                if (got < want) {
                    throw new TensorFileException(source, "truncated: the data section should be " + dataLength
                            + " bytes (from the header) but the file ends after " + (done + got)
                            + " of them, inside tensor '" + e.name() + "'");
                }
                sha.update(chunk, 0, got);
                ByteBuffer bytes = ByteBuffer.wrap(chunk, 0, got).order(ByteOrder.LITTLE_ENDIAN);
                if (f != null) {
                    bytes.asFloatBuffer().get(f, index, got / 4);
                    index += got / 4;
                } else {
                    bytes.asDoubleBuffer().get(d, index, got / 8);
                    index += got / 8;
                }
                remaining -= got;
                done += got;
            }
            tensors.put(e.name(), array(e, f, d));
        }
        if (in.read() != -1) {
            throw new TensorFileException(source, "has bytes after the data section: the header describes "
                    + dataLength + " bytes of data; was the file appended to or overwritten?");
        }
        String dataSha = rawMeta.get(SHA256_KEY);
        if (dataSha != null) {
            String actual = HexFormat.of().formatHex(sha.digest());
            if (!actual.equals(dataSha)) {
                throw new TensorFileException(source, "checksum mismatch: the data section's sha256 is " + actual
                        + " but the header records " + dataSha + "; the file is corrupt");
            }
        }
        Map<String, String> meta = new LinkedHashMap<>(rawMeta);
        meta.remove(SHA256_KEY);
        meta.remove(HEADER_SHA256_KEY);
        return new Contents(source, tensors, meta, dataSha != null);
    }

    private static Map<String, String> metadata(Object value, String source) throws TensorFileException {
        if (!(value instanceof Map<?, ?> map)) {
            throw new TensorFileException(source, "bad header: " + METADATA + " must be an object of strings, found "
                    + Json.write(value));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new TensorFileException(source, "bad header: " + METADATA + "." + e.getKey()
                        + " must be a string, found " + Json.write(e.getValue()));
            }
            meta.put((String) e.getKey(), s);
        }
        return meta;
    }

    private static Entry entry(String name, Object value, String source) throws TensorFileException {
        String at = "bad header: tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> map)) {
            throw new TensorFileException(source, at + " must be an object with dtype, shape and data_offsets, found "
                    + Json.write(value));
        }
        for (Object key : map.keySet()) {
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw new TensorFileException(source, at + " has an unknown field '" + key
                        + "'; expected dtype, shape and data_offsets");
            }
        }
        if (!(map.get("dtype") instanceof String dtypeName)) {
            throw new TensorFileException(source, at + ": dtype must be a string such as \"F32\", found "
                    + Json.write(map.get("dtype")));
        }
        DType dtype;
        try {
            dtype = DType.valueOf(dtypeName);
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(source, "unsupported dtype '" + dtypeName + "' of tensor '" + name
                    + "'; treegrad reads F32 and F64");
        }
        long[] shape = naturals(map.get("shape"), at + ": shape", -1, source);
        long[] offsets = naturals(map.get("data_offsets"), at + ": data_offsets", 2, source);
        Entry entry = new Entry(name, dtype, shape, offsets[0], offsets[1]);
        if (offsets[1] < offsets[0]) {
            throw new TensorFileException(source, "tensor " + entry.describe() + ": data_offsets end before they begin");
        }
        long expected;
        try {
            expected = Math.multiplyExact(entry.elements(), dtype.bytes);
        } catch (ArithmeticException e) {
            throw new TensorFileException(source, "tensor " + entry.describe() + ": the shape overflows");
        }
        if (offsets[1] - offsets[0] != expected) {
            throw new TensorFileException(source, "tensor " + entry.describe() + " needs " + expected
                    + " bytes, but its data_offsets span " + (offsets[1] - offsets[0]));
        }
        return entry;
    }

    private static long[] naturals(Object value, String what, int length, String source) throws TensorFileException {
        if (value instanceof List<?> list && (length < 0 || list.size() == length)) {
            long[] out = new long[list.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(list.get(i) instanceof Long v) || v < 0) {
                    throw new TensorFileException(source, what + " must hold integers >= 0, found " + Json.write(value));
                }
                out[i] = v;
            }
            return out;
        }
        throw new TensorFileException(source, what + " must be a list of " + (length < 0 ? "" : length + " ")
                + "integers, found " + Json.write(value));
    }

    /** The tensors, sorted by begin, must fill [0, end) back to back; returns the data length. */
    private static long checkOffsets(List<Entry> sorted, String source) throws TensorFileException {
        long expected = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin() < expected) {
                throw new TensorFileException(source, "offsets out of range: tensor " + e.describe()
                        + " overlaps tensor " + previous.describe());
            }
            if (e.begin() > expected) {
                throw new TensorFileException(source, "offsets out of range: " + (e.begin() - expected)
                        + " unused bytes before tensor " + e.describe() + "; tensors must fill the data section back to back");
            }
            expected = e.end();
            previous = e;
        }
        return expected;
    }

    @SuppressWarnings("try")
    private static INDArray array(Entry e, float[] f, double[] d) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            DataType type = e.dtype().dataType;
            if (e.elements() == 0) {
                return Nd4j.create(type, e.shape());
            }
            if (e.shape().length == 0) {
                return f != null ? Nd4j.scalar(f[0]) : Nd4j.scalar(d[0]);
            }
            INDArray flat = f != null ? Nd4j.createFromArray(f) : Nd4j.createFromArray(d);
            return e.shape().length == 1 ? flat : flat.reshape('c', e.shape());
        }
    }

    /** A hint at what the file is, from its first bytes, for "not a safetensors file". */
    private static String looksLike(byte[] first) {
        String kind = null;
        if (first[0] == 'P' && first[1] == 'K' && first[2] == 3 && first[3] == 4) {
            kind = "a zip archive (a DL4J / Keras model zip, a .npz or a PyTorch .pt file?)";
        } else if ((first[0] & 0xff) == 0x1f && (first[1] & 0xff) == 0x8b) {
            kind = "a gzip file";
        } else if ((first[0] & 0xff) == 0x93 && first[1] == 'N' && first[2] == 'U' && first[3] == 'M') {
            kind = "a numpy .npy file";
        } else if ((first[0] & 0xff) == 0x89 && first[1] == 'H' && first[2] == 'D' && first[3] == 'F') {
            kind = "an HDF5 file";
        } else if ((first[0] & 0xff) == 0x80 && first[1] >= 2 && first[1] <= 5) {
            kind = "a Python pickle";
        } else if ((first[0] & 0xff) == 0xac && (first[1] & 0xff) == 0xed) {
            kind = "a Java serialized object";
        } else if (first[0] == '{' || first[0] == '[') {
            kind = "JSON text (a safetensors file puts an 8-byte length before its JSON header)";
        }
        String hex = HexFormat.ofDelimiter(" ").formatHex(first);
        return "; it starts with bytes " + hex + (kind == null ? "" : ", like " + kind);
    }

    // ---------------------------------------------------------------- checksums

    private static String headerSha256(List<Entry> entries, Map<String, String> metadata) {
        Map<String, Object> canonical = new TreeMap<>();
        Map<String, String> meta = new TreeMap<>(metadata);
        meta.remove(HEADER_SHA256_KEY);
        canonical.put(METADATA, meta);
        for (Entry e : entries) {
            canonical.put(e.name(), e.json());
        }
        return HexFormat.of().formatHex(sha256().digest(Json.write(canonical).getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
