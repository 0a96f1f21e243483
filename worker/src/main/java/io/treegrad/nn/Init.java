package io.treegrad.nn;

import java.util.Locale;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeded initialisers. Values come from Java's {@link SplittableRandom}, so the same seed gives the
 * same model on every backend (CPU or GPU) and in every JVM.
 */
public enum Init {
    /** Glorot/Xavier uniform: U(−a, a), a = √(6 / (fanIn + fanOut)); for tanh/sigmoid layers. */
    XAVIER,
    /** He/Kaiming normal: N(0, 2 / fanIn); for ReLU layers. */
    HE,
    ZEROS;

    public static Init parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT).replace("GLOROT", "XAVIER").replace("KAIMING", "HE"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown initialiser '" + name + "': expected xavier, he or zeros");
        }
    }

    /** Fills a [fanIn, fanOut] weight (or any shape, with the given fans) in place. */
    public void fill(INDArray target, long fanIn, long fanOut, long seed) {
        double[] v = new double[(int) target.length()];
        SplittableRandom rng = new SplittableRandom(seed);
        switch (this) {
            case XAVIER -> {
                double a = Math.sqrt(6.0 / (fanIn + fanOut));
                for (int i = 0; i < v.length; i++) {
                    v[i] = rng.nextDouble(-a, a);
                }
            }
            case HE -> {
                double std = Math.sqrt(2.0 / fanIn);
                for (int i = 0; i < v.length; i++) {
                    v[i] = std * gaussian(rng);
                }
            }
            default -> { }
        }
        target.assign(Nd4j.createFromArray(v).castTo(target.dataType()).reshape(target.shape()));
    }

    /** Box-Muller: a standard normal from two uniforms. */
    static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
