package io.mediapipeline.similar;

import io.mediapipeline.media.Extensions;
import io.mediapipeline.media.MediaInfo;
import io.mediapipeline.media.MediaKind;
import io.mediapipeline.proc.PrivateDir;
import io.mediapipeline.proc.ToolRun;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * A photo or video as the 32x32 grey image its perceptual hash is made from, upright as a viewer shows it.
 * JPEG, PNG, GIF, BMP and TIFF are decoded in-process (ImageIO, reading only every n-th pixel of a big picture);
 * what ImageIO cannot read goes through ffmpeg (scaled and made grey there, raw bytes on stdout); HEIC through
 * heif-convert into a private temp folder first (ffmpeg 5.1 cannot decode it); a video is the mean of three frames,
 * at 10, 50 and 90 % of its duration. Camera RAW gives none. Stateless apart from its settings: thread-safe.
 */
final class GreyImages {

    private static final int SIDE = PerceptualHash.SIDE;
    // read enough pixels that every one of the 32x32 cells averages several of them
    private static final int MIN_DECODED_SIDE = 128;
    private static final double[] FRAME_AT = {0.1, 0.5, 0.9};

    private final String ffmpeg;
    private final String heifConvert;
    private final Path tempDir;
    private final Duration timeout;

    GreyImages(String ffmpeg, String heifConvert, Path tempDir, Duration timeout) {
        this.ffmpeg = ffmpeg;
        this.heifConvert = heifConvert;
        this.tempDir = tempDir;
        this.timeout = timeout;
    }

    /** The grey image, or null when nothing here decodes this file. */
    double[] of(Path file, MediaInfo info) throws IOException {
        String format = info.format() == null ? "" : info.format().toLowerCase(Locale.ROOT);
        if (info.kind() == MediaKind.VIDEO) {
            return video(file, info.durationSeconds());
        }
        if (Extensions.isCameraRaw(format)) {
            return null; // its embedded preview would need one exiftool run per file: not worth it here
        }
        int rotation = info.rotation() == null ? 0 : info.rotation();
        if (format.equals("heic") || format.equals("heif") || format.equals("avif")) {
            return heif(file); // libheif turns the picture upright itself (irot/imir)
        }
        double[] grey = imageIo(file);
        if (grey == null) {
            grey = ffmpegFrame(file, null);
        }
        return grey == null ? null : PerceptualHash.rotate(grey, rotation);
    }

