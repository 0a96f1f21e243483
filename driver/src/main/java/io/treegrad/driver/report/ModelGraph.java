package io.treegrad.driver.report;

import io.treegrad.autodiff.GraphViz;
import io.treegrad.autodiff.Tensor;
import io.treegrad.io.ModelFile;
import io.treegrad.nn.Mode;
import io.treegrad.nn.Model;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The model's forward computation graph: the model runs once, in training mode (dropout shown), on a
 * batch of two zero rows with the tape recording, and the tape is written as graphviz DOT by the
 * engine's {@link GraphViz}: ops with their output shapes, parameters under their names in the
 * model ({@code layer0.weight}, ...), the input {@code x} and the {@code output}.
 */
final class ModelGraph {
    static final int BATCH = 2;
    private static final long DOT_TIMEOUT_SECONDS = 60;

    private ModelGraph() {}

    static String dot(ModelFile file) {
        Model model = file.toModel();
        Tensor x = Tensor.of(Nd4j.zeros(file.parameters().dataType(), BATCH, file.spec().inputs()))
                .requiresGrad(true).name("x (input batch)");
        Tensor out = model.forward(x, Mode.train(0)).name("output");
        return GraphViz.toDot(out);
    }

    /** What rendering with graphviz gave: the SVG, or why there is none. */
    record Rendered(Optional<byte[]> svg, String note) {}

    /** {@code dot -Tsvg} of the DOT text when graphviz's {@code dot} is on the PATH. */
    static Rendered svg(String dot) {
        Optional<File> exe = onPath("dot");
        if (exe.isEmpty()) {
            return new Rendered(Optional.empty(), "graphviz's dot is not on the PATH; the graph is linked as DOT text");
        }
        Process p;
        try {
            p = new ProcessBuilder(exe.get().getPath(), "-Tsvg").redirectErrorStream(false).start();
        } catch (IOException e) {
            return new Rendered(Optional.empty(), "could not run " + exe.get() + ": " + e.getMessage());
        }
        try {
            CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            try (OutputStream in = p.getOutputStream()) {
                in.write(dot.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(DOT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Rendered(Optional.empty(), exe.get() + " ran past " + DOT_TIMEOUT_SECONDS + " s");
            }
            byte[] svg = stdout.get();
            if (p.exitValue() != 0 || svg.length == 0) {
                return new Rendered(Optional.empty(), exe.get() + " -Tsvg failed (exit " + p.exitValue() + "): "
                        + new String(stderr.get(), StandardCharsets.UTF_8).strip());
            }
            return new Rendered(Optional.of(svg), "rendered by " + exe.get() + " -Tsvg");
        } catch (IOException | java.util.concurrent.ExecutionException e) {
            p.destroyForcibly();
            return new Rendered(Optional.empty(), "could not render with " + exe.get() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Rendered(Optional.empty(), "interrupted while rendering with " + exe.get());
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in; ByteArrayOutputStream buf = new ByteArrayOutputStream()) {
            in.transferTo(buf);
            return buf.toByteArray();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    static Optional<File> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir.isEmpty() ? "." : dir, program);
            if (f.isFile() && f.canExecute()) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
