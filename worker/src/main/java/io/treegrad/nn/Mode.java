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

    /** An independent seed for one layer of this pass. */
    public long seedFor(int layer) {
        return io.treegrad.util.SplitMix64.derive(seed, layer);
    }
}
