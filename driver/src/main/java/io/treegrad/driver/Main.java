package io.treegrad.driver;

import io.treegrad.driver.config.ConfigException;
import io.treegrad.driver.config.ConfigLoader;
import io.treegrad.driver.config.ConfigWriter;
import io.treegrad.driver.config.ExperimentConfig;
import io.treegrad.driver.report.RunReport;
import io.treegrad.driver.run.RetrainJob;
import io.treegrad.driver.run.TrainJob;
import io.treegrad.driver.spark.JobWatchdog;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * The command line: {@code train CONFIG [--set key.path=value ...] [--resume]}. Runs with embedded
 * Spark ({@code local[*]}) unless launched by spark-submit with a master;
 * {@code evaluate}/{@code predict} apply a saved model, {@code export} converts one,
 * {@code models} manages a model registry ({@link ModelsCommand}) and {@code report} writes a run's
 * HTML report ({@link RunReport}); these three need no Spark. {@code train} ends with the report;
 * {@code retrain} is one scheduled retraining ({@link RetrainJob}), which ends with it too.
 *
 * <p>Exit codes: 0 done (for retrain: the challenger was promoted); 10 retrain kept the champion
 * (the run succeeded, nothing changed in production; {@code --kept-exit} picks another code, e.g. 0
 * for schedulers that treat every non-zero code as a failure); 2 bad usage, config or data (the
 * message names file, line and key); 3 the training diverged (the message names the step); 1
 * anything else.
 */
public final class Main {
    static final String USAGE = "usage: treegrad train CONFIG.yaml [--set key.path=value ...] [--resume]\n"
            + "       treegrad evaluate MODEL_DIR DATA [--labels LABELS]\n"
            + "       treegrad predict MODEL_DIR DATA OUT.csv [--labels LABELS]\n"
            + "       treegrad export MODEL_DIR OUT.zip [--format dl4j]\n"
            + "       treegrad report RUN_DIR\n"
            + "       treegrad retrain CONFIG.yaml --date YYYY-MM-DD [--set key.path=value ...] [--kept-exit CODE]\n"
            + "         (exit 0 promoted, 10 kept the champion (or CODE), 2 bad input, 3 diverged, 1 other failure)\n"
            + ModelsCommand.USAGE;

    private Main() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        // Stopping Spark waits on the executors; a frozen one (the case a job time limit catches) can
        // hold that for Spark's network timeout. The exit is bounded too: after a grace period, halt.
        Thread exitWatchdog = new Thread(() -> {
            try {
                Thread.sleep(SHUTDOWN_GRACE_MS);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("treegrad: Spark did not shut down within " + SHUTDOWN_GRACE_MS / 1000
                    + " s (an unresponsive executor?); exiting anyway with code " + code);
            Runtime.getRuntime().halt(code);
        }, "treegrad-exit-watchdog");
        exitWatchdog.setDaemon(true);
        exitWatchdog.start();
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        System.exit(code);
    }

