package io.treegrad.nn;

/**
 * How a forward pass runs: training (dropout active) or evaluation, and the seed this pass draws
 * its randomness from. A training step passes a seed derived from (run seed, step, partition), so
 * that the step is a pure function of its inputs and a retried task recomputes the same masks.
 */
public record Mode(boolean training, long seed) {
    public static final Mode EVAL = new Mode(false, 0);

    public static Mode train(long seed) {
        return new Mode(true, seed);
    }

    /** An independent seed for one layer of this pass (SplitMix64 of the pass seed and the layer). */
    public long seedFor(int layer) {
        long z = seed + 0x9E3779B97F4A7C15L * (layer + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
