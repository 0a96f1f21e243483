package io.treegrad.data;

/**
 * Strict number parsing for the text readers. {@link Float#parseFloat} alone is too lenient for
 * data files: it takes {@code "1f"}, {@code "0x1p3"}, {@code "NaN"} and {@code " 2 "}, and turns
 * {@code "1e39"} into infinity; here only plain decimals are numbers and every result is finite.
 */
final class Tokens {
    private Tokens() {}

    private static final int MAX_QUOTED = 40;

    /** A token that is not what the column promises; {@link #detail} completes "field 3 ...". */
    static final class BadToken extends Exception {
        final BadRecordReason reason;
        final String detail;

        BadToken(BadRecordReason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
            this.detail = detail;
        }
    }

    /** {@code "abc"} in quotes, shortened if long, so a message stays one readable line. */
    static String quote(String token) {
        String t = token.length() <= MAX_QUOTED ? token : token.substring(0, MAX_QUOTED) + "...";
        return '"' + t.replace("\"", "\\\"") + '"';
    }

    /** A finite float32 from a plain decimal such as {@code -1.5e-3}, {@code .5} or {@code 7}. */
    static float parseFloat(String token) throws BadToken {
        if (token.isEmpty()) {
            throw new BadToken(BadRecordReason.NOT_A_NUMBER, "is empty; expected a decimal number");
        }
        if (!isDecimal(token)) {
            if (isNanOrInfinity(token)) {
                throw new BadToken(BadRecordReason.NOT_FINITE, "is " + quote(token)
                        + ", not finite; expected a finite number");
            }
            throw new BadToken(BadRecordReason.NOT_A_NUMBER, "is " + quote(token)
                    + ", not a number; expected a decimal number such as 1.5 or -2e-3");
        }
        if (token.length() == 1 && token.charAt(0) == '0') {
            return 0f;
        }
        float v = Float.parseFloat(token);
        if (Float.isInfinite(v)) {
            throw new BadToken(BadRecordReason.NOT_FINITE, "is " + quote(token)
                    + ", outside the float32 range (|x| <= 3.4e38); expected a finite float32 value");
        }
        return v;
    }

    /**
     * A class id: an integer, written as {@code 3}, {@code +3} or {@code 3.0}. The range check
     * is the caller's (it knows the class count).
     */
    static long parseClassId(String token) throws BadToken {
        if (isInteger(token)) {
            if (token.length() > 18) {  // beyond any class count; the caller reports the range
                return token.charAt(0) == '-' ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
            return Long.parseLong(token.charAt(0) == '+' ? token.substring(1) : token);
        }
        float v;
        try {
            v = parseFloat(token);
        } catch (BadToken e) {
            if (e.reason == BadRecordReason.NOT_A_NUMBER && !token.isEmpty()) {
                throw new BadToken(BadRecordReason.NOT_A_NUMBER, "is " + quote(token)
                        + ", not a class id; expected an integer class id (read text labels with LabelSpec.mapped())");
            }
            throw e;
        }
        if (v != Math.rint(v)) {
            throw new BadToken(BadRecordReason.NOT_A_CLASS_ID, "is " + quote(token)
                    + ", not an integer; expected an integer class id");
        }
        return (long) v;  // saturates beyond the long range, which the caller reports as out of range
    }

    /** A LibSVM feature index: digits only, no sign (the caller checks the range). */
    static long parseIndex(String token) {
        if (token.isEmpty() || token.length() > 10) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    static boolean isInteger(String s) {
        int i = 0;
        int n = s.length();
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        if (i == n) {
            return false;
        }
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** {@code [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?} */
    static boolean isDecimal(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int digits = 0;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
            digits++;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int expDigits = 0;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                expDigits++;
            }
            if (expDigits == 0) {
                return false;
            }
        }
        return i == n;
    }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    private static boolean isNanOrInfinity(String s) {
        String t = s.toLowerCase(java.util.Locale.ROOT);
        if (t.startsWith("+") || t.startsWith("-")) {
            t = t.substring(1);
        }
        return t.equals("nan") || t.equals("inf") || t.equals("infinity");
    }
}
