package io.mediapipeline.ingest;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The two local sources: the folder (pipeline.source.folder.*) and the inbox (pipeline.source.inbox.*). */
public record SourcesConfig(boolean folderEnabled, Path folder, boolean recursive, SourceFilter.Links links,
                            int maxDepth, int folderPollSeconds, int inboxPollSeconds) {

    public static SourcesConfig from(Settings s) {
        boolean enabled = s.bool("pipeline.source.folder.enabled");
        boolean recursive = s.bool("pipeline.source.folder.recursive");
        int folderPoll = s.positive("pipeline.source.folder.poll-seconds");
        int inboxPoll = s.positive("pipeline.source.inbox.poll-seconds");
        SourceFilter.Links links = SourceFilter.Links.valueOf(
                s.oneOf("pipeline.source.folder.links", "skip", "inside").toUpperCase(Locale.ROOT));
        int maxDepth = s.positive("pipeline.source.folder.max-depth");
        Path folder = s.path("pipeline.source.folder.path");
        if (enabled) {
            if (!Files.isDirectory(folder)) {
                throw new ConfigException("pipeline.source.folder.path: " + folder + " is not a directory");
            }
            if (s.get("pipeline.source.folder.patterns").isBlank()) {
                throw new ConfigException("pipeline.source.folder.patterns: must list at least one pattern");
            }
        }
        return new SourcesConfig(enabled, folder, recursive, links, maxDepth, folderPoll, inboxPoll);
    }
}
