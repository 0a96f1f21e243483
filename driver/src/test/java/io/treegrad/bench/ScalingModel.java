package io.treegrad.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A cost model of one synchronous step on P executors (one task each), with constants fitted from
 * the benchmark's measured steps; the formulas and their assumptions are in {@code docs/scaling.md}.
 *
 * <pre>
 * T(P) = broadcast(S) + launch(P) + fetch(P, S) + compute(rows) + serialize(S)
 *      + Σ over tree levels l [ launch(n_l) + s1·S + fanIn_l·σ·S ] + a0 + k·ρ·S + update(S)
 * launch(n) = j0 + τ·n      fetch(P, S) = f0 + f1·S + f1·log2(P)·min(S, 4 MiB)   (torrent broadcast)
 * </pre>
 * S = parameter bytes (float32), the tree levels and the driver's final fan-in k are Spark's own
 * {@code treeAggregate} arithmetic ({@link #levels}), ρ is the driver's cost per byte of taking in
 * one partial sum (ship as a task result, deserialize, merge) and σ an executor's per byte of partial
 * sum through a shuffle level (map-side write, fetch, merge). A sharded reduce (reduce-scatter of the
 * flat gradient by parameter slices, each executor updating its slice, then an all-gather: two
 * shuffles) replaces broadcast, tree and driver update by
 * {@code 2·launch(P) + s1·S + 2·σ·S·(P−1)/P + u0 + u1·S/P}. A network of {@code gbps} adds
 * {@code 8/gbps} ns per byte to every byte that crosses it (loopback measurements include none).
 */
public final class ScalingModel {
    static final double BLOCK = 4 << 20;   // spark.broadcast.blockSize

    /** Fitted constants of one environment (ms, ms per byte, ms per example). */
    record Constants(String env, double j0, double tau, double b0, double b1, double u0, double u1, double s0,
                     double s1, double f0, double f1, double a0, double rho, double sigma, Map<Long, double[]> compute) {
        Constants withSigma(double sigma) {
            return new Constants(env, j0, tau, b0, b1, u0, u1, s0, s1, f0, f1, a0, rho, sigma, compute);
        }
    }

    /** One level of the tree: its reducers and each reducer's fan-in. */
    record Level(int reducers, int fanIn) {}

    /** Spark's treeAggregate on {@code partitions} at {@code depth}: the shuffle levels, then the driver's fan-in. */
    static List<Level> levels(int partitions, int depth) {
        int scale = Math.max((int) Math.ceil(Math.pow(partitions, 1.0 / depth)), 2);
        int n = partitions;
        List<Level> out = new ArrayList<>();
        while (n > scale + Math.ceil((double) n / scale)) {
            int prev = n;
            n /= scale;
            out.add(new Level(n, (int) Math.ceil((double) prev / n)));
        }
        out.add(new Level(0, n));   // the driver takes in the last n results
        return out;
    }

    /** The parts of one step's time (ms) on P executors, each doing {@code examples} examples. */
    static Map<String, Double> step(Constants c, long params, int partitions, int depth, double examples,
                                    double wireMsPerByte) {
        return step(c, params, partitions, depth, examples, wireMsPerByte, Integer.MAX_VALUE);
    }

    /**
     * The same on a host of {@code slots} task slots: a level of more reducers than slots runs them in
     * ⌈reducers / slots⌉ waves, each taking in its fan-in (a simulated executor per task has enough).
     */
    static Map<String, Double> step(Constants c, long params, int partitions, int depth, double examples,
                                    double wireMsPerByte, int slots) {
        double s = 4.0 * params;
        double w = wireMsPerByte;
        Map<String, Double> t = new LinkedHashMap<>();
        t.put("broadcast", c.b0 + c.b1 * s);
        t.put("schedule", c.j0 + c.tau * partitions);
        t.put("fetch", c.f0 + (c.f1 + w) * fetchBytes(s, partitions));
        t.put("compute", computeMs(c, params, examples));
        t.put("serialize", c.s0 + c.s1 * s);
        double tree = 0;
        List<Level> ls = levels(partitions, depth);
        for (Level l : ls.subList(0, ls.size() - 1)) {
            int waves = (int) Math.ceil((double) l.reducers() / slots);
            tree += c.j0 + c.tau * l.reducers() + waves * (c.s1 * s + l.fanIn() * (c.sigma + w) * s);
        }
        t.put("tree_levels", tree);
        t.put("driver_merge", c.a0 + ls.get(ls.size() - 1).fanIn() * (c.rho + w) * s);
        t.put("update", c.u0 + c.u1 * s);
        t.put("total", t.values().stream().mapToDouble(Double::doubleValue).sum());
        return t;
    }

    /** The same step with a sharded reduce (reduce-scatter + all-gather, no driver in the data path). */
    static Map<String, Double> shardedStep(Constants c, long params, int partitions, double examples,
                                           double wireMsPerByte) {
        double s = 4.0 * params;
        double moved = s * (partitions - 1) / partitions;
        Map<String, Double> t = new LinkedHashMap<>();
        t.put("schedule", 2 * (c.j0 + c.tau * partitions));
        t.put("compute", computeMs(c, params, examples));
        t.put("serialize", c.s0 + c.s1 * s);
        t.put("exchange", 2 * (c.sigma + wireMsPerByte) * moved);   // both halves are shuffles
        t.put("update", c.u0 + c.u1 * s / partitions);
        t.put("total", t.values().stream().mapToDouble(Double::doubleValue).sum());
        return t;
    }

    /** The slowest task's compute for {@code examples} examples: k0 + k1·examples, fitted per model size. */
    static double computeMs(Constants c, long params, double examples) {
        double[] k = c.compute().get(params);
        double scale = 1;
        if (k == null) {   // another size: scale the nearest measured one by the parameter count
            long nearest = c.compute().keySet().stream()
                    .min((a, b) -> Double.compare(Math.abs(Math.log((double) a / params)), Math.abs(Math.log((double) b / params))))
                    .orElseThrow();
            k = c.compute().get(nearest);
            scale = (double) params / nearest;
        }
        return scale * (k[0] + k[1] * examples);
    }

    /** Bytes of an ideal torrent broadcast on the slowest executor: the whole copy, then one block per hop. */
    static double fetchBytes(double bytes, int partitions) {
        return bytes + log2(partitions) * Math.min(bytes, BLOCK);
    }

    private static double log2(int p) {
        return Math.log(p) / Math.log(2);
    }

    // ---- fitting ----

    private final Map<String, Constants> constants = new LinkedHashMap<>();
    private final List<Map<String, Object>> steps;

    private ScalingModel(List<Map<String, Object>> steps) {
        this.steps = steps;
    }

    /**
     * Fits each environment's constants from its rows of role "fit" (the base rows, P = 2 and depth 2
     * at three model sizes, and the work levers) and its empty-job costs:
     * <ul>
     *   <li>τ, j0: the line of an empty job's driver time over its task count (2, 8, 32 tasks);</li>
     *   <li>b, u, s: lines over S of the broadcast, update and serialize parts; f: the task-other part
     *       (broadcast fetch) over the torrent's bytes {@link #fetchBytes};</li>
     *   <li>ρ and a0: the line over S of schedule + aggregate, the driver's side of the job (launch,
     *       then taking in the 2 results: shipping, deserializing, merging): ρ = slope / 2,
     *       a0 = intercept − j0 − 2τ. (The critical task's scheduler delay carries its result's
     *       shipping, so the schedule part grows with S; it is not a constant launch cost.)</li>
     *   <li>compute: per model size, a line over examples per task from the fitted work levers.</li>
     * </ul>
     */
    static ScalingModel fromMeasurements(List<Map<String, Object>> steps, List<Map<String, Object>> jobCost) {
        ScalingModel m = new ScalingModel(steps);
        for (String env : List.of("local[2]", "cluster-2")) {
            List<Map<String, Object>> base = steps.stream()
                    .filter(r -> env.equals(r.get("env")) && "base".equals(r.get("variant")) && FIT.equals(role(r))).toList();
            if (base.size() < 2) {
                continue;
            }
            double[] launch = slope(jobCost.stream().filter(r -> env.equals(r.get("env")))
                    .map(r -> new double[] {num(r.get("tasks")), num(r.get("driver_ms_median"))}).toList());
            double tau = Math.max(launch[1], 0);
            double j0 = launch[0];
            double[] b = fit(base, "broadcast");
            double[] u = fit(base, "update");
            double[] s = fit(base, "serialize");
            // the fetch is modelled on the bytes a torrent moves to the slowest executor (see step)
            double[] f = slope(base.stream().map(r -> new double[] {fetchBytes(4 * num(r.get("params")),
                    (int) num(r.get("partitions"))), mean(r, "task_other")}).toList());
            double[] driverSide = slope(base.stream().map(r -> new double[] {4 * num(r.get("params")),
                    mean(r, "schedule") + mean(r, "aggregate")}).toList());
            // compute = k0 + k1·examples per model size, from the fitted rows of the size that change only
            // the work per task (one point: proportional)
            Map<Long, double[]> compute = new LinkedHashMap<>();
            for (Map<String, Object> r : base) {
                long params = (long) num(r.get("params"));
                List<double[]> xy = steps.stream().filter(o -> env.equals(o.get("env")) && FIT.equals(role(o))
                        && isWorkLever((String) o.get("variant")) && num(o.get("params")) == params)
                        .map(o -> new double[] {examples(o), mean(o, "compute")}).toList();
                boolean oneSize = xy.stream().mapToDouble(p -> p[0]).distinct().count() < 2;
                compute.put(params, oneSize ? new double[] {0, mean(r, "compute") / examples(r)} : slope(xy));
            }
            double rho = Math.max(driverSide[1], 0) / 2;
            Constants c = new Constants(env, j0, tau, b[0], b[1], u[0], u[1], s[0], s[1], f[0], Math.max(f[1], 0),
                    driverSide[0] - j0 - 2 * tau, rho, rho, compute);
            // σ: what the fitted rows with a shuffle level took beyond the model without the levels' bytes,
            // per byte of partial sum shuffled; without such a row, a shuffle level is assumed to take a
            // partial sum in as the driver does (σ = ρ)
            List<Double> sigmas = new ArrayList<>();
            for (Map<String, Object> r : steps) {
                if (!env.equals(r.get("env")) || !FIT.equals(role(r)) || shuffledBytes(r) == 0) {
                    continue;
                }
                double without = predict(c.withSigma(0), r).get("total");
                sigmas.add(Math.max(0, num(r.get("wall_ms_mean")) - without) / shuffledBytes(r));
            }
            m.constants.put(env, sigmas.isEmpty() ? c
                    : c.withSigma(sigmas.stream().mapToDouble(Double::doubleValue).average().orElseThrow()));
        }
        return m;
    }

    static final String FIT = "fit";
    static final String HELD_OUT = "held_out";
    static final String LEVER = "lever";

    /**
     * A row's role in the check: "fit", "held_out" or "lever" (not compared: a conf lever changes the
     * constants themselves), as the benchmark declared it before measuring. Rows of older JSON files
     * without one: the base rows and work levers of local[2] and cluster-2 were fitted, the rest held out.
     */
    static String role(Map<String, Object> r) {
        if (r.get("role") instanceof String s) {
            return s;
        }
        String v = (String) r.get("variant");
        if (v.contains("conf") || v.contains("=") || v.contains("serializer") || v.startsWith("paired")) {
            return LEVER;
        }
        return isWorkLever(v) && !"cluster-1".equals(r.get("env")) ? FIT : HELD_OUT;
    }

    /**
     * The model's step for a measured row on this host: P tasks on the environment's task slots (2 in
     * local[2] and cluster-2, 1 in cluster-1) run in ⌈P / slots⌉ waves, each task's compute once per
     * wave, and so do a shuffle level's reducers.
     */
    static Map<String, Double> predict(Constants c, Map<String, Object> row) {
        int p = (int) num(row.get("partitions"));
        int slots = slots(row);
        int waves = (int) Math.ceil((double) p / slots);
        return step(c, (long) num(row.get("params")), p, (int) num(row.get("depth")), examples(row) * waves, 0, slots);
    }

    /** Task slots of a measured row's environment: 2 in local[2] and cluster-2, 1 in cluster-1. */
    static int slots(Map<String, Object> row) {
        return "cluster-1".equals(row.get("env")) ? 1 : 2;
    }

    /**
     * Bytes of partial sums a row's shuffle levels take in on the critical path, as {@link #predict}
     * charges them (a level's fan-in once per wave of its reducers; 0 when the tree has none).
     */
    static double shuffledBytes(Map<String, Object> row) {
        List<Level> ls = levels((int) num(row.get("partitions")), (int) num(row.get("depth")));
        double units = 0;
        for (Level l : ls.subList(0, ls.size() - 1)) {
            units += Math.ceil((double) l.reducers() / slots(row)) * l.fanIn();
        }
        return 4 * num(row.get("params")) * units;
    }

    /** The variants that change only the work per task: they fit the compute line. */
    static boolean isWorkLever(String variant) {
        return variant.equals("base") || variant.matches("steps_per_round \\d+|\\d+ rows per task");
    }

    static double examples(Map<String, Object> r) {
        return num(r.get("rows_per_task")) * num(r.get("steps_per_round"));
    }

    private static double[] fit(List<Map<String, Object>> rows, String part) {
        return slope(rows.stream().map(r -> new double[] {4 * num(r.get("params")), mean(r, part)}).toList());
    }

    /** Least squares y = a + b·x: {a, b}. */
    static double[] slope(List<double[]> xy) {
        int n = xy.size();
        if (n < 2) {
            return new double[] {n == 1 ? xy.get(0)[1] : 0, 0};
        }
        double mx = xy.stream().mapToDouble(p -> p[0]).average().orElseThrow();
        double my = xy.stream().mapToDouble(p -> p[1]).average().orElseThrow();
        double sxy = 0;
        double sxx = 0;
        for (double[] p : xy) {
            sxy += (p[0] - mx) * (p[1] - my);
            sxx += (p[0] - mx) * (p[0] - mx);
        }
        double b = sxx == 0 ? 0 : sxy / sxx;
        return new double[] {my - b * mx, b};
    }

    private static double mean(Map<String, Object> r, String part) {
        return num(((Map<?, ?>) r.get("mean_ms")).get(part));
    }

    private static double num(Object o) {
        return ((Number) o).doubleValue();
    }

    // ---- report ----

    /** Prints predicted vs measured for every comparable measured row, then the 1 → 1000 simulation. */
    Map<String, Object> report(PrintStream out) {
        return report(out, 10);
    }

    Map<String, Object> report(PrintStream out, double gbps) {
        Map<String, Object> r = new LinkedHashMap<>();
        List<Map<String, Object>> consts = new ArrayList<>();
        constants.values().forEach(c -> consts.add(Map.ofEntries(Map.entry("env", c.env()), Map.entry("j0_ms", c.j0()),
                Map.entry("tau_ms_per_task", c.tau()), Map.entry("broadcast_ms", List.of(c.b0(), c.b1() * 1e6)),
                Map.entry("update_ms", List.of(c.u0(), c.u1() * 1e6)), Map.entry("serialize_ms", List.of(c.s0(), c.s1() * 1e6)),
                Map.entry("fetch_ms", List.of(c.f0(), c.f1() * 1e6)), Map.entry("aggregate_a0_ms", c.a0()),
                Map.entry("rho_ms_per_MB", c.rho() * 1e6), Map.entry("sigma_ms_per_MB", c.sigma() * 1e6),
                Map.entry("compute_ms_k0_k1_by_params", c.compute()),
                Map.entry("note", "pairs are [ms, ms per MB]"))));
        r.put("constants", consts);
        out.println();
        out.println("== Scaling model: predicted vs measured step wall (ms) ==");
        out.println("env        variant                                model  P  d  predicted  measured   error  role     visit spread");
        List<Map<String, Object>> checks = new ArrayList<>();
        for (Map<String, Object> row : steps) {
            String env = (String) row.get("env");
            String variant = (String) row.get("variant");
            String role = role(row);
            Constants c = constants.get(env.equals("cluster-1") ? "cluster-2" : env);
            if (c == null || !(role.equals(FIT) || role.equals(HELD_OUT))) {
                continue;
            }
            int p = (int) num(row.get("partitions"));
            Map<String, Double> t = predict(c, row);
            double measured = num(row.get("wall_ms_mean"));
            double err = (t.get("total") - measured) / measured;
            Double spread = row.get("visit_spread") instanceof Number n ? n.doubleValue() : null;
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("env", env);
            check.put("variant", variant);
            check.put("model", row.get("model"));
            check.put("partitions", p);
            check.put("depth", row.get("depth"));
            check.put("role", role);
            check.put("predicted_ms", t.get("total"));
            check.put("measured_ms", measured);
            check.put("relative_error", err);
            check.put("measured_visit_spread", spread);
            checks.add(check);
            out.printf(Locale.ROOT, "%-10s %-38s %-5s %2d %2d  %9.1f  %8.1f  %+5.0f%%  %-8s %s%n", env, variant, row.get("model"), p,
                    (int) num(row.get("depth")), t.get("total"), measured, 100 * err, role,
                    spread == null ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * spread));
        }
        for (String role : List.of(FIT, HELD_OUT)) {
            double[] errs = checks.stream().filter(k -> role.equals(k.get("role")))
                    .mapToDouble(k -> (Double) k.get("relative_error")).toArray();
            if (errs.length == 0) {
                continue;
            }
            Map<String, Object> sum = new LinkedHashMap<>();
            sum.put("rows", errs.length);
            sum.put("min_error", java.util.Arrays.stream(errs).min().orElseThrow());
            sum.put("max_error", java.util.Arrays.stream(errs).max().orElseThrow());
            sum.put("median_abs_error", StepSplit.median(java.util.Arrays.stream(errs).map(Math::abs).toArray()));
            r.put(role + "_errors", sum);
            out.printf(Locale.ROOT, "%-8s rows: %d, error %+.0f%% .. %+.0f%%, median |error| %.0f%%%n", role, errs.length,
                    100 * (Double) sum.get("min_error"), 100 * (Double) sum.get("max_error"),
                    100 * (Double) sum.get("median_abs_error"));
        }
        r.put("predicted_vs_measured", checks);

        Constants c = constants.containsKey("cluster-2") ? constants.get("cluster-2") : constants.get("local[2]");
        if (c == null) {
            return r;
        }
        double wire = 8.0 / gbps / 1e6;   // ms per byte
        r.put("simulated_with", Map.of("constants", c.env(), "network_gbps", gbps, "rows_per_task", 64));
        List<Map<String, Object>> sim = new ArrayList<>();
        int[] ps = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000};
        for (long params : c.compute().keySet()) {
            out.println();
            out.printf(Locale.ROOT, "== Simulated step (ms) and compute share, %.2fM params, 64 rows per task (weak scaling),"
                    + " %s constants, %.0f Gb/s network ==%n", params / 1e6, c.env(), gbps);
            out.println("    P   depth 2         depth 3         depth 4         sharded reduce");
            for (int p : ps) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%5d", p));
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("params", params);
                point.put("executors", p);
                for (int d = 2; d <= 4; d++) {
                    Map<String, Double> t = step(c, params, p, d, 64, p == 1 ? 0 : wire);
                    line.append(String.format(Locale.ROOT, "   %7.1f %4.0f%%", t.get("total"), 100 * t.get("compute") / t.get("total")));
                    point.put("depth" + d, t);
                    point.put("depth" + d + "_strong_65536", step(c, params, p, d, 65536.0 / p, p == 1 ? 0 : wire));
                }
                Map<String, Double> sh = shardedStep(c, params, p, 64, p == 1 ? 0 : wire);
                line.append(String.format(Locale.ROOT, "   %7.1f %4.0f%%", sh.get("total"), 100 * sh.get("compute") / sh.get("total")));
                point.put("sharded", sh);
                point.put("sharded_strong_65536", shardedStep(c, params, p, 65536.0 / p, p == 1 ? 0 : wire));
                out.println(line);
                sim.add(point);
            }
        }
        r.put("simulation", sim);
        return r;
    }

    /** Re-runs the model on a saved benchmark JSON: {@code ScalingModel BENCH.json [--network-gbps G]}. */
    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ScalingModel BENCH.json [--network-gbps G]");
            System.exit(2);
        }
        double gbps = args.length >= 3 && args[1].equals("--network-gbps") ? Double.parseDouble(args[2]) : 10;
        Map<String, Object> bench = new ObjectMapper().readValue(Files.readString(Path.of(args[0])), Map.class);
        fromMeasurements((List<Map<String, Object>>) bench.get("steps"), (List<Map<String, Object>>) bench.get("job_cost"))
                .report(System.out, gbps);
    }
}
