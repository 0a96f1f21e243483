package io.treegrad.driver;

import static io.treegrad.driver.CliEndToEndTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.driver.CliEndToEndTest.Run;
import io.treegrad.driver.report.RunReport;
import io.treegrad.driver.store.CrashingFileSystem;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code treegrad report} on real local-mode runs: a digits MLP (classification) and diabetes linear
 * regression, each a few hundred steps; the page checked in headless Chromium, the DOT by graphviz.
 */
class RunReportTest {
    /** The plots' series colours (Plots: train in blue, test in orange). */
    static final Color TRAIN = new Color(0x0072B2);
    static final Color TEST = new Color(0xE69F00);

    @TempDir
    static Path runs;

    @TempDir
    Path tmp;

    static Run digits;

    /**
     * The digits MLP on rows 0..1399 of sklearn's digits, tested on the other 397 (the shipped config
     * tests on its training rows, which would draw the train and test curves on top of each other).
     */
    @BeforeAll
    static void train() throws IOException {
        Path train = runs.resolve("digits-train.csv");
        Path test = runs.resolve("digits-test.csv");
        splitRows(Path.of(TestData.file("digits/digits.csv.gz")), 1400, train, test);
        digits = run("train", "configs/digits-logistic-regression.yaml",
                "--set", "data.train.path=" + train, "--set", "data.test.path=" + test,
                "--set", "model.layers=[{linear: 32}, relu, {dropout: 0.1}, {linear: 10}]",
                "--set", "training.epochs=null", "--set", "training.steps=200", "--set", "evaluation.every_steps=40",
                "--set", "output.log_every_steps=20", "--set", "output.dir=" + runs.resolve("digits"));
        assertEquals(0, digits.code(), digits.err());
    }

    static Path report(String run) {
        return runs.resolve(run).resolve("report");
    }

    @Test
    void trainEndsByWritingTheReportWithEveryPlot() throws IOException {
        assertTrue(digits.out().contains("treegrad: report in ") && digits.out().contains("report/index.html (6 plots;"),
                digits.out());
        for (String png : new String[] {"loss.png", "accuracy.png", "throughput.png", "time_share.png", "step_ms.png",
                "memory.png"}) {
            BufferedImage image = ImageIO.read(report("digits").resolve(png).toFile());
            assertEquals(760, image.getWidth(), png);
            assertEquals(400, image.getHeight(), png);
            assertTrue(distinctColours(image) >= 30, png + " is nearly blank: " + distinctColours(image) + " colours");
        }
        // train and test series are both drawn where the run recorded both
        for (String png : new String[] {"loss.png", "accuracy.png"}) {
            BufferedImage image = ImageIO.read(report("digits").resolve(png).toFile());
            assertTrue(near(image, TRAIN) > 300, png + ": train line, " + near(image, TRAIN) + " pixels");
            assertTrue(near(image, TEST) > 100, png + ": test line, " + near(image, TEST) + " pixels");
        }
        List<String> metrics = Files.readAllLines(runs.resolve("digits/metrics.jsonl"));
        assertEquals(10, metrics.size(), "a line every 20 steps");
        assertTrue(metrics.get(3).startsWith("{\"step\": 80,") && metrics.get(3).contains("\"train_accuracy\": ")
                && metrics.get(3).contains("\"test_accuracy\": "), "an evaluation line: " + metrics.get(3));

        String page = Files.readString(report("digits").resolve("index.html"));
        for (String expected : new String[] {"<img src=\"loss.png\"", "<img src=\"accuracy.png\"",
                "<h2>Resolved config</h2>", "digits-logistic-regression", "treegrad_version", "git_commit",
                "digits-train.csv", "test accuracy"}) {
            assertTrue(page.contains(expected), expected + " in the page");
        }
    }

    @Test
    void chromiumShowsThePageWithEveryImageLoaded() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.require(tmp);
        Path page = report("digits").resolve("index.html");
        int images = count(Files.readString(page), "<img ");
        assertTrue(images >= 6, images + " images");

        String dom = chromium.dumpDom(page);
        assertTrue(dom.contains("data-images-loaded=\"" + images + "/" + images + "\""),
                "every image decoded in the browser: " + dom.replaceAll("(?s).*(<body[^>]*>).*", "$1"));
        assertEquals(images, count(dom, "data-loaded=\"yes\""));
        assertFalse(dom.contains("data-loaded=\"no\""));

