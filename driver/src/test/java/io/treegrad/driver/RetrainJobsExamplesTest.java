package io.treegrad.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.driver.config.ConfigLoader;
import io.treegrad.driver.config.ExperimentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The scheduler examples in jobs/ (Airflow, Kubernetes) cannot run here (no Airflow, no cluster):
 * they are checked for what would break them, that they parse and that the command lines they build
 * name real CLI arguments, a shipped config and config keys that exist.
 */
class RetrainJobsExamplesTest {
    @TempDir
    Path tmp;

    static Path repo(String relative) {
        return TestData.repoRoot().resolve(relative);
    }

    /** The config after the example's {@code --set}s: fails naming the key if one does not exist. */
    static ExperimentConfig loadWith(Path config, List<String> sets) {
        return ConfigLoader.load(config, sets);
    }

    /** Words of a shell command line: quotes removed, {@code \}-newlines joined, nothing expanded. */
    static List<String> words(String script) {
        String line = script.replace("\\\n", " ");
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)").matcher(line);
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        }
        return out;
    }

    static List<String> valuesOf(List<String> words, String flag) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i + 1 < words.size(); i++) {
            if (words.get(i).equals(flag)) {
                values.add(words.get(i + 1));
            }
        }
        return values;
    }

    @Test
    @SuppressWarnings("unchecked")
    void theKubernetesCronJobSubmitsARealRetrainCommandInClusterMode() throws Exception {
        Object doc = new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(Files.readString(repo("jobs/k8s/retrain-cronjob.yaml")));
        Map<String, Object> cron = (Map<String, Object>) doc;
        assertEquals("batch/v1", cron.get("apiVersion"));
        assertEquals("CronJob", cron.get("kind"));
        Map<String, Object> spec = (Map<String, Object>) cron.get("spec");
        assertEquals("Forbid", spec.get("concurrencyPolicy"), "one writer per registry model");
        Map<String, Object> pod = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
                ((Map<String, Object>) spec.get("jobTemplate")).get("spec")).get("template")).get("spec");
        assertTrue(pod.get("serviceAccountName") instanceof String s && !s.isBlank());
        Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
        assertTrue(container.get("image") instanceof String);
        String script = ((List<String>) container.get("args")).get(0);

        List<String> w = words(script.substring(script.indexOf("spark-submit")));
        assertEquals(List.of("k8s://https://kubernetes.default.svc"), valuesOf(w, "--master"));
        assertEquals(List.of("cluster"), valuesOf(w, "--deploy-mode"));
        String mainClass = valuesOf(w, "--class").get(0);
        assertEquals(Main.class, Class.forName(mainClass));
        List<String> confs = valuesOf(w, "--conf");
        for (String wanted : new String[] {"spark.executorEnv.OMP_NUM_THREADS=1", "spark.task.cpus=1",
                "spark.kubernetes.authenticate.driver.serviceAccountName=treegrad-spark"}) {
            assertTrue(confs.contains(wanted), wanted + " in " + confs);
        }

        int jar = w.indexOf("local:///opt/treegrad/treegrad-app.jar");
        assertTrue(jar > 0, "the application jar in the image: " + w);
        List<String> app = w.subList(jar + 1, w.size());
        assertEquals("retrain", app.get(0));
        assertTrue(Main.USAGE.contains("treegrad retrain CONFIG.yaml --date YYYY-MM-DD [--set key.path=value ...]"
                + " [--kept-exit CODE]"), Main.USAGE);
        for (int i = 2; i < app.size(); i += 2) {
            assertTrue(List.of("--date", "--kept-exit", "--set").contains(app.get(i)), "a retrain argument: " + app.get(i));
        }
        assertEquals(List.of("${DATE}"), valuesOf(app, "--date"));
        assertTrue(script.contains("DATE=\"${DATE:-$(date -u -d yesterday +%F)}\""), script);
        assertEquals(List.of("0"), valuesOf(app, "--kept-exit"));
        Path config = repo(app.get(1).replace("/opt/treegrad/", ""));
        assertTrue(Files.isRegularFile(config), "the image's config is a shipped one: " + config);
        ExperimentConfig cfg = loadWith(config, valuesOf(app, "--set"));
        assertEquals("s3a://ml-models/registry", cfg.retrain().registry());
        assertTrue(cfg.data().train().path().contains("{date}"), cfg.data().train().path());
    }

    @Test
    void theAirflowDagCompilesAndPassesRealArguments() throws Exception {
        Path dag = repo("jobs/airflow/treegrad_retrain_dag.py");
        ProcessBuilder pb = new ProcessBuilder("python3", "-m", "py_compile", dag.toString()).redirectErrorStream(true);
        pb.environment().put("PYTHONPYCACHEPREFIX", tmp.toString());   // no __pycache__ in the repository
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "python3 -m py_compile " + dag + ": " + out);

        String text = Files.readString(dag);
        assertTrue(text.contains("from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator"));
        assertTrue(text.contains("java_class=\"io.treegrad.driver.Main\""));
        assertTrue(text.contains("\"retrain\", CONFIG,"));
        assertTrue(text.contains("\"--date\", \"{{ ds }}\","));
        assertTrue(text.contains("\"--kept-exit\", \"0\","));
        Matcher config = Pattern.compile("CONFIG = f\"\\{TREEGRAD_HOME}/(configs/[a-z-]+\\.yaml)\"").matcher(text);
        assertTrue(config.find(), "CONFIG names a shipped config");
        List<String> sets = new ArrayList<>();
        Matcher set = Pattern.compile("\"--set\", f\"([a-z_.]+)=").matcher(text);
        while (set.find()) {
            sets.add(set.group(1) + "=/shared/x/{date}");
        }
        assertEquals(3, sets.size(), text);
        loadWith(repo(config.group(1)), sets);
        for (String conf : new String[] {"\"spark.executorEnv.OMP_NUM_THREADS\": \"1\"", "\"spark.task.cpus\": \"1\"",
                "\"spark.executor.memoryOverhead\": \"1g\""}) {
            assertTrue(text.contains(conf), conf);
        }
    }
}
