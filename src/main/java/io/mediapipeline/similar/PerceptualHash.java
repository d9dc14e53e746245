package io.mediapipeline.similar;

/**
 * pHash: the 2-D DCT of a 32x32 grey image, its 8x8 lowest frequencies, one bit per coefficient above their median.
 * Low frequencies are what survives resizing and re-encoding; comparing with the median makes the bits independent
 * of brightness and contrast. Chosen over dHash after measuring both on the test cases (resized, re-encoded, other
 * picture): dHash works on neighbouring pixel differences, which JPEG blocking and rescaling disturb more.
 */
public final class PerceptualHash {

    /** Side of the grey image the hash is made from. */
    public static final int SIDE = 32;
    private static final int LOW = 8;
    private static final double[][] COS = new double[LOW][SIDE];

    static {
        for (int u = 0; u < LOW; u++) {
            for (int x = 0; x < SIDE; x++) {
                COS[u][x] = Math.cos((2 * x + 1) * u * Math.PI / (2 * SIDE));
            }
        }
    }

    private PerceptualHash() {
    }

    /** @param grey SIDE*SIDE grey values, row by row */
    public static long of(double[] grey) {
        if (grey.length != SIDE * SIDE) {
            throw new IllegalArgumentException("need " + SIDE * SIDE + " grey values, got " + grey.length);
        }
        // separable DCT-II, only the 8 lowest frequencies in each direction are ever needed
        double[] rows = new double[SIDE * LOW];
        for (int y = 0; y < SIDE; y++) {
            for (int u = 0; u < LOW; u++) {
                double s = 0;
                for (int x = 0; x < SIDE; x++) {
                    s += grey[y * SIDE + x] * COS[u][x];
                }
                rows[y * LOW + u] = s;
            }
        }
        double[] low = new double[LOW * LOW];
        for (int v = 0; v < LOW; v++) {
            for (int u = 0; u < LOW; u++) {
                double s = 0;
                for (int y = 0; y < SIDE; y++) {
                    s += rows[y * LOW + u] * COS[v][y];
                }
                low[v * LOW + u] = s;
            }
        }
        double[] sorted = low.clone();
        java.util.Arrays.sort(sorted);
        double median = (sorted[31] + sorted[32]) / 2;
        long hash = 0;
        for (int i = 0; i < low.length; i++) {
            if (low[i] > median) {
                hash |= 1L << i;
            }
        }
        return hash;
    }

    public static int distance(long a, long b) {
        return Long.bitCount(a ^ b);
    }

    /** The grey image turned clockwise by 90, 180 or 270 degrees (how a viewer shows a photo with that rotation). */
    public static double[] rotate(double[] grey, int clockwise) {
        int turns = Math.floorMod(clockwise / 90, 4);
        double[] out = grey;
        for (int t = 0; t < turns; t++) {
            double[] next = new double[out.length];
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    // (x, y) moves to (SIDE-1-y, x) in a clockwise quarter turn
                    next[x * SIDE + (SIDE - 1 - y)] = out[y * SIDE + x];
                }
            }
            out = next;
        }
        return out;
    }

    /** The mean of several grey images of the same size (a video's frames). */
    public static double[] mean(java.util.List<double[]> images) {
        double[] sum = new double[SIDE * SIDE];
        for (double[] img : images) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += img[i];
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= images.size();
        }
        return sum;
    }
}
