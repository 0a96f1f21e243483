package io.treegrad.driver.config;

import java.util.List;

/**
 * Everything wrong with a config, found in one pass: each problem names where it is (the file and
 * line, or the {@code --set} override) and the key path, e.g.
 * {@code configs/x.yaml line 12: training.batchsize: unknown key; did you mean batch_size?}.
 */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** Each problem, one line each, ordered by where they are. */
    public List<String> problems() {
        return problems;
    }

    private static String message(List<String> problems) {
        if (problems.size() == 1) {
            return problems.get(0);
        }
        return "the config has " + problems.size() + " problems:\n  " + String.join("\n  ", problems);
    }
}
