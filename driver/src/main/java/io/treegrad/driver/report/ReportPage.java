package io.treegrad.driver.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's {@code index.html}: one self-contained page whose images are files beside it
 * (relative {@code src}), with every piece of text that comes from the run's files HTML-escaped.
 * A small inline script marks each image once the page has loaded ({@code data-loaded="yes"} when it
 * decoded with a width), and the body with {@code data-images-loaded="k/n"}, so a headless browser
 * can prove every plot was found and decoded.
 */
final class ReportPage {
    /** The model graph section: the DOT file name, the SVG file name when rendered, and a note. */
    record Graph(String dotFile, String svgFile, String note) {}

    /** The facts of the page; null parts are said to be missing. */
    record Content(String name, String runDir, Map<String, Object> summary, Map<String, Object> lastMetrics,
                   int metricLines, List<Plots.Plot> plots, Graph graph, String config, String configSource,
                   Map<String, Object> provenance, List<String> notes, String generated, String version) {}

    private ReportPage() {}

    static String html(Content c) {
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>treegrad run report: ").append(esc(c.name())).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<header>\n<h1>").append(esc(c.name())).append("</h1>\n<p class=\"sub\">treegrad run report &middot; ")
                .append(esc(c.runDir())).append("</p>\n");
        headline(h, c);
        h.append("</header>\n<main>\n");
        if (!c.notes().isEmpty()) {
            h.append("<section class=\"notes\">\n<ul>\n");
            for (String n : c.notes()) {
                h.append("<li>").append(esc(n)).append("</li>\n");
            }
            h.append("</ul>\n</section>\n");
        }

        h.append("<section>\n<h2>Training</h2>\n<div class=\"plots\">\n");
        for (Plots.Plot p : c.plots()) {
            h.append("<figure><img src=\"").append(esc(p.file())).append("\" width=\"").append(Plots.WIDTH)
                    .append("\" height=\"").append(Plots.HEIGHT).append("\" alt=\"").append(esc(p.caption()))
                    .append("\"><figcaption>").append(esc(p.caption())).append("</figcaption></figure>\n");
        }
        h.append("</div>\n</section>\n");

        h.append("<section>\n<h2>Final summary</h2>\n");
        if (c.summary() == null) {
            h.append("<p class=\"missing\">No summary.json: the run has not finished (or failed).</p>\n");
        } else {
            table(h, c.summary());
        }
        h.append("<h3>Last metrics line</h3>\n");
        table(h, c.lastMetrics());
        h.append("</section>\n");

        h.append("<section>\n<h2>Model graph</h2>\n");
        Graph g = c.graph();
        if (g == null) {
            h.append("<p class=\"missing\">No model (model/model.safetensors) in the run directory: no graph.</p>\n");
        } else {
            h.append("<p>The forward pass of the model on a batch of ").append(ModelGraph.BATCH)
                    .append(" rows as the engine records it: parameters (blue) under their names in the model, ops"
                            + " (grey) with their output shapes. Source: <a href=\"")
                    .append(esc(g.dotFile())).append("\">").append(esc(g.dotFile())).append("</a> (graphviz DOT).</p>\n");
            if (g.svgFile() != null) {
                h.append("<figure class=\"graph\"><img src=\"").append(esc(g.svgFile()))
                        .append("\" alt=\"the model's computation graph\"></figure>\n");
            } else {
                h.append("<p class=\"missing\">Not rendered: ").append(esc(g.note())).append(". Render it with <code>dot"
                        + " -Tsvg ").append(esc(g.dotFile())).append(" -o model.svg</code>.</p>\n");
            }
        }
        h.append("</section>\n");

        h.append("<section>\n<h2>Resolved config</h2>\n");
        if (c.config() == null) {
            h.append("<p class=\"missing\">No config.yaml in the run directory.</p>\n");
        } else {
            h.append("<p class=\"src\">").append(esc(c.configSource())).append("</p>\n<pre>").append(esc(c.config()))
                    .append("</pre>\n");
        }
        h.append("</section>\n");

