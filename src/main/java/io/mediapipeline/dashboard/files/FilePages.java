package io.mediapipeline.dashboard.files;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.CoreConfig;
import io.mediapipeline.config.Settings;
import io.mediapipeline.dashboard.Page;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.ledger.Ledger;
import org.apache.camel.BindToRegistry;

/**
 * The dashboard's pages over the ledger: the file search and each file's journey, the failures with their
 * retries, the storage saved per month, the near-duplicate groups. They read the ledger and the data directory;
 * they hand work back to the stages only through the ledger's status and the hand-off queues.
 */
public class FilePages implements Stage {

    @Override
    public void check(Settings settings) throws ConfigException {
    }

    @BindToRegistry("filesPage")
    public Page files(Ledger ledger, Settings settings) {
        CoreConfig core = CoreConfig.from(settings);
        return new FilesPage(new Search(ledger), new Journey(ledger),
                new Thumbnails(ledger, core.home(), core.ffmpeg(), "heif-convert"));
    }

    @BindToRegistry("failuresPage")
    public Page failures(Ledger ledger, Handoff handoff, Settings settings) {
        CoreConfig core = CoreConfig.from(settings);
        Retries retries = new Retries(ledger.dataSource(), handoff, core.home(),
                settings.positive("pipeline.compress.max-failures"));
        return new FailuresPage(new Failures(ledger, retries), retries);
    }

    /** The near-duplicate groups for review (their thumbnails come from /files/{id}/thumb). */
    @BindToRegistry("similarPage")
    public Page similar(Ledger ledger) {
        return new SimilarPage(new Similar(ledger));
    }

    @BindToRegistry("storagePage")
    public Page storage(Ledger ledger) {
        return new StoragePage(new Storage(ledger));
    }
}
