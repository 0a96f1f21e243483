package io.treegrad.driver.report;

import io.treegrad.driver.run.TrainJob;
import io.treegrad.driver.store.AtomicFiles;
import io.treegrad.driver.store.ModelStore;
import io.treegrad.driver.store.SmallFiles;
import io.treegrad.io.ModelFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code treegrad report RUN_DIR}, also written at the end of every training run: the folder
 * {@code RUN_DIR/report/} with {@code index.html}, a PNG per plot (loss, accuracy or RMSE,
 * throughput, time split, milliseconds per step, memory), the model's computation graph as
 * {@code model.dot} (and {@code model.svg} when graphviz's {@code dot} is on the PATH), the resolved
 * config and the provenance. Everything comes from the files the run wrote: {@code metrics.jsonl}
 * (required), {@code summary.json}, {@code config.yaml}, {@code model/}; nothing needs Spark.
 *
 * <p>The whole folder is built in memory, then replaced at once ({@link AtomicFiles#replaceDirectory}):
 * a report that fails leaves the previous one as it was.
 */
public final class RunReport {
    public static final String DIR = "report";
    public static final String PAGE = "index.html";

    static {
        // plots are drawn into images, never on a screen: no display is needed or wanted
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** What was written: the page, how many plots, and whether the graph was rendered to SVG. */
    public record Result(Path page, int plots, boolean graphRendered, String graphNote) {
        /** The console line that says where the report is. */
        public String describe() {
            return "treegrad: report in " + page + " (" + plots + " plots; model graph: " + graphNote + ")";
        }
    }

    private RunReport() {}

    /**
     * Writes {@code runDir/report/}, replacing the previous report.
     *
     * @throws FileNotFoundException    the run directory or its metrics.jsonl does not exist
     * @throws IllegalArgumentException a bad line of metrics.jsonl (file and line named)
     * @throws IOException              an unreadable side file or model (named), or a failure to write
     */
    public static Result write(FileSystem fs, Path runDir) throws IOException {
        if (!fs.exists(runDir)) {
            throw new FileNotFoundException(runDir + ": no such directory; expected the output.dir of a train run");
        }
        RunMetrics metrics = RunMetrics.read(fs, new Path(runDir, "metrics.jsonl"));
        Map<String, Object> summary = SmallFiles.readJsonObject(fs, new Path(runDir, "summary.json")).orElse(null);
        Path modelDir = new Path(runDir, "model");
        Map<String, Object> provenance = SmallFiles.readJsonObject(fs, new Path(modelDir, ModelStore.PROVENANCE))
                .orElse(null);
        Path configPath = new Path(runDir, "config.yaml");
        Optional<String> config = SmallFiles.readText(fs, configPath);
        if (config.isEmpty()) {
            configPath = new Path(modelDir, ModelStore.CONFIG);
            config = SmallFiles.readText(fs, configPath);
        }
        List<String> notes = new ArrayList<>();
        if (summary == null) {
            notes.add("summary.json is missing: the run has not finished, or it failed; the plots show what it logged.");
        }

        Map<String, byte[]> files = new LinkedHashMap<>();
        List<Plots.Plot> plots = Plots.draw(metrics);
        for (Plots.Plot p : plots) {
            files.put(p.file(), p.png());
        }
        ReportPage.Graph graph = null;
        boolean rendered = false;
        String graphNote = "no model in the run directory";
        if (fs.exists(new Path(modelDir, ModelStore.MODEL))) {
            String dot = ModelGraph.dot(new ModelStore(fs, modelDir).load());
            files.put("model.dot", dot.getBytes(StandardCharsets.UTF_8));
            ModelGraph.Rendered svg = ModelGraph.svg(dot);
            graphNote = svg.note();
            svg.svg().ifPresent(bytes -> files.put("model.svg", bytes));
            rendered = svg.svg().isPresent();
            graph = new ReportPage.Graph("model.dot", rendered ? "model.svg" : null, svg.note());
        }

        String name = summary != null && summary.get("name") != null ? String.valueOf(summary.get("name"))
                : provenance != null && provenance.get("experiment") != null ? String.valueOf(provenance.get("experiment"))
                : runDir.getName();
        String html = ReportPage.html(new ReportPage.Content(name, runDir.toString(), summary, metrics.last(),
                metrics.lines().size(), plots, graph, config.orElse(null),
                config.isPresent() ? configPath.toString() : null, provenance, notes,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), TrainJob.VERSION));
        files.put(PAGE, html.getBytes(StandardCharsets.UTF_8));

        Path dir = new Path(runDir, DIR);
        AtomicFiles.replaceDirectory(fs, dir, files);
        return new Result(new Path(dir, PAGE), plots.size(), rendered, graphNote);
    }

    /**
     * The report at the end of a run that saved its model ({@code train}, {@code retrain}). A
     * failure here does not fail the run: the model, checkpoints and summary are complete and valid,
     * and the report is a view of them that {@code treegrad report RUN_DIR} can write again; failing
     * the command would make a scheduler count a good model as a failed run. So it is reported on
     * {@code err}, with the cause and the command to retry, and the run's exit code stays 0.
     */
    public static void writeAfterRun(Configuration hadoop, Path runDir, PrintStream out, PrintStream err) {
        try {
            out.println(write(runDir.getFileSystem(hadoop), runDir).describe());
        } catch (Exception | LinkageError | java.awt.AWTError | InternalError e) {
            // whatever the cause (a missing AWT native library or font among them), the saved model stands
            err.println("treegrad: warning: the model and outputs in " + runDir + " are saved and complete, but the"
                    + " report could not be written: " + e + "; write it again with: treegrad report " + runDir);
        }
    }
}
