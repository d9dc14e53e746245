package io.mediapipeline.media;

import java.util.Locale;
import java.util.Map;

/**
 * Images that no decoder here can read although nothing is wrong with them, told by the image's own tags, never by
 * a decoder's message. Only for these may a sound structure stand in for a decode. Both decoders were tried on
 * hand-made TIFFs: ffmpeg 5.1 (with -err_detect explode) refuses nearly every TIFF over ResolutionUnit, so the JDK's
 * reader is the one that matters, and it reads 16/32/64-bit float and 32-bit integer samples, uncompressed or LZW
 * or Deflate, but not the floating-point predictor under compression nor the codings below, which ffmpeg does not
 * know either ("Unknown compression method"). SampleFormat and BitsPerSample alone are therefore no gap.
 */
final class DecoderGap {

    /** TIFF Compression values neither ffmpeg 5.1 nor the JDK implements, with a name a person knows. */
    private static final Map<Integer, String> CODINGS = Map.of(
            34712, "JPEG 2000",
            34887, "LERC",
            50000, "Zstandard",
            50001, "WebP",
            50002, "JPEG XL");

    /** The floating-point predictor (3), which GDAL and Photoshop use for HDR and elevation data. */
    private static final int FLOAT_PREDICTOR = 3;

    private DecoderGap() {
    }

    /**
     * What no decoder here implements in this image, or null when a refusal by both decoders means damage.
     *
     * @param tags exiftool's tags of the file (TIFFs are always read by exiftool)
     */
    static String of(String format, Map<String, Object> tags) {
        if (!format.toLowerCase(Locale.ROOT).equals("tiff")) {
            return null;
        }
        Double compression = Tags.number(tags, "IFD0:Compression");
        String coding = compression == null ? null : CODINGS.get(compression.intValue());
        if (coding != null) {
            return coding + " compression (TIFF Compression " + compression.intValue() + ")";
        }
        Double predictor = Tags.number(tags, "IFD0:Predictor");
        if (predictor != null && predictor.intValue() == FLOAT_PREDICTOR) {
            return "floating-point predictor (TIFF Predictor 3)";
        }
        return null;
    }
}
