package io.mediapipeline.ingest;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.ledger.BatchLedger;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.media.MediaProbe;
import io.mediapipeline.ops.Activity;
import io.mediapipeline.similar.NearDuplicates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingest and its two local sources (routes 10-source-folder, 15-source-inbox, 20-ingest): the beans those
 * routes call. At start, files a batch placed but never recorded are swept to trash/ ({@link OrphanSweep}), and the
 * near-duplicates of files a stopped run hashed but never checked are recorded.
 */
public class IngestStage implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(IngestStage.class);

    private IngestConfig ingest;
    private SourcesConfig sources;
    private GivenUp givenUp;
    private Quarantine quarantine;
    private LivePhotos livePhotos;
    private NearDuplicates near;
    private IngestBatch batch;

    @Override
    public void check(Settings settings) throws ConfigException {
        ingest = IngestConfig.from(settings);
        sources = SourcesConfig.from(settings);
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        if (batch != null) {
            Stage.stopAfterRoutes(camel, batch::close);
        }
        // an unfinished input is taken again from its source; what its batch placed without a row goes to trash/
        Settings settings = camel.getRegistry().findSingleByType(Settings.class);
        DataSource ds = camel.getRegistry().findSingleByType(DataSource.class);
        try {
            int moved = new OrphanSweep(settings.home(), ds, new Ledger(ds), OrphanSweep.MIN_AGE).sweep(Instant.now());
            if (moved > 0) {
                LOG.warn("Moved {} file(s) no ledger row names from originals/ and duplicates/ to trash/ingest-orphans/",
                        moved);
            }
        } catch (IOException | UncheckedIOException e) {
            // the files stay where they are, and the next start looks again: ingest itself is not affected
            LOG.warn("Could not sweep unrecorded files out of originals/ and duplicates/: {}", e.toString());
        }
        try {
            nearOf(ds, settings).recoverUnchecked();
        } catch (RuntimeException e) {
            // the backfill finds them later (while their copies are not cleaned)
            LOG.warn("Could not record the near-duplicates of files a stopped run left unchecked: {}", e.toString());
        }
    }

    /** The ingest route's step: the sources' files in flight go through ingest's steps in batches. */
    @BindToRegistry("ingestBatch")
    public BatchWindow ingestBatch(Ledger ledger, MediaProbe probe, Handoff handoff, RunContext run, Settings settings,
                                   DataSource dataSource) {
        Ingest steps = new Ingest(ledger, probe, run, settings.home(), ingest.fixWrongExtension());
        batch = new IngestBatch(ledger, steps, nearOf(dataSource, settings), livePhotosOf(dataSource), handoff,
                run, ingest.parallelism());
        return new BatchWindow(batch, steps, ingest.batchSize(), ingest.batchWaitMs());
    }

    @BindToRegistry("livePhotos")
    public LivePhotos livePhotos(DataSource dataSource) {
        return livePhotosOf(dataSource);
    }

    /** Perceptual hashes made in ingest's parallel pass, near-duplicates recorded for review (never acted on). */
    @BindToRegistry("nearDuplicates")
    public NearDuplicates nearDuplicates(DataSource dataSource, Settings settings) {
        return nearOf(dataSource, settings);
    }

    @BindToRegistry("quarantine")
    public Quarantine quarantine(Ledger ledger, RunContext run, Settings settings) {
        return quarantineOf(ledger, run, settings);
    }

    @BindToRegistry("ingestFailures")
    public RepeatedFailures ingestFailures(Ledger ledger, RunContext run, Settings settings) {
        return new RepeatedFailures(ledger, quarantineOf(ledger, run, settings), ingest.maxAttempts(), givenUpOf(ledger, run));
    }

    @BindToRegistry("folderFilter")
    public SourceFilter folderFilter(Ledger ledger, RunContext run, Activity activity, Settings settings) {
        // the same patterns as the route's antInclude: what they leave out is reported as skipped, not passed over
        return new SourceFilter(ledger, run, "folder", sources.folder(), sources.links(), sources.maxDepth(),
                activity::workHappened, ingest.fresh(), givenUpOf(ledger, run),
                settings.get("pipeline.source.folder.patterns"));
    }

    @BindToRegistry("inboxFilter")
    public SourceFilter inboxFilter(Ledger ledger, RunContext run, Activity activity, Settings settings) {
        // the inbox belongs to the pipeline: links are never taken and there is no depth to cap
        return new SourceFilter(ledger, run, null, settings.home().resolve("inbox"), SourceFilter.Links.SKIP,
                Integer.MAX_VALUE, activity::workHappened, ingest.fresh(), givenUpOf(ledger, run));
    }

    /** What the folder source imported before (path, size, modification time): its finished rows in the ledger. */
    @BindToRegistry("folderImports")
    public FolderImports folderImports(DataSource dataSource) {
        return new FolderImports(new BatchLedger(dataSource), "folder");
    }

    private synchronized LivePhotos livePhotosOf(DataSource dataSource) {
        if (livePhotos == null) {
            livePhotos = new LivePhotos(dataSource);
        }
        return livePhotos;
    }

    private synchronized NearDuplicates nearOf(DataSource dataSource, Settings settings) {
        if (near == null) {
            near = new NearDuplicates(dataSource, settings);
        }
        return near;
    }

    /** One per run of the service: the sources and the quarantine count an input's failures together. */
    private synchronized GivenUp givenUpOf(Ledger ledger, RunContext run) {
        if (givenUp == null) {
            givenUp = new GivenUp(ledger, run, ingest.maxAttempts());
        }
        return givenUp;
    }

    private synchronized Quarantine quarantineOf(Ledger ledger, RunContext run, Settings settings) {
        if (quarantine == null) {
            quarantine = new Quarantine(ledger, run, settings.home(), givenUpOf(ledger, run));
        }
        return quarantine;
    }
}
