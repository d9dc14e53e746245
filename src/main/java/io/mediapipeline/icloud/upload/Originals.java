package io.mediapipeline.icloud.upload;

import io.mediapipeline.icloud.removal.Removal;
import io.mediapipeline.icloud.removal.RemovalConfig;
import java.nio.file.Path;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * What reaches the originals of downloaded files in iCloud for cleanup and the scrub: the removal's settings and
 * rules over the upload's own sessions ({@code parts} gives them once the stage wired them; null while the upload
 * is off), so an account that is blocked is not asked and the upload's lock and budget are shared.
 */
public record Originals(RemovalConfig config, DataSource dataSource, Path home, Supplier<UploadParts> parts) {

    /** A removal with {@code settings} over the upload's sessions, or null while no session can be open. */
    Removal removal(RemovalConfig settings) {
        UploadParts p = parts.get();
        return p == null ? null : new Removal(settings, dataSource, home, p::usable);
    }
}