    private static final long SHUTDOWN_GRACE_MS = 30_000;

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && (args[0].equals("evaluate") || args[0].equals("predict"))) {
            return runModelCommand(args, out, err);
        }
        if (args.length > 0 && args[0].equals("models")) {
            return ModelsCommand.run(args, out, err);
        }
        if (args.length > 0 && args[0].equals("export")) {
            return runExport(args, out, err);
        }
        if (args.length > 0 && args[0].equals("report")) {
            return runReport(args, out, err);
        }
        if (args.length > 0 && args[0].equals("retrain")) {
            return runRetrain(args, out, err);
        }
        if (args.length == 0 || !args[0].equals("train")) {
            err.println(args.length == 0 ? USAGE : "treegrad: unknown command '" + args[0] + "'\n" + USAGE);
            return 2;
        }
        String config = null;
        List<String> overrides = new ArrayList<>();
        boolean resume = false;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--resume")) {
                resume = true;
            } else if (a.equals("--set") && i + 1 < args.length) {
                overrides.add(args[++i]);
            } else if (a.startsWith("--set=")) {
                overrides.add(a.substring("--set=".length()));
            } else if (!a.startsWith("--") && config == null) {
                config = a;
            } else {
                err.println("treegrad: unexpected argument '" + a + "'\n" + USAGE);
                return 2;
            }
        }
        if (config == null) {
            err.println("treegrad: train needs a config file\n" + USAGE);
            return 2;
        }
        try {
            ExperimentConfig cfg = ConfigLoader.load(Path.of(config), overrides);
            TrainJob.Outcome done = new TrainJob(cfg, ConfigWriter.toYaml(cfg), out).run(resume);
            org.apache.hadoop.fs.Path runDir = new org.apache.hadoop.fs.Path(done.outputDir());
            RunReport.writeAfterRun(SparkSession.active().sparkContext().hadoopConfiguration(), runDir, out, err);
            return 0;
        } catch (Exception e) {
            return failure(e, err);
        }
    }

    /** {@code retrain CONFIG --date YYYY-MM-DD [--set k=v ...] [--kept-exit CODE]}. */
    private static int runRetrain(String[] args, PrintStream out, PrintStream err) {
        String config = null;
        String date = null;
        int keptExit = RetrainJob.EXIT_KEPT;
        List<String> overrides = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            boolean hasValue = i + 1 < args.length;
            if (a.equals("--date") && hasValue) {
                date = args[++i];
            } else if (a.startsWith("--date=")) {
                date = a.substring("--date=".length());
            } else if (a.equals("--set") && hasValue) {
                overrides.add(args[++i]);
            } else if (a.startsWith("--set=")) {
                overrides.add(a.substring("--set=".length()));
            } else if (a.equals("--kept-exit") && hasValue) {
                String code = args[++i];
                if (!code.matches("\\d{1,3}") || Integer.parseInt(code) > 255) {
                    err.println("treegrad: --kept-exit: expected an exit code 0..255, got '" + code + "'\n" + USAGE);
                    return 2;
                }
                keptExit = Integer.parseInt(code);
            } else if (!a.startsWith("--") && config == null) {
                config = a;
            } else {
                err.println("treegrad: unexpected argument '" + a + "'\n" + USAGE);
                return 2;
            }
        }
        if (config == null || date == null) {
            err.println("treegrad: retrain needs a config file and --date YYYY-MM-DD\n" + USAGE);
            return 2;
        }
        try {
            java.time.LocalDate day = RetrainJob.parseDate(date);
            ExperimentConfig cfg = ConfigLoader.load(Path.of(config), overrides);
            RetrainJob.Result r = new RetrainJob(cfg, config, out).run(day);
            return r.promoted() ? RetrainJob.EXIT_PROMOTED : keptExit;
        } catch (Exception e) {
            return failure(e, err);
        }
    }

    /** {@code evaluate MODEL DATA} / {@code predict MODEL DATA OUT}, with {@code --labels} for idx data. */
    private static int runModelCommand(String[] args, PrintStream out, PrintStream err) {
        List<String> positional = new ArrayList<>();
        String labels = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--labels") && i + 1 < args.length) {
                labels = args[++i];
            } else if (args[i].startsWith("--")) {
                err.println("treegrad: unexpected argument '" + args[i] + "'\n" + USAGE);
                return 2;
            } else {
                positional.add(args[i]);
            }
        }
        boolean predict = args[0].equals("predict");
        if (positional.size() != (predict ? 3 : 2)) {
            err.println("treegrad: " + args[0] + " needs " + (predict ? "MODEL_DIR DATA OUT" : "MODEL_DIR DATA") + "\n" + USAGE);
            return 2;
        }
        try {
            if (predict) {
                io.treegrad.driver.run.ModelJobs.predict(positional.get(0), positional.get(1), labels, positional.get(2), out);
            } else {
                io.treegrad.driver.run.ModelJobs.evaluate(positional.get(0), positional.get(1), labels, out);
            }
            return 0;
        } catch (Exception e) {
            return failure(e, err);
        }
    }

    /** {@code export MODEL_DIR OUT.zip [--format dl4j]}: no Spark session. */
    private static int runExport(String[] args, PrintStream out, PrintStream err) {
        List<String> positional = new ArrayList<>();
        String format = "dl4j";
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--format") && i + 1 < args.length) {
                format = args[++i];
            } else if (args[i].startsWith("--format=")) {
                format = args[i].substring("--format=".length());
            } else if (args[i].startsWith("--")) {
                err.println("treegrad: unexpected argument '" + args[i] + "'\n" + USAGE);
                return 2;
            } else {
                positional.add(args[i]);
            }
        }
        if (!format.equals("dl4j")) {
            err.println("treegrad: export --format: unknown format '" + format + "'; expected dl4j\n" + USAGE);
            return 2;
        }
        if (positional.size() != 2) {
            err.println("treegrad: export needs MODEL_DIR OUT.zip\n" + USAGE);
            return 2;
        }
        try {
            io.treegrad.driver.run.Dl4jExport.export(positional.get(0), positional.get(1), out);
            return 0;
        } catch (Exception e) {
            return failure(e, err);
        }
    }

    /** {@code report RUN_DIR}: no Spark session. */
    private static int runReport(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2 || args[1].startsWith("--")) {
            err.println("treegrad: report needs RUN_DIR (the output.dir of a train run)\n" + USAGE);
            return 2;
        }
        try {
            org.apache.hadoop.fs.Path runDir = new org.apache.hadoop.fs.Path(args[1]);
            out.println(RunReport.write(runDir.getFileSystem(new org.apache.hadoop.conf.Configuration()), runDir).describe());
            return 0;
        } catch (Exception e) {
            return failure(e, err);
        }
    }

    /**
     * Says what went wrong and returns the exit code: 2 bad input (a config, a data, model or
     * checkpoint file; what a Spark task failure wraps counts by its root cause), 3 divergence, 1
     * anything else (a job past its time limit among them).
     */
    static int failure(Exception e, PrintStream err) {
        if (e instanceof ConfigException) {
            err.println("treegrad: " + e.getMessage());
            return 2;
        }
        if (e instanceof TrainJob.DivergedException) {
            err.println("treegrad: " + e.getMessage());
            return 3;
        }
        if (e instanceof JobWatchdog.JobTimeoutException) {
            err.println("treegrad: " + e.getMessage());
            return 1;
        }
        Throwable root = rootCause(e);   // Spark's failures (SparkException) arrive as checked exceptions
        err.println("treegrad: " + root.getMessage());
        return root instanceof IllegalArgumentException || root instanceof java.io.IOException ? 2 : 1;
    }

    /** The innermost cause: what a Spark task failure wraps (a bad record, a missing file). */
    static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }
}
