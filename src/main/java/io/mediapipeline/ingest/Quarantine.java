package io.mediapipeline.ingest;

import io.mediapipeline.flow.Durable;
import io.mediapipeline.flow.FileStore;
import io.mediapipeline.flow.GuardClosedException;
import io.mediapipeline.flow.RunContext;
import io.mediapipeline.ledger.Ledger;
import io.mediapipeline.ledger.SourceAdmission;
import io.mediapipeline.media.BadMediaException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bad input leaves the flow here: a copy in quarantine/&lt;date&gt;/ with a .reason.txt beside it, the
 * input's ledger row marked quarantined with the reason, one clear log line naming the file, and
 * the run goes on. The input itself is never deleted from a user's folder.
 */
public class Quarantine {

    private static final Logger LOG = LoggerFactory.getLogger(Quarantine.class);

    private final Ledger ledger;
    private final RunContext run;
    private final Path root;
    private final GivenUp givenUp;

    public Quarantine(Ledger ledger, RunContext run, Path home, GivenUp givenUp) {
        this.ledger = ledger;
        this.run = run;
        this.root = home.resolve("quarantine");
        this.givenUp = givenUp;
    }

    /** Called by the error handler with the exception that stopped the file. */
    public void badInput(Exchange ex) throws IOException {
        Throwable cause = RepeatedFailures.cause(ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        String reason = reasonOf(cause);
        Path file = Ingest.sourcePath(ex);
        String source = ex.getProperty(Ingest.SOURCE, "folder", String.class);
        Long sourceFileId = ex.getProperty(Ingest.SOURCE_FILE_ID, Long.class);
        if (sourceFileId == null) {
            String key = source + ":" + file + "|unreadable";
            SourceAdmission a = ledger.admitSource(run.runId(), source, key, file.toString(), -1);
            sourceFileId = a.sourceFileId();
        }
        Path dir = root.resolve(LocalDate.now().toString());
        Path placed = null;
        Path reasonFile;
        try {
            FileStore.guard().require(); // the reason file below is written directly
            if (Files.isReadable(file) && Files.isRegularFile(file)) {
                String sha = ex.getProperty(Ingest.SHA256, String.class);
                placed = FileStore.place(file, dir, file.getFileName().toString(),
                        sha != null ? sha : io.mediapipeline.media.Hasher.sha256(file), Ingest.mode(ex));
            } else if (Ingest.mode(ex) == FileStore.Mode.LINK_OR_COPY
                    && Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                // an inbox input cannot be copied when it cannot be read, and the inbox deletes what it took: move it
                placed = FileStore.moveNew(file, dir, file.getFileName().toString());
            }
            reasonFile = writeReason(dir, placed != null ? placed.getFileName().toString()
                    : FileStore.safeName(file.getFileName().toString()), file, reason);
        } catch (GuardClosedException e) {
            // a pause, not the file's failure: it stays where it is and is taken again once the guard opens
            LOG.info("{} not quarantined now ({}): {}", file, reason, e.getMessage());
            ex.getExchangeExtension().setErrorHandlerHandled(false);
            return;
        } catch (IOException e) {
            notQuarantined(ex, file, sourceFileId, reason, e);
            return;
        }
        String place = placed != null ? placed.toString() : reasonFile.toString();
        ledger.recordQuarantine(sourceFileId, ex.getProperty(Ingest.SHA256, String.class), place, reason);
        ledger.log(run.runId(), "ingest", "warn", "quarantined: " + reason, null, file.toString());
        LOG.warn("Quarantined {}: {}", file, reason);
    }

    /**
     * Nothing is recorded without the copy: the failure is reported and the exchange fails, so the source keeps the
     * input (the inbox does not delete it) and offers it again. The route's handled:true was decided before this ran;
     * marking the exchange not handled makes the error handler put the exception back. Nothing else counts these
     * failures (the copy may fail on every poll, disk full): after max-attempts the run stops taking the input.
     */
    private void notQuarantined(Exchange ex, Path file, long sourceFileId, String reason, IOException e) {
        String why = "could not be quarantined (" + reason + "): " + e.getMessage();
        LOG.error("{} {}; it stays where it is and is tried again", file, why);
        ledger.log(run.runId(), "ingest", "error", why + "; it stays where it is and is tried again", null, file.toString());
        givenUp.failed(ex.getProperty(Ingest.SOURCE, "folder", String.class), file, sourceFileId, why);
        ex.getExchangeExtension().setErrorHandlerHandled(false);
    }

    private static Path writeReason(Path dir, String placedName, Path source, String reason) throws IOException {
        Durable.createDirectories(dir);
        Path target = dir.resolve(placedName + ".reason.txt");
        Path tmp = dir.resolve("." + placedName + FileStore.TEMP_SUFFIX);
        String text = "file: " + source + "\nreason: " + reason + "\nat: " + OffsetDateTime.now() + "\n";
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Durable.syncFile(tmp);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Durable.syncDir(dir);
        return target;
    }

    static String reasonOf(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        if (t instanceof BadMediaException) {
            return t.getMessage();
        }
        if (t instanceof java.nio.file.AccessDeniedException) {
            return "unreadable: permission denied";
        }
        if (t instanceof java.nio.file.NoSuchFileException) {
            return "unreadable: the file disappeared while being read";
        }
        if (t instanceof IOException) {
            return "unreadable: " + t.getMessage();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
