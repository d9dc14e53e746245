package io.mediapipeline.media;

import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The JDK's ImageIO as a second opinion on an image ffmpeg refused: a file is corrupt only when both readers say
 * so. Every pixel is decoded, a band of rows at a time so a large scan cannot exhaust the heap, and any warning
 * counts as damage (ImageIO's JPEG reader only warns, "Truncated File - Missing EOI marker", on a cut-off file).
 */
final class SecondReader {

    /** Formats the JDK reads itself; others have no second reader and ffmpeg's verdict stands. */
    private static final Set<String> FORMATS = Set.of("tiff", "png", "jpeg", "bmp", "gif");

    /** Pixels decoded at once: about 16 MB of ARGB; a wider row has no second reader. */
    private static final long BAND_PIXELS = 4_000_000L;

    /** Beyond this (a gigapixel) a header more likely lies than a scan is that big: no second reader. */
    private static final long MAX_PIXELS = 1_000_000_000L;

    private SecondReader() {
    }

    /**
     * Null when ImageIO reads the whole image without an error or a warning; otherwise why it, too, refuses it.
     *
     * @param size width and height from the metadata, or null when unknown
     */
    static String problem(Path file, String format, int[] size) {
        if (!FORMATS.contains(format.toLowerCase(Locale.ROOT))) {
            return "no second reader for " + format;
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                return "ImageIO cannot open it";
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return "ImageIO does not recognise it";
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                String[] warning = new String[1];
                reader.addIIOReadWarningListener((source, message) -> {
                    if (warning[0] == null) {
                        warning[0] = message;
                    }
                });
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (size != null && (size[0] != width || size[1] != height)) {
                    return "ImageIO sees " + width + "x" + height + ", the metadata says " + size[0] + "x" + size[1];
                }
                if (width <= 0 || height <= 0 || width > BAND_PIXELS || (long) width * height > MAX_PIXELS) {
                    return "too large for a second reader (" + width + "x" + height + ")";
                }
                int rows = (int) Math.max(1, Math.min(height, BAND_PIXELS / Math.max(1, width)));
                for (int y = 0; y < height && warning[0] == null; y += rows) {
                    ImageReadParam param = reader.getDefaultReadParam();
                    param.setSourceRegion(new Rectangle(0, y, width, Math.min(rows, height - y)));
                    reader.read(0, param);
                }
                return warning[0] == null ? null : "ImageIO: " + warning[0];
            } finally {
                reader.dispose();
            }
        } catch (IIOException e) {
            return "ImageIO: " + e.getMessage();
        } catch (IOException | RuntimeException e) {
            // the JDK's decoders throw unchecked exceptions on some damaged data (e.g. an index out of bounds);
            // the reason is for a person, so it names no Java class
            return e.getMessage() == null || e.getMessage().isBlank() ? "ImageIO cannot decode it"
                    : "ImageIO: " + e.getMessage();
        }
    }
}