        h.append("<section>\n<h2>Provenance</h2>\n");
        if (c.provenance() == null) {
            h.append("<p class=\"missing\">No model/provenance.json in the run directory.</p>\n");
        } else {
            table(h, c.provenance());
        }
        h.append("</section>\n</main>\n<footer>Written ").append(esc(c.generated())).append(" by treegrad ")
                .append(esc(c.version())).append(" from ").append(c.metricLines())
                .append(" lines of metrics.jsonl. Plots drawn with XChart.</footer>\n");
        h.append(SCRIPT).append("</body>\n</html>\n");
        return h.toString();
    }

    /** The few numbers one looks for first. */
    private static void headline(StringBuilder h, Content c) {
        Map<String, Object> s = c.summary() != null ? c.summary() : c.lastMetrics();
        Map<String, Object> last = c.lastMetrics();
        h.append("<div class=\"tiles\">\n");
        tile(h, "steps", s.get("steps") != null ? s.get("steps") : last.get("step"));
        tile(h, "epochs", s.get("epochs") != null ? s.get("epochs") : last.get("epoch"));
        for (String k : new String[] {"test_accuracy", "test_rmse", "test_loss"}) {
            Object v = s.get(k) != null ? s.get(k) : last.get(k);
            if (v != null) {
                tile(h, k.replace('_', ' '), v);
            }
        }
        tile(h, "final train loss", last.get("train_loss"));
        tile(h, "samples/s (last)", last.get("samples_per_sec"));
        if (s.get("seconds") instanceof Number seconds) {
            tile(h, "seconds", String.format(Locale.ROOT, "%.1f", seconds.doubleValue()));
        }
        h.append("</div>\n");
    }

    private static void tile(StringBuilder h, String label, Object value) {
        if (value == null) {
            return;
        }
        h.append("<div class=\"tile\"><div class=\"v\">").append(esc(format(value))).append("</div><div class=\"k\">")
                .append(esc(label)).append("</div></div>\n");
    }

    private static void table(StringBuilder h, Map<String, ?> map) {
        h.append("<table>\n");
        for (Map.Entry<String, ?> e : map.entrySet()) {
            h.append("<tr><th>").append(esc(e.getKey())).append("</th><td>").append(esc(format(e.getValue())))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /** Numbers to four significant digits (whole numbers as they are), nested objects as k=v lists. */
    static String format(Object v) {
        if (v instanceof Double d) {
            double a = Math.abs(d);
            return a != 0 && (a >= 1e6 || a < 1e-3) ? String.format(Locale.ROOT, "%.4g", d)
                    : String.format(Locale.ROOT, a >= 100 ? "%.1f" : "%.4f", d);
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder s = new StringBuilder();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                s.append(s.length() == 0 ? "" : ", ").append(e.getKey()).append(" ").append(format(e.getValue()));
            }
            return s.toString();
        }
        return String.valueOf(v);
    }

    /** Text as HTML (element content and quoted attribute values alike). */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }

    private static final String SCRIPT = """
            <script>
            window.addEventListener('load', function () {
              var images = document.images, loaded = 0;
              for (var i = 0; i < images.length; i++) {
                var ok = images[i].complete && images[i].naturalWidth > 0;
                images[i].setAttribute('data-loaded', ok ? 'yes' : 'no');
                if (ok) { loaded++; }
              }
              document.body.setAttribute('data-images-loaded', loaded + '/' + images.length);
            });
            </script>
            """;

    private static final String CSS = """
            :root { --ink: #1d2433; --muted: #5b6577; --line: #e3e6eb; --accent: #0072b2; }
            * { box-sizing: border-box; }
            body { margin: 0; font: 15px/1.5 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
                   background: #f5f6f8; }
            header { background: #1d2433; color: #fff; padding: 24px 40px 20px; }
            header h1 { margin: 0; font-size: 26px; font-weight: 600; }
            header .sub { margin: 2px 0 16px; color: #b9c2d0; font-size: 13px; word-break: break-all; }
            .tiles { display: flex; flex-wrap: wrap; gap: 12px; }
            .tile { background: rgba(255,255,255,0.08); border-radius: 8px; padding: 8px 16px; min-width: 120px; }
            .tile .v { font-size: 20px; font-weight: 600; }
            .tile .k { font-size: 12px; color: #b9c2d0; text-transform: uppercase; letter-spacing: .04em; }
            main { padding: 8px 40px 24px; max-width: 1640px; }
            section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 24px 20px;
                      margin: 20px 0; }
            h2 { font-size: 19px; margin: 14px 0 10px; color: var(--accent); }
            h3 { font-size: 15px; margin: 18px 0 6px; }
            .plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 18px; }
            figure { margin: 0; }
            figure img { width: 100%; max-width: 760px; height: auto; border: 1px solid var(--line); border-radius: 4px; }
            figcaption { font-size: 13px; color: var(--muted); max-width: 760px; }
            figure.graph img { width: auto; max-width: 100%; border: none; }
            table { border-collapse: collapse; font-size: 14px; }
            th, td { text-align: left; padding: 4px 18px 4px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
            th { font-weight: 600; white-space: nowrap; }
            td { font-family: "DejaVu Sans Mono", monospace; word-break: break-all; }
            pre { background: #f7f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px;
                  font: 13px/1.45 "DejaVu Sans Mono", monospace; overflow-x: auto; }
            .src { color: var(--muted); font-size: 13px; margin: 0; }
            .missing { color: #8a5a00; }
            .notes { background: #fff8e6; border-color: #f0d9a0; }
            .notes ul { margin: 12px 0 0; padding-left: 20px; }
            footer { color: var(--muted); font-size: 12px; padding: 0 40px 24px; }
            """;
}
