package io.treegrad.util;

/**
 * SplitMix64 (Steele, Lea and Flood 2014), written out so that no JDK version can change the seeds
 * derived from it: shuffles, dropout masks and initialisations stay reproducible across runs,
 * machines and resumed checkpoints.
 */
public final class SplitMix64 {
    /** The golden-ratio increment of the generator's state. */
    public static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private SplitMix64() {}

    /** The output function: a bijective 64-bit mix. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** An independent seed for stream {@code index} of {@code seed}: the index-th output after it. */
    public static long derive(long seed, long index) {
        return mix(seed + GOLDEN * (index + 1));
    }
}
