package io.mediapipeline.similar;

import java.util.Arrays;
import java.util.List;

/**
 * pHash: the 2-D DCT of a 32x32 grey image, its 8x8 lowest frequencies without the DC term (the mean brightness), one
 * bit per one of those 63 coefficients above their median; bit 0, where the DC term would be, is always 0. Low
 * frequencies are what survives resizing and re-encoding; leaving the DC term out and comparing with the median makes
 * the bits independent of brightness and contrast. A flat picture (a black frame, a grey card) has no structure to
 * hash: its bits would come from noise, so every such picture would look like every other; it gets no hash. Chosen
 * over dHash after measuring both on the test cases (resized, re-encoded, other picture): dHash works on neighbouring
 * pixel differences, which JPEG blocking and rescaling disturb more.
 */
public final class PerceptualHash {

    /** Side of the grey image the hash is made from. */
    public static final int SIDE = 32;
    private static final int LOW = 8;
    /**
     * Below this (the root mean square, in grey levels of 0..255, of the picture the 63 hashed frequencies make up) a
     * picture is flat. A black frame with compression noise is well under 0.5, a dark but real photo is several levels.
     */
    static final double MIN_STRUCTURE = 1.5;
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

    /**
     * @param grey SIDE*SIDE grey values (0..255), row by row
     * @return the hash, or null for a flat picture
     */
    public static Long of(double[] grey) {
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
        // the DC term (index 0) is the mean brightness: left out of the median, the bits and the structure measure
        double[] ac = Arrays.copyOfRange(low, 1, low.length);
        if (structure(ac) < MIN_STRUCTURE) {
            return null;
        }
        double[] sorted = ac.clone();
        Arrays.sort(sorted);
        double median = sorted[ac.length / 2];
        long hash = 0;
        for (int i = 1; i < low.length; i++) {
            if (low[i] > median) {
                hash |= 1L << i;
            }
        }
        return hash;
    }

    /**
     * Root mean square over the SIDE*SIDE picture of what the given AC coefficients contribute, in grey levels: by
     * Parseval, the sum of their squares in the orthonormal DCT (each unnormalised u,v>0 term times 2/SIDE, a term with
     * u or v 0 times sqrt(2)/SIDE) over SIDE*SIDE.
     */
    private static double structure(double[] ac) {
        double sum = 0;
        for (int i = 0; i < ac.length; i++) {
            int k = i + 1;
            double scale = (k % LOW == 0 || k < LOW ? Math.sqrt(2) : 2) / SIDE;
            sum += Math.pow(ac[i] * scale, 2);
        }
        return Math.sqrt(sum / (SIDE * SIDE));
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
    public static double[] mean(List<double[]> images) {
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
