package io.mediapipeline.compress;

import java.nio.file.Path;
import java.util.List;

/**
 * One planned encode: the tools and arguments the route runs, and what the gate needs to judge the output.
 *
 * @param out               the scratch file the encode writes (a real name only after the gate)
 * @param second            a two-tool JPEG encoder's second tool (cjpeg or jpegtran), null otherwise
 * @param intermediate      the first tool's output that the second tool reads, null for a one-tool encode
 * @param intermediateBytes free space the intermediate file needs besides the output
 * @param crf               the video's CRF on the ladder (null for photos), at index {@code rung}
 */
record Encode(EncodeMode mode, String codec, Integer tier, double minSsim, Path out, String outExt,
              Tool tool, List<String> args, Tool second, List<String> secondArgs, Path intermediate,
              long intermediateBytes, Integer crf, int rung) {
}
