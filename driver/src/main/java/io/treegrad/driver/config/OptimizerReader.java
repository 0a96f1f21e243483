package io.treegrad.driver.config;

import io.treegrad.optim.OptimizerSpec;
import io.treegrad.optim.ScheduleSpec;
import java.util.List;
import java.util.Map;

/**
 * The {@code optimizer:} section into an {@link OptimizerSpec}: the spec's fields under snake_case
 * keys ({@code weight_decay}, {@code clip_norm}; in {@code schedule:} {@code step_size},
 * {@code t_max}, {@code min_lr}, {@code warmup_steps}). The spec's own {@link OptimizerSpec#problems}
 * decide what is valid; this class only translates its key paths back to the file's keys and lines.
 */
final class OptimizerReader {
    static final List<String> KEYS = List.of("type", "lr", "momentum", "nesterov", "betas", "alpha", "eps",
            "weight_decay", "clip_norm", "schedule");
    static final List<String> SCHEDULE_KEYS = List.of("type", "step_size", "gamma", "decay", "t_max", "min_lr",
            "warmup_steps");
    static final List<String> TYPES = List.of("sgd", "adagrad", "rmsprop", "adam", "adamw");
    static final List<String> SCHEDULE_TYPES = List.of("constant", "step", "exponential", "inverse_time", "cosine");
    /** The spec's field names and their YAML keys. */
    static final Map<String, String> SNAKE = Map.of("weightDecay", "weight_decay", "clipNorm", "clip_norm",
            "stepSize", "step_size", "tMax", "t_max", "minLr", "min_lr", "warmupSteps", "warmup_steps");

    private OptimizerReader() {}

    /** The resolved spec ({@link OptimizerSpec#resolved()}), or null if anything is wrong (reported). */
    static OptimizerSpec read(Section o) {
        Problems problems = o.problems();
        String type = o.choice("type", TYPES);
        if (!o.has("type")) {
            o.missing("type", "one of " + TYPES);
        }
        Section s = o.section("schedule", SCHEDULE_KEYS);
        ScheduleSpec schedule = null;
        if (s.present()) {
            String scheduleType = s.choice("type", SCHEDULE_TYPES);
            if (!s.has("type")) {
                s.missing("type", "one of " + SCHEDULE_TYPES);
            }
            schedule = new ScheduleSpec(scheduleType, s.whole("step_size"), s.number("gamma"), s.number("decay"),
                    s.whole("t_max"), s.number("min_lr"), s.whole("warmup_steps"));
        }
        OptimizerSpec spec = new OptimizerSpec(type, o.number("lr"), o.number("momentum"), o.bool("nesterov"),
                o.numbers("betas", "[0.9, 0.999]"), o.number("alpha"), o.number("eps"), o.number("weight_decay"),
                schedule, o.number("clip_norm"));
        if (type == null) {
            return null;
        }
        for (String problem : spec.problems(o.path())) {
            int colon = problem.indexOf(": ");
            String path = snake(problem.substring(0, colon));
            if (!problems.reportedAtOrUnder(path)) {
                problems.at(path, snake(problem.substring(colon + 2)));
            }
        }
        return problems.reportedAtOrUnder(o.path()) ? null : spec.resolved();
    }

    /** The spec's camelCase field names in {@code text} as the config's keys. */
    static String snake(String text) {
        for (Map.Entry<String, String> e : SNAKE.entrySet()) {
            text = text.replaceAll("\\b" + e.getKey() + "\\b", e.getValue());
        }
        return text;
    }
}
