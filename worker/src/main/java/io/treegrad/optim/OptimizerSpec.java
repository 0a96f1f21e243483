package io.treegrad.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * An optimizer as plain data (the {@code optimizer:} block of a run's config), validated and built
 * by {@link #build()}. A null field takes torch.optim's default for the type; a field the type does
 * not use must stay null (a misplaced {@code momentum} under Adam is an error, not ignored).
 *
 * <pre>
 *   type     class                                          fields (torch default)
 *   sgd      Sgd, SgdMomentum (momentum &gt; 0),                lr (required), momentum (0), nesterov (false)
 *            SgdNesterov (nesterov)
 *   adagrad  AdaGrad                                        lr (1e-2), eps (1e-10)
 *   rmsprop  RmsProp                                        lr (1e-2), alpha (0.99), eps (1e-8)
 *   adam     Adam                                           lr (1e-3), betas ([0.9, 0.999]), eps (1e-8)
 *   adamw    AdamW                                          lr (1e-3), betas, eps, weightDecay (1e-2)
 * </pre>
 *
 * Every type also takes {@code weightDecay} (0; L2 added to the gradient, decoupled for adamw),
 * {@code schedule} ({@link ScheduleSpec}; constant if null) and {@code clipNorm} (none; the global
 * L2 norm the gradient is clipped to before each step). Errors name the key path and the expected
 * range: {@code optimizer.lr: must be > 0, got -0.1}.
 */
public record OptimizerSpec(String type, Double lr, Double momentum, Boolean nesterov, List<Double> betas,
                            Double alpha, Double eps, Double weightDecay, ScheduleSpec schedule,
                            Double clipNorm) implements java.io.Serializable {
    /** The key path of the optimizer block in a run's config. */
    public static final String PATH = "optimizer";
    static final List<String> TYPES = List.of("sgd", "adagrad", "rmsprop", "adam", "adamw");
    /** The optional fields each type uses (weightDecay, schedule and clipNorm: all of them). */
    static final Map<String, List<String>> FIELDS = Map.of(
            "sgd", List.of("momentum", "nesterov"),
            "adagrad", List.of("eps"),
            "rmsprop", List.of("alpha", "eps"),
            "adam", List.of("betas", "eps"),
            "adamw", List.of("betas", "eps"));

    public OptimizerSpec {
        betas = betas == null ? null : Collections.unmodifiableList(new ArrayList<>(betas));
    }

    /** A spec of the given type with every field at its default. */
    public static OptimizerSpec of(String type) {
        return new OptimizerSpec(type, null, null, null, null, null, null, null, null, null);
    }

    public OptimizerSpec withLr(double v) {
        return new OptimizerSpec(type, v, momentum, nesterov, betas, alpha, eps, weightDecay, schedule, clipNorm);
    }

    public OptimizerSpec withMomentum(double v) {
        return new OptimizerSpec(type, lr, v, nesterov, betas, alpha, eps, weightDecay, schedule, clipNorm);
    }

    public OptimizerSpec withNesterov(boolean v) {
        return new OptimizerSpec(type, lr, momentum, v, betas, alpha, eps, weightDecay, schedule, clipNorm);
    }

    public OptimizerSpec withBetas(double beta1, double beta2) {
        return new OptimizerSpec(type, lr, momentum, nesterov, List.of(beta1, beta2), alpha, eps, weightDecay,
                schedule, clipNorm);
    }

    public OptimizerSpec withAlpha(double v) {
        return new OptimizerSpec(type, lr, momentum, nesterov, betas, v, eps, weightDecay, schedule, clipNorm);
    }

    public OptimizerSpec withEps(double v) {
        return new OptimizerSpec(type, lr, momentum, nesterov, betas, alpha, v, weightDecay, schedule, clipNorm);
    }

    public OptimizerSpec withWeightDecay(double v) {
        return new OptimizerSpec(type, lr, momentum, nesterov, betas, alpha, eps, v, schedule, clipNorm);
    }

    public OptimizerSpec withSchedule(ScheduleSpec v) {
        return new OptimizerSpec(type, lr, momentum, nesterov, betas, alpha, eps, weightDecay, v, clipNorm);
    }

    public OptimizerSpec withClipNorm(double v) {
        return new OptimizerSpec(type, lr, momentum, nesterov, betas, alpha, eps, weightDecay, schedule, v);
    }

    /** Everything wrong with this spec, keys under {@link #PATH}; empty when it is valid. */
    public List<String> problems() {
        return problems(PATH);
    }

    /** Everything wrong with this spec, each as {@code "<path>.<field>: ..."}; empty when valid. */
    public List<String> problems(String path) {
        Check c = new Check();
        if (type == null) {
            return c.fail(path + ".type", "required, one of " + TYPES).problems();
        }
        if (!FIELDS.containsKey(type)) {
            return c.fail(path + ".type", "must be one of " + TYPES + ", got '" + type + "'").problems();
        }
        List<String> used = FIELDS.get(type);
        Object[][] optional = {{"momentum", momentum}, {"nesterov", nesterov}, {"betas", betas},
                               {"alpha", alpha}, {"eps", eps}};
        for (Object[] f : optional) {
            if (f[1] != null && !used.contains((String) f[0])) {
                c.fail(path + "." + f[0], "not used by " + type + usedBy((String) f[0]));
            }
        }
        if (lr == null) {
            if (type.equals("sgd")) {
                c.fail(path + ".lr", "required for sgd (torch.optim.SGD has no default)");
            }
        } else {
            c.positive(path + ".lr", lr);
        }
        if (momentum != null && used.contains("momentum")) {
            c.unitInterval(path + ".momentum", momentum);
        }
        if (Boolean.TRUE.equals(nesterov) && used.contains("nesterov") && !(momentum != null && momentum > 0)) {
            c.fail(path + ".nesterov", "needs " + path + ".momentum > 0, got momentum "
                    + (momentum == null ? "unset (0)" : momentum));
        }
        if (betas != null && used.contains("betas")) {
            if (betas.size() != 2) {
                c.fail(path + ".betas", "must be 2 numbers [beta1, beta2], got " + betas.size() + ": " + betas);
            } else {
                for (int i = 0; i < 2; i++) {
                    if (betas.get(i) == null) {
                        c.fail(path + ".betas[" + i + "]", "must be a number in [0, 1), got null");
                    } else {
                        c.unitInterval(path + ".betas[" + i + "]", betas.get(i));
                    }
                }
            }
        }
        if (alpha != null && used.contains("alpha")) {
            c.unitInterval(path + ".alpha", alpha);
        }
        if (eps != null && used.contains("eps")) {
            c.positive(path + ".eps", eps);
        }
        if (weightDecay != null) {
            c.nonNegative(path + ".weightDecay", weightDecay);
        }
        if (clipNorm != null) {
            c.positive(path + ".clipNorm", clipNorm);
        }
        List<String> all = new ArrayList<>(c.problems());
        if (schedule != null) {
            Double base = lr != null ? lr : type.equals("sgd") ? null : defaultLr(type);
            all.addAll(schedule.problems(path + ".schedule", base));
        }
        return all;
    }

    /** Throws one {@link IllegalArgumentException} naming every problem (keys under {@link #PATH}). */
    public void validate() {
        validate(PATH);
    }

    public void validate(String path) {
        List<String> problems = problems(path);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /**
     * This spec with every default written out (the type's fields, weightDecay, a constant
     * schedule): what a checkpoint's provenance records as the resolved config.
     */
    public OptimizerSpec resolved() {
        validate();
        return resolvedUnchecked();
    }

    private OptimizerSpec resolvedUnchecked() {
        double rLr = lr != null ? lr : defaultLr(type);
        ScheduleSpec rSchedule = schedule != null ? schedule : ScheduleSpec.constant();
        double rWeightDecay = weightDecay != null ? weightDecay : type.equals("adamw") ? AdamW.DEFAULT_WEIGHT_DECAY : 0;
        return switch (type) {
            case "sgd" -> new OptimizerSpec(type, rLr, momentum != null ? momentum : 0.0,
                    nesterov != null ? nesterov : false, null, null, null, rWeightDecay, rSchedule, clipNorm);
            case "adagrad" -> new OptimizerSpec(type, rLr, null, null, null, null,
                    eps != null ? eps : AdaGrad.DEFAULT_EPS, rWeightDecay, rSchedule, clipNorm);
            case "rmsprop" -> new OptimizerSpec(type, rLr, null, null, null,
                    alpha != null ? alpha : RmsProp.DEFAULT_ALPHA, eps != null ? eps : RmsProp.DEFAULT_EPS,
                    rWeightDecay, rSchedule, clipNorm);
            default -> new OptimizerSpec(type, rLr, null, null,
                    betas != null ? betas : List.of(Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2), null,
                    eps != null ? eps : Adam.DEFAULT_EPS, rWeightDecay, rSchedule, clipNorm);
        };
    }

    /** Validates (keys under {@link #PATH}) and builds the optimizer, clipping included. */
    public Optimizer build() {
        return build(PATH);
    }

    /** Validates, naming keys under {@code path}, and builds the optimizer, clipping included. */
    public Optimizer build(String path) {
        validate(path);
        OptimizerSpec r = resolvedUnchecked();
        LrSchedule s = r.schedule.build(r.lr, path + ".schedule");
        Optimizer o = switch (type) {
            case "sgd" -> r.nesterov ? new SgdNesterov(s, r.momentum, r.weightDecay)
                    : r.momentum > 0 ? new SgdMomentum(s, r.momentum, r.weightDecay)
                    : new Sgd(s, r.weightDecay);
            case "adagrad" -> new AdaGrad(s, r.eps, r.weightDecay);
            case "rmsprop" -> new RmsProp(s, r.alpha, r.eps, r.weightDecay);
            case "adam" -> new Adam(s, r.betas.get(0), r.betas.get(1), r.eps, r.weightDecay);
            default -> new AdamW(s, r.betas.get(0), r.betas.get(1), r.eps, r.weightDecay);
        };
        return r.clipNorm == null ? o : o.clipGradNorm(r.clipNorm);
    }

    private static double defaultLr(String type) {
        return switch (type) {
            case "adagrad" -> AdaGrad.DEFAULT_LR;
            case "rmsprop" -> RmsProp.DEFAULT_LR;
            case "adam", "adamw" -> Adam.DEFAULT_LR;
            default -> throw new IllegalArgumentException(PATH + ".lr: required for " + type);
        };
    }

    private static String usedBy(String field) {
        return Check.usedBy(field, TYPES, FIELDS);
    }
}
