package io.mediapipeline.archive;

import io.mediapipeline.config.ConfigException;
import io.mediapipeline.config.Settings;
import io.mediapipeline.flow.Handoff;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.flow.Stage;
import io.mediapipeline.ledger.Ledger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The organize stage (routes/50-organize): its bean, and the hand-offs a crash may have lost. */
public class OrganizeStage implements Stage {

    public static final String STAGE = "organize";

    private static final Logger LOG = LoggerFactory.getLogger(OrganizeStage.class);

    private OrganizeConfig config;

    @Override
    public void check(Settings settings) throws ConfigException {
        config = OrganizeConfig.from(settings);
    }

    @BindToRegistry("organizer")
    public Organizer organizer(Ledger ledger, DataSource dataSource, RunContext run, Settings settings) {
        return new Organizer(ledger, dataSource, run, settings.home(), config.hardlink(), config.useMtime());
    }

    /** Before the routes start: every ingested original is in work/organize/, even if a crash came before its hand-off. */
    @Override
    public void configure(CamelContext camel) {
        if (!config.enabled()) {
            return;
        }
        Ledger ledger = camel.getRegistry().lookupByNameAndType("ledger", Ledger.class);
        Handoff handoff = camel.getRegistry().lookupByNameAndType("handoff", Handoff.class);
        handoff.follow(STAGE);
        // an earlier organize failure (disk full, a folder in the way) is tried again once per start
        int retried = ledger.returnFromErrors("ingested");
        if (retried > 0) {
            LOG.info("Organizing again {} file(s) that failed to organize before", retried);
        }
        int requeued;
        try {
            requeued = handoff.recover(STAGE, () -> handoff.requeueAll(STAGE, ledger.withStatus("ingested").stream()
                    .filter(m -> m.originalPath() != null)
                    .map(m -> new Handoff.Queued(Path.of(m.originalPath()), m.sha256(), m.extension())).toList()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot queue the ingested originals for organize", e);
        }
        if (requeued > 0) {
            LOG.info("Recovered after an interrupted run: re-queued {} file(s) for organize", requeued);
        }
    }
}
