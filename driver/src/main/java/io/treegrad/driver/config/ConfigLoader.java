package io.treegrad.driver.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Loads an experiment config: YAML (format in {@code package-info.java}) plus {@code --set}
 * overrides into a validated, fully resolved {@link ExperimentConfig}. Everything wrong is reported
 * at once, as one {@link ConfigException} whose lines each say where ({@code configs/x.yaml line 12}
 * or {@code --set a.b=v}), which key, what was expected and what was found.
 *
 * <p>The YAML is only composed into nodes, never constructed into objects, so a config cannot
 * instantiate a class ({@code !!javax.script.ScriptEngineManager} is refused). Relative data,
 * output and checkpoint paths are resolved against the working directory; URIs with a scheme
 * ({@code hdfs:}, {@code s3a:}, {@code file:}) and absolute paths are kept as written.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /**
     * Loads {@code file} with {@code overrides} (each {@code key.path=value}, as given to
     * {@code --set}), resolving relative paths against the process's working directory.
     */
    public static ExperimentConfig load(Path file, List<String> overrides) {
        return load(file, overrides, Path.of("").toAbsolutePath());
    }

    /** Loads {@code file} with {@code overrides}, resolving relative paths against {@code workingDir}. */
    public static ExperimentConfig load(Path file, List<String> overrides, Path workingDir) {
        String text;
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(file + ": is a directory; expected a YAML config file");
            }
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such config file (working directory "
                    + Path.of("").toAbsolutePath() + ")");
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not UTF-8 text; a config is a UTF-8 YAML file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the config: " + e);
        }
        return parse(text, file.toString(), overrides, workingDir);
    }

    /**
     * Loads config text that came from {@code source} (a file name or URI, used in messages, and
     * whose name without extension is the default {@code name}): e.g. the resolved config a
     * checkpoint carries.
     */
    public static ExperimentConfig parse(String text, String source, List<String> overrides, Path workingDir) {
        Node root;
        try {
            root = SafeYaml.compose(text);
        } catch (MarkedYAMLException e) {
            throw new ConfigException(SafeYaml.describe(source, e));
        } catch (YAMLException e) {
            throw new ConfigException(source + ": invalid YAML: " + e.getMessage());
        }
        if (ConfigTree.isNull(root)) {
            throw new ConfigException(source + ": the config is empty; it needs at least the sections data, model,"
                    + " loss, optimizer, training and output");
        }
        ConfigTree tree = new ConfigTree(source, root);
        Problems problems = new Problems(tree);
        tree.index();
        boolean unsafe = SafeYaml.checkTags(root, "", problems);
        if (!unsafe && root instanceof MappingNode) {
            unsafe = Overrides.apply(tree, overrides == null ? List.of() : List.copyOf(overrides), problems);
        }
        if (unsafe) {
            problems.throwIfAny();
        }
        tree.index();
        ExperimentConfig config = new ExperimentReader(problems, workingDir.toAbsolutePath(), defaultName(source))
                .read(root);
        problems.throwIfAny();
        return config;
    }

    /** {@code configs/fashion-mnist-mlp.yaml} → {@code fashion-mnist-mlp}. */
    static String defaultName(String source) {
        String name = source.substring(Math.max(source.lastIndexOf('/'), source.lastIndexOf('\\')) + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name.isEmpty() ? "experiment" : name;
    }
}
