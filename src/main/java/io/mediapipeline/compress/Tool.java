package io.mediapipeline.compress;

/**
 * A tool that makes or finishes an encode. The route has one exec step per tool (so its file and JMX name the
 * tool that really runs); the plan says which one through the exchange variables encoder and secondPass.
 */
enum Tool {
    FFMPEG("ffmpeg"),
    HEIF_CONVERT("heif-convert"),
    DJPEG("djpeg"),
    CJPEG("cjpeg"),
    JPEGTRAN("jpegtran");

    private final String step;

    Tool(String step) {
        this.step = step;
    }

    /** The value the route's choice compares with. */
    String step() {
        return step;
    }
}
