package io.treegrad.optim;

import java.util.Objects;

/**
 * A learning rate as a function of the step: {@code lr(s)} is the rate of the optimizer step that
 * follows {@code s} completed steps, so the first step uses {@code lr(0)} and step t (1-based) uses
 * {@code lr(t − 1)}. This is PyTorch's convention for a scheduler stepped once after every
 * {@code optimizer.step()} ({@code s} = the scheduler's {@code last_epoch}; {@code LambdaLR(λ)} gives
 * {@code base·λ(s)}), and the golden tests check it step by step against torch's schedulers.
 *
 * <p>Schedules are values (records) and compose: {@code warmup(5, cosine(0.1, 1e-3, 1000))}. Any
 * {@code s -> ...} lambda is a schedule too. A schedule depends on the step only, so an optimizer
 * restored from a checkpoint continues on the same curve.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The learning rate of the step after {@code step} completed steps ({@code step ≥ 0}). */
    double lr(long step);

    /** η_s = η. */
    static LrSchedule constant(double lr) {
        return new Constant(lr);
    }

    /** η_s = η·γ^⌊s/k⌋ (torch {@code StepLR(step_size=k, gamma=γ)}). */
    static LrSchedule stepDecay(double lr, long every, double gamma) {
        return new StepDecay(lr, every, gamma);
    }

    /** η_s = η·γ^s (torch {@code ExponentialLR(gamma=γ)}). */
    static LrSchedule exponential(double lr, double gamma) {
        return new Exponential(lr, gamma);
    }

    /** η_s = η / (1 + d·s) (torch Adagrad's {@code lr_decay}, or {@code LambdaLR}). */
    static LrSchedule inverseTime(double lr, double decay) {
        return new InverseTime(lr, decay);
    }

    /** η_s = η_min + (η − η_min)·(1 + cos(π·min(s, T)/T))/2: η at s = 0, η_min from s = T on. */
    static LrSchedule cosine(double lr, double minLr, long steps) {
        return new Cosine(lr, minLr, steps);
    }

    /** {@code after}, preceded by {@code steps} steps ramping linearly up to {@code after.lr(0)}. */
    static LrSchedule warmup(long steps, LrSchedule after) {
        return new Warmup(steps, after);
    }

    /** η_s = η. */
    record Constant(double lr) implements LrSchedule {
        public Constant {
            new Check().positive("lr", lr).orThrow();
        }

        @Override
        public double lr(long step) {
            return lr;
        }
    }

    /** η_s = η·γ^⌊s/k⌋: multiplied by γ every k steps. */
    record StepDecay(double lr, long every, double gamma) implements LrSchedule {
        public StepDecay {
            new Check().positive("lr", lr).atLeast("every", every, 1).decayFactor("gamma", gamma).orThrow();
        }

        @Override
        public double lr(long step) {
            return lr * Math.pow(gamma, Math.floorDiv(step, every));
        }
    }

    /** η_s = η·γ^s. */
    record Exponential(double lr, double gamma) implements LrSchedule {
        public Exponential {
            new Check().positive("lr", lr).decayFactor("gamma", gamma).orThrow();
        }

        @Override
        public double lr(long step) {
            return lr * Math.pow(gamma, step);
        }
    }

    /** η_s = η / (1 + d·s): the 1/t decay of the stochastic-approximation conditions. */
    record InverseTime(double lr, double decay) implements LrSchedule {
        public InverseTime {
            new Check().positive("lr", lr).nonNegative("decay", decay).orThrow();
        }

        @Override
        public double lr(long step) {
            return lr / (1 + decay * step);
        }
    }

    /**
     * η_s = η_min + (η − η_min)·(1 + cos(π·min(s, T)/T))/2: half a cosine from η down to η_min over
     * T steps, then η_min. NOTE: torch's {@code CosineAnnealingLR} goes on as a periodic cosine past
     * T (the rate rises again); this one stays at the minimum.
     */
    record Cosine(double lr, double minLr, long steps) implements LrSchedule {
        public Cosine {
            Check c = new Check().positive("lr", lr).nonNegative("minLr", minLr).atLeast("steps", steps, 1);
            if (c.ok() && minLr > lr) {
                c.fail("minLr", "must be <= lr (" + lr + "), got " + minLr);
            }
            c.orThrow();
        }

        @Override
        public double lr(long step) {
            double progress = (double) Math.min(step, steps) / steps;
            return minLr + (lr - minLr) * (1 + Math.cos(Math.PI * progress)) / 2;
        }
    }

    /**
     * Linear warm-up: η_s = (s+1)/W · after(0) for the first W steps (s < W), so step t ≤ W runs at
     * t/W of the rate; then η_s = after(s − W), {@code after} starting from its own step 0. As torch
     * {@code SequentialLR([LinearLR(start_factor=1/W, total_iters=W−1), after], milestones=[W])}.
     */
    record Warmup(long steps, LrSchedule after) implements LrSchedule {
        public Warmup {
            Objects.requireNonNull(after, "after");
            new Check().atLeast("steps", steps, 1).orThrow();
        }

        @Override
        public double lr(long step) {
            if (step < steps) {
                return after.lr(0) * (step + 1) / steps;
            }
            return after.lr(step - steps);
        }
    }
}
