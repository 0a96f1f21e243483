package io.treegrad.driver.config;

import java.util.Collection;
import java.util.Locale;

/** The valid word nearest to a misspelt one, by edit distance, for "did you mean ...?". */
final class Suggest {
    private Suggest() {}

    /**
     * The candidate closest to {@code word}, or null when none is close. Case, '_' and '-' are
     * ignored ({@code batchSize} and {@code batch-size} both find {@code batch_size}); "close" is at
     * most one edit per three letters of the candidate, at least one and at most three.
     */
    static String nearest(String word, Collection<String> candidates) {
        String w = normal(word);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(w, normal(c));
            int allowed = Math.max(1, Math.min(3, c.length() / 3));
            if (d <= allowed && d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    /** "; did you mean x?" or "; expected one of a, b, c". */
    static String hint(String word, Collection<String> candidates) {
        String near = nearest(word, candidates);
        return near != null ? "; did you mean " + near + "?" : "; expected one of " + String.join(", ", candidates);
    }

    /**
     * Edits (insert, delete, substitute, or swap two adjacent letters) that turn {@code a} into
     * {@code b}: Levenshtein distance with transpositions (optimal string alignment), so that
     * {@code cvs} is one edit from {@code csv}.
     */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    private static String normal(String s) {
        return s.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    }
}
