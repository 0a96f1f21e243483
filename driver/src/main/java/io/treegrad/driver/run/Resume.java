package io.treegrad.driver.run;

import io.treegrad.driver.config.ConfigException;
import io.treegrad.driver.config.ConfigLoader;
import io.treegrad.driver.store.CheckpointStore;
import io.treegrad.io.Checkpoint;
import io.treegrad.nn.LayerSpec;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import io.treegrad.optim.Optimizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code train --resume}: the newest checkpoint that reads cleanly ({@link CheckpointStore#latestValid()}:
 * a truncated or corrupt newest one is passed over, and the console says which and why), checked
 * against this run's model, restored into it.
 */
final class Resume {
    private Resume() {}

    /**
     * Restores {@code model}'s parameters and {@code optimizer}'s state from the newest valid checkpoint.
     *
     * @return the step it was taken at: the run continues with the next one
     * @throws IOException              if there are checkpoints but none reads (listing each, and why)
     * @throws IllegalArgumentException if there is no checkpoint, or it belongs to another model or
     *                                  optimizer; the message names the checkpoint file
     */
    static long restore(CheckpointStore store, Model model, ModelSpec spec, Optimizer optimizer, PrintStream console)
            throws IOException {
        CheckpointStore.Recovered found = store.latestValid().orElseThrow(() -> new IllegalArgumentException(
                "--resume: no checkpoint in " + store.dir() + "; expected the ckpt-<step>.safetensors files of an"
                        + " earlier run with the same output.dir (or checkpoints.uri)"));
        for (CheckpointStore.Skipped s : found.skipped()) {
            // a reader's reason names the file already ("<path>: checksum mismatch ..."); the store's own do not
            String named = s.reason().startsWith(s.path().toString()) ? s.reason() : s.path() + ": " + s.reason();
            console.printf(Locale.ROOT, "treegrad: --resume passes over %s%n", named);
        }
        Checkpoint c = found.checkpoint();
        long inFile = c.params().length();
        long inModel = model.parameters().size();
        if (inFile != inModel || c.params().dataType() != model.parameters().dataType()) {
            ModelSpec written = specOf(c, found.path().toString());
            throw new IllegalArgumentException(found.path() + ": checkpoint of a different model shape: it holds "
                    + inFile + " " + c.params().dataType() + " parameters" + (written == null ? "" : " (" + describe(written) + ")")
                    + ", this config's model has " + inModel + " " + model.parameters().dataType() + " ("
                    + describe(spec) + "); expected the same model: resume with the config that run was written with,"
                    + " or train without --resume into a new output.dir");
        }
        try {
            c.restoreInto(model.parameters(), optimizer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(found.path() + ": cannot resume from this checkpoint: " + e.getMessage()
                    + "; resume with the config that run was written with", e);
        }
        console.printf(Locale.ROOT, "treegrad: resuming from step %d (%s)%n", c.step(), found.path());
        return c.step();
    }

    /** The model section of the config the checkpoint carries; null if it does not parse. */
    private static ModelSpec specOf(Checkpoint c, String source) {
        try {
            return ConfigLoader.parse(c.config(), source + " (its config)", List.of(), Path.of("").toAbsolutePath())
                    .model();
        } catch (ConfigException e) {
            return null;
        }
    }

    /** {@code inputs 13, layers [linear 16, tanh, linear 2]}. */
    static String describe(ModelSpec spec) {
        return "inputs " + spec.inputs() + ", layers " + spec.layers().stream().map(Resume::describe)
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static String describe(LayerSpec l) {
        if (l.units() != null) {
            return l.type() + " " + l.units();
        }
        return l.rate() == null ? l.type() : l.type() + " " + l.rate();
    }
}
