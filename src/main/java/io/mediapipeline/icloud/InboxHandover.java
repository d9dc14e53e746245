package io.mediapipeline.icloud;

import io.mediapipeline.flow.FileStore;
import io.mediapipeline.icloud.IcloudConfig.Account;
import io.mediapipeline.ops.Activity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Links each finished download (never *.part, never a dot-name) that was not handed over before into
 * inbox/icloud/ACCOUNT/ under the same relative path; icloudpd's own copy stays, so the next run knows
 * it has the file. Link first, then record: a crash in between only links again (skipped by ingest).
 */
final class InboxHandover {

    private final IcloudStore store;
    private final Path inbox;
    private final Activity activity;

    InboxHandover(IcloudStore store, Path home, Activity activity) {
        this.store = store;
        this.inbox = IcloudInbox.root(home);
        this.activity = activity;
    }

    /** How many files were handed over now. */
    int handOver(Account a) throws IOException {
        Path root = a.downloadDir();
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int n = 0;
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile).filter(p -> {
                String name = p.getFileName().toString();
                return !name.endsWith(".part") && !name.startsWith(".");
            }).sorted().toList();
        }
        for (Path f : files) {
            String rel = root.relativize(f).toString();
            long size = Files.size(f);
            if (store.handedOver(a.name(), rel, size)) {
                continue;
            }
            // durable before the ledger says handed over; an older version still waiting under the same name is
            // left to the inbox, and this one is handed over by a later scan
            Path target = inbox.resolve(a.name()).resolve(rel);
            if (!FileStore.linkOrCopyNew(f, target) && !Files.isSameFile(f, target)) {
                continue;
            }
            store.recordHandover(a.name(), rel, size);
            n++;
        }
        if (n > 0 && activity != null) {
            activity.workHappened();
        }
        return n;
    }
}
