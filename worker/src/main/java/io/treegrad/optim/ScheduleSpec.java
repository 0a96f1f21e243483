package io.treegrad.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A learning-rate schedule as plain data (the {@code schedule:} block of an optimizer config); the
 * base rate is the optimizer's {@code lr}. A field left null takes its default; a field the type
 * does not use must stay null. With s the number of steps already taken (see {@link LrSchedule}):
 *
 * <pre>
 *   type          lr(s)                                           fields
 *   constant      η                                               -
 *   step          η·γ^⌊s/k⌋                                        stepSize k (required), gamma γ (0.1)
 *   exponential   η·γ^s                                           gamma γ (required)
 *   inverse_time  η/(1 + d·s)                                     decay d (required)
 *   cosine        η_min + (η − η_min)(1 + cos(π·min(s,T)/T))/2    tMax T (required), minLr η_min (0)
 * </pre>
 *
 * and, for any type, {@code warmupSteps} W (0): a linear warm-up, (s+1)/W·lr(0) for s &lt; W, after
 * which the schedule above starts from its own step 0 ({@link LrSchedule#warmup}).
 */
public record ScheduleSpec(String type, Long stepSize, Double gamma, Double decay, Long tMax, Double minLr,
                           Long warmupSteps) implements java.io.Serializable {
    /** The accepted types, each with the fields it uses (warmupSteps is accepted by all). */
    static final Map<String, List<String>> FIELDS = Map.of(
            "constant", List.of(),
            "step", List.of("stepSize", "gamma"),
            "exponential", List.of("gamma"),
            "inverse_time", List.of("decay"),
            "cosine", List.of("tMax", "minLr"));
    static final List<String> TYPES = List.of("constant", "step", "exponential", "inverse_time", "cosine");
    static final double DEFAULT_STEP_GAMMA = 0.1;

    public static ScheduleSpec constant() {
        return new ScheduleSpec("constant", null, null, null, null, null, null);
    }

    public static ScheduleSpec step(long stepSize, double gamma) {
        return new ScheduleSpec("step", stepSize, gamma, null, null, null, null);
    }

    public static ScheduleSpec exponential(double gamma) {
        return new ScheduleSpec("exponential", null, gamma, null, null, null, null);
    }

    public static ScheduleSpec inverseTime(double decay) {
        return new ScheduleSpec("inverse_time", null, null, decay, null, null, null);
    }

    public static ScheduleSpec cosine(long tMax, double minLr) {
        return new ScheduleSpec("cosine", null, null, null, tMax, minLr, null);
    }

    /** This schedule preceded by a linear warm-up of {@code steps} steps. */
    public ScheduleSpec withWarmup(long steps) {
        return new ScheduleSpec(type, stepSize, gamma, decay, tMax, minLr, steps);
    }

    /**
     * What is wrong with this spec for base rate {@code lr} (null when the lr itself is missing or
     * invalid), each as {@code "<path>.<field>: must be ..., got ..."}; empty when it is valid.
     */
    public List<String> problems(String path, Double lr) {
        Check c = new Check();
        if (type == null) {
            c.fail(path + ".type", "required, one of " + TYPES);
            return c.problems();
        }
        if (!FIELDS.containsKey(type)) {
            c.fail(path + ".type", "must be one of " + TYPES + ", got '" + type + "'");
            return c.problems();
        }
        List<String> used = FIELDS.get(type);
        Object[][] fields = {{"stepSize", stepSize}, {"gamma", gamma}, {"decay", decay}, {"tMax", tMax},
                             {"minLr", minLr}};
        for (Object[] f : fields) {
            if (f[1] != null && !used.contains((String) f[0])) {
                c.fail(path + "." + f[0], "not used by a '" + type + "' schedule" + usedBy((String) f[0]));
            }
        }
        switch (type) {
            case "step" -> {
                required(c, path, "stepSize", stepSize);
                if (stepSize != null) {
                    c.atLeast(path + ".stepSize", stepSize, 1);
                }
                if (gamma != null) {
                    c.decayFactor(path + ".gamma", gamma);
                }
            }
            case "exponential" -> {
                if (required(c, path, "gamma", gamma)) {
                    c.decayFactor(path + ".gamma", gamma);
                }
            }
            case "inverse_time" -> {
                if (required(c, path, "decay", decay)) {
                    c.nonNegative(path + ".decay", decay);
                }
            }
            case "cosine" -> {
                if (required(c, path, "tMax", tMax)) {
                    c.atLeast(path + ".tMax", tMax, 1);
                }
                if (minLr != null) {
                    c.nonNegative(path + ".minLr", minLr);
                    if (lr != null && Double.isFinite(minLr) && minLr > lr) {
                        c.fail(path + ".minLr", "must be <= the optimizer's lr (" + lr + "), got " + minLr);
                    }
                }
            }
            default -> { }
        }
        if (warmupSteps != null) {
            c.atLeast(path + ".warmupSteps", warmupSteps, 0);
        }
        return c.problems();
    }

    /** The schedule with base rate {@code lr}; throws naming every problem under {@code path}. */
    public LrSchedule build(double lr, String path) {
        List<String> problems = new ArrayList<>(problems(path, lr));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        LrSchedule s = switch (type) {
            case "step" -> LrSchedule.stepDecay(lr, stepSize, gamma == null ? DEFAULT_STEP_GAMMA : gamma);
            case "exponential" -> LrSchedule.exponential(lr, gamma);
            case "inverse_time" -> LrSchedule.inverseTime(lr, decay);
            case "cosine" -> LrSchedule.cosine(lr, minLr == null ? 0 : minLr, tMax);
            default -> LrSchedule.constant(lr);
        };
        return warmupSteps == null || warmupSteps == 0 ? s : LrSchedule.warmup(warmupSteps, s);
    }

    private boolean required(Check c, String path, String field, Object value) {
        if (value == null) {
            c.fail(path + "." + field, "required by a '" + type + "' schedule");
            return false;
        }
        return true;
    }

    private static String usedBy(String field) {
        return Check.usedBy(field, TYPES, FIELDS);
    }
}
