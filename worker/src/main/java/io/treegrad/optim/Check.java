package io.treegrad.optim;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects what is wrong with a set of hyperparameters, each problem as
 * {@code "<field>: must be <expected>, got <value>"}, so that one error reports all of them. The
 * field is a key path ({@code optimizer.schedule.gamma}) when checking a spec, a parameter name
 * when checking a constructor's arguments.
 */
final class Check {
    private final List<String> problems = new ArrayList<>();

    /** " (only by a, b)": the types whose fields include {@code field}, for a field a type does not use. */
    static String usedBy(String field, List<String> types, java.util.Map<String, List<String>> fields) {
        List<String> users = new ArrayList<>();
        for (String t : types) {
            if (fields.get(t).contains(field)) {
                users.add(t);
            }
        }
        return " (only by " + String.join(", ", users) + ")";
    }

    Check positive(String field, double v) {
        if (finite(field, v) && !(v > 0)) {
            fail(field, "must be > 0, got " + v);
        }
        return this;
    }

    Check nonNegative(String field, double v) {
        if (finite(field, v) && !(v >= 0)) {
            fail(field, "must be >= 0, got " + v);
        }
        return this;
    }

    /** 0 ≤ v < 1: a decay rate or momentum coefficient. */
    Check unitInterval(String field, double v) {
        if (finite(field, v) && !(v >= 0 && v < 1)) {
            fail(field, "must be in [0, 1), got " + v);
        }
        return this;
    }

    /** 0 < v ≤ 1: a multiplicative decay factor. */
    Check decayFactor(String field, double v) {
        if (finite(field, v) && !(v > 0 && v <= 1)) {
            fail(field, "must be in (0, 1], got " + v);
        }
        return this;
    }

    Check atLeast(String field, long v, long min) {
        if (v < min) {
            fail(field, "must be >= " + min + ", got " + v);
        }
        return this;
    }

    Check fail(String field, String message) {
        problems.add(field + ": " + message);
        return this;
    }

    boolean ok() {
        return problems.isEmpty();
    }

    List<String> problems() {
        return List.copyOf(problems);
    }

    /** Throws one {@link IllegalArgumentException} naming every problem, if there are any. */
    void orThrow() {
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    private boolean finite(String field, double v) {
        if (Double.isFinite(v)) {
            return true;
        }
        fail(field, "must be a finite number, got " + v);
        return false;
    }
}