        // kept where a developer can look at it: driver/target/report-screenshots/
        Path shots = Files.createDirectories(Path.of("driver/target/report-screenshots"));
        Path png = shots.resolve("digits.png");
        chromium.screenshot(page, png, 1400, 1800);
        BufferedImage shot = ImageIO.read(png.toFile());
        assertEquals(1400, shot.getWidth());
        assertEquals(1800, shot.getHeight());
        assertTrue(distinctColours(shot) > 500, "a rendered page, not a blank one: " + distinctColours(shot));
        assertTrue(near(shot, TRAIN) > 1000, "train lines on screen: " + near(shot, TRAIN));
        assertTrue(near(shot, TEST) > 300, "test lines on screen: " + near(shot, TEST));
    }

    @Test
    void dotIsTheModelsForwardGraphAndGraphvizRendersIt() throws Exception {
        String dot = Files.readString(report("digits").resolve("model.dot"));
        for (String expected : new String[] {"digraph", "x (input batch)\\n[2, 64]", "layer0.weight\\n[64, 32]",
                "layer0.bias\\n[32]", "layer3.weight\\n[32, 10]", "layer3.bias\\n[10]", "Linear\\n[2, 32]", "Relu",
                "Dropout", "output\\n[2, 10]"}) {
            assertTrue(dot.contains(expected), expected + " in\n" + dot);
        }
        Assumptions.assumeTrue(new ProcessBuilder("sh", "-c", "command -v dot").start().waitFor() == 0,
                "graphviz's dot is not installed: skipping the render check (apt-get install graphviz)");
        Process p = new ProcessBuilder("dot", "-Tsvg", report("digits").resolve("model.dot").toString())
                .redirectErrorStream(true).start();
        String svg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), svg);
        assertTrue(svg.contains("<svg") && svg.contains("layer3.weight"), svg);
        assertTrue(Files.readString(report("digits").resolve("model.svg")).contains("layer0.weight"));
        assertTrue(Files.readString(report("digits").resolve("index.html")).contains("<img src=\"model.svg\""));
    }

    @Test
    void regressionRunPlotsRmseAndReportRewritesIt() throws IOException {
        Path dir = runs.resolve("diabetes");
        Path[] files = new Path[4];
        int i = 0;
        for (String f : new String[] {"data_raw", "target"}) {   // 342 patients to train on, 100 to test on
            files[i] = runs.resolve("diabetes-" + f + "-train.txt");
            files[i + 1] = runs.resolve("diabetes-" + f + "-test.txt");
            splitRows(Path.of(TestData.file("diabetes/diabetes_" + f + ".csv.gz")), 342, files[i], files[i + 1]);
            i += 2;
        }
        Run r = run("train", "configs/diabetes-regression.yaml", "--set", "data.train.path=" + files[0],
                "--set", "data.test.path=" + files[1], "--set", "data.train.labels=" + files[2],
                "--set", "data.test.labels=" + files[3], "--set", "training.epochs=null",
                "--set", "training.steps=120", "--set", "evaluation.every_steps=40", "--set", "output.log_every_steps=20",
                "--set", "output.dir=" + dir);
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(dir.resolve("report/rmse.png")));
        assertFalse(Files.exists(dir.resolve("report/accuracy.png")));
        BufferedImage rmse = ImageIO.read(dir.resolve("report/rmse.png").toFile());
        assertTrue(near(rmse, TRAIN) > 100 && near(rmse, TEST) > 100, "train and test RMSE drawn");
        assertTrue(Files.readString(dir.resolve("report/index.html")).contains("test rmse"));

        // the command on its own, on a run dir whose report is gone
        deleteTree(dir.resolve("report"));
        Run again = run("report", dir.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().startsWith("treegrad: report in " + dir.resolve("report/index.html")), again.out());
        assertTrue(Files.exists(dir.resolve("report/rmse.png")));
    }

    @Test
    void badMetricsFailWithFileAndLineAndLeaveTheOldReport() throws IOException {
        Path copy = copyRun("digits");
        // text from the run's files is escaped in the page
        Files.writeString(copy.resolve("config.yaml"), "name: <script>alert('x')</script> & \"more\"\n");
        Run good = run("report", copy.toString());
        assertEquals(0, good.code(), good.err());
        String page = Files.readString(copy.resolve("report/index.html"));
        assertTrue(page.contains("name: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;"), page);
        assertFalse(page.contains("<script>alert"), "unescaped text from a file");
        Map<String, String> before = BadInputMatrixTest.snapshot(copy.resolve("report"));

        Path metrics = copy.resolve("metrics.jsonl");
        List<String> lines = Files.readAllLines(metrics);
        List<String> broken = new ArrayList<>(lines);
        broken.set(2, lines.get(2).substring(0, lines.get(2).length() / 2));   // a line cut in half
        Files.write(metrics, broken);
        Run cut = run("report", copy.toString());
        assertEquals(2, cut.code());
        assertTrue(cut.err().contains(metrics + " line 3: not valid JSON"), cut.err());

        broken = new ArrayList<>(lines);
        broken.set(4, lines.get(1));   // a step that goes back
        Files.write(metrics, broken);
        Run back = run("report", copy.toString());
        assertEquals(2, back.code());
        assertTrue(back.err().contains(metrics + " line 5: step 40 is not after the previous line's step 80"), back.err());

        broken = new ArrayList<>(lines);
        broken.set(0, "{\"step\": 20, \"epoch\": 0.2}");
        Files.write(metrics, broken);
        Run missingKey = run("report", copy.toString());
        assertEquals(2, missingKey.code());
        assertTrue(missingKey.err().contains(metrics + " line 1: no \"train_loss\""), missingKey.err());

        Files.delete(metrics);
        Run none = run("report", copy.toString());
        assertEquals(2, none.code());
        assertTrue(none.err().contains(metrics + ": no such file"), none.err());

        Run nowhere = run("report", tmp.resolve("no-such-run").toString());
        assertEquals(2, nowhere.code());
        assertTrue(nowhere.err().contains("no-such-run: no such directory"), nowhere.err());

        assertEquals(before, BadInputMatrixTest.snapshot(copy.resolve("report")), "the old report, file by file");
    }

    /** A report that fails after training saved its model: the run stands (exit 0) and says how to retry. */
    @Test
    void aReportThatFailsAfterTrainingKeepsTheModelAndExitsZero() throws IOException {
        Path dir = tmp.resolve("heart");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report"), "a file where the report folder goes");
        Run r = run("train", "configs/heart-scale-libsvm.yaml", "--set", "training.epochs=1", "--set", "output.dir=" + dir);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("treegrad: warning: the model and outputs in " + dir + " are saved and complete, but"
                + " the report could not be written") && r.err().contains("it is a file")
                && r.err().contains("write it again with: treegrad report " + dir), r.err());
        assertEquals(4, io.treegrad.io.ModelFile.read(dir.resolve("model/model.safetensors")).layout().size(), "the model loads");
        assertTrue(Files.readString(dir.resolve("summary.json")).contains("\"test_accuracy\""));
        assertEquals("a file where the report folder goes", Files.readString(dir.resolve("report")));
    }

    @Test
    void aWriteThatDiesLeavesTheOldReportWhole() throws IOException {
        Path copy = copyRun("digits");
        Files.writeString(copy.resolve("report/marker.txt"), "from the old report");
        Map<String, String> before = BadInputMatrixTest.snapshot(copy.resolve("report"));
        CrashingFileSystem fs = new CrashingFileSystem();
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(copy.toUri());

        fs.crashWriting("throughput.png", 1000);
        IOException e = assertThrows(IOException.class, () -> RunReport.write(fs, dir));
        assertTrue(e.getMessage().contains("simulated crash"), e.getMessage());
        assertEquals(before, BadInputMatrixTest.snapshot(copy.resolve("report")), "the old report, file by file");
        try (Stream<Path> left = Files.list(copy)) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp-")).toList(),
                    "no staging directory left behind");
        }

        fs.crashWriting(null, 0);
        RunReport.write(fs, dir);
        assertFalse(Files.exists(copy.resolve("report/marker.txt")), "the report directory was replaced whole");
        assertTrue(Files.size(copy.resolve("report/throughput.png")) > 1000);
        try (Stream<Path> left = Files.list(copy)) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp-")).toList());
        }
    }

    /** The first {@code n} lines of a gzipped text file into {@code head}, the rest into {@code tail}. */
    static void splitRows(Path gz, int n, Path head, Path tail) throws IOException {
        List<String> lines;
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(gz))) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        Files.write(head, lines.subList(0, n));
        Files.write(tail, lines.subList(n, lines.size()));
    }

    /** A copy of a run's files (model, metrics, summary, config, report, checkpoints), to damage freely. */
    Path copyRun(String name) throws IOException {
        Path to = tmp.resolve(name + "-copy");
        TestData.copyTree(runs.resolve(name), to);
        return to;
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static int count(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                colours.add(image.getRGB(x, y) & 0xFFFFFF);
            }
        }
        return colours.size();
    }

    /** Pixels within a small distance of {@code c} (scaling and anti-aliasing blend the edges of lines). */
    static int near(BufferedImage image, Color c) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int dr = ((rgb >> 16) & 0xFF) - c.getRed();
                int dg = ((rgb >> 8) & 0xFF) - c.getGreen();
                int db = (rgb & 0xFF) - c.getBlue();
                n += dr * dr + dg * dg + db * db <= 30 * 30 ? 1 : 0;
            }
        }
        return n;
    }
}