    /** ImageIO's decode, reading every n-th row and column of a big picture; null when it cannot. */
    static double[] imageIo(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int step = Math.max(1, Math.min(reader.getWidth(0), reader.getHeight(0)) / MIN_DECODED_SIDE);
                ImageReadParam param = reader.getDefaultReadParam();
                param.setSourceSubsampling(step, step, 0, 0);
                return cells(reader.read(0, param));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null; // CMYK JPEG, an unusual TIFF...: ffmpeg tries next
        }
    }

    /**
     * Mean luma of each of the 32x32 cells the picture is cut into. Reads the raster's samples directly for RGB and
     * grey pictures (BufferedImage.getRGB converts pixel by pixel and took most of the time); palette pictures go
     * through getRGB.
     */
    static double[] cells(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        if (w < SIDE || h < SIDE) {
            return null; // smaller than the grid: ffmpeg scales it up instead of leaving cells empty
        }
        int[] column = new int[w];
        for (int x = 0; x < w; x++) {
            column[x] = (int) ((long) x * SIDE / w);
        }
        ColorModel cm = img.getColorModel();
        int space = cm.getColorSpace().getType();
        boolean samples = !(cm instanceof IndexColorModel) && (space == ColorSpace.TYPE_RGB || space == ColorSpace.TYPE_GRAY);
        Raster raster = img.getRaster();
        int bands = raster.getNumBands();
        // luma in thousandths (0.299 R + 0.587 G + 0.114 B), summed in integers: this loop sees every decoded pixel
        long[] sum = new long[SIDE * SIDE];
        int[] count = new int[SIDE * SIDE];
        if (samples && bands >= 3 && interleavedBytes(raster)) {
            bytes(raster, column, sum, count);
            return grey(sum, count);
        }
        int[] row = new int[w * (samples ? bands : 1)];
        for (int y = 0; y < h; y++) {
            int base = (int) ((long) y * SIDE / h) * SIDE;
            if (samples) {
                raster.getPixels(0, y, w, 1, row);
            } else {
                img.getRGB(0, y, w, 1, row, 0, w);
            }
            for (int x = 0; x < w; x++) {
                int luma;
                if (!samples) {
                    int rgb = row[x];
                    luma = 299 * ((rgb >> 16) & 0xff) + 587 * ((rgb >> 8) & 0xff) + 114 * (rgb & 0xff);
                } else if (bands >= 3) {
                    int i = x * bands;
                    luma = 299 * row[i] + 587 * row[i + 1] + 114 * row[i + 2];
                } else {
                    luma = 1000 * row[x * bands];
                }
                sum[base + column[x]] += luma;
                count[base + column[x]]++;
            }
        }
        return grey(sum, count);
    }

    private static double[] grey(long[] sum, int[] count) {
        double[] grey = new double[SIDE * SIDE];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = sum[i] / (1000.0 * count[i]);
        }
        return grey;
    }

    /** One byte per sample, pixels interleaved (what ImageIO's JPEG reader gives): read straight from its array. */
    private static boolean interleavedBytes(Raster raster) {
        return raster.getDataBuffer() instanceof DataBufferByte buffer && buffer.getNumBanks() == 1
                && raster.getSampleModel() instanceof PixelInterleavedSampleModel;
    }

    /**
     * The same sums as the getPixels loop of {@link #cells}, without copying each row into an int array first (that
     * copy, sample by sample, was most of the hash's time on small JPEGs): the same samples, so the same hash.
     */
    private static void bytes(Raster raster, int[] column, long[] sum, int[] count) {
        PixelInterleavedSampleModel model = (PixelInterleavedSampleModel) raster.getSampleModel();
        byte[] data = ((DataBufferByte) raster.getDataBuffer()).getData();
        int w = raster.getWidth();
        int h = raster.getHeight();
        int stride = model.getScanlineStride();
        int step = model.getPixelStride();
        int[] offsets = model.getBandOffsets();
        int origin = raster.getDataBuffer().getOffset()
                + (raster.getMinY() - raster.getSampleModelTranslateY()) * stride
                + (raster.getMinX() - raster.getSampleModelTranslateX()) * step;
        int r = offsets[0];
        int g = offsets[1];
        int b = offsets[2];
        for (int y = 0; y < h; y++) {
            int base = (int) ((long) y * SIDE / h) * SIDE;
            int i = origin + y * stride;
            for (int x = 0; x < w; x++, i += step) {
                int luma = 299 * (data[i + r] & 0xff) + 587 * (data[i + g] & 0xff) + 114 * (data[i + b] & 0xff);
                sum[base + column[x]] += luma;
                count[base + column[x]]++;
            }
        }
    }

    private double[] video(Path file, Double duration) throws IOException {
        List<double[]> frames = new ArrayList<>();
        for (double at : FRAME_AT) {
            double[] frame = ffmpegFrame(file, duration == null || duration <= 0 ? null : duration * at);
            if (frame != null) {
                frames.add(frame);
            }
        }
        // ffmpeg applies the rotation of the display matrix to the frames itself
        return frames.isEmpty() ? null : PerceptualHash.mean(frames);
    }

    /** One frame (at a time in seconds, or the first) scaled to 32x32 grey by ffmpeg; null when it cannot decode it. */
    private double[] ffmpegFrame(Path file, Double atSeconds) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error"));
        if (atSeconds != null) {
            cmd.addAll(List.of("-ss", String.format(Locale.ROOT, "%.3f", atSeconds)));
        }
        cmd.addAll(List.of("-i", file.toString(), "-frames:v", "1", "-vf",
                "scale=" + SIDE + ":" + SIDE + ":flags=area,format=gray", "-f", "rawvideo", "-"));
        ToolRun.Result r = ToolRun.of(cmd).limits(SIDE * SIDE * 4, 16 << 10).run(timeout);
        byte[] raw = r.stdoutBytes();
        if (r.exitCode() != 0 || raw.length < SIDE * SIDE) {
            return null;
        }
        double[] grey = new double[SIDE * SIDE];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = raw[i] & 0xff;
        }
        return grey;
    }

    /** heif-convert into a dot-named temp file of the private temp folder, read back, removed. */
    private double[] heif(Path file) throws IOException {
        PrivateDir.create(tempDir);
        String temp = "." + UUID.randomUUID();
        Path jpeg = tempDir.resolve(temp + ".jpg");
        try {
            ToolRun.Result r = ToolRun.run(List.of(heifConvert, "-q", "50", file.toString(), jpeg.toString()), timeout);
            if (r.exitCode() != 0 || !Files.isRegularFile(jpeg)) {
                return null;
            }
            double[] grey = imageIo(jpeg);
            return grey != null ? grey : ffmpegFrame(jpeg, null);
        } finally {
            // heif-convert may also write auxiliary images (depth, alpha) under names that start the same
            try (var left = Files.newDirectoryStream(tempDir, temp + "*")) {
                for (Path p : left) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
