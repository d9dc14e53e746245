package io.mediapipeline.ingest;

import io.mediapipeline.ledger.BatchLedger;
import java.util.HashSet;
import java.util.Set;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;

/**
 * What the folder source imported before, for its file consumer (idempotentKey path|size|modified): the ledger's
 * finished folder inputs, read with one query when the consumer first asks, then kept in memory. An input is added
 * when its exchange completes, which is after its batch committed its row (idempotentEager=false), so the memory is
 * never ahead of the ledger: after a crash it is read again from the ledger, and an input whose row did not commit
 * is offered again. Nothing is written here: the input's ledger row is the record.
 */
public class FolderImports extends ServiceSupport implements IdempotentRepository {

    private final BatchLedger ledger;
    private final String source;
    private Set<String> keys;

    public FolderImports(BatchLedger ledger, String source) {
        this.ledger = ledger;
        this.source = source;
    }

    private Set<String> keys() {
        if (keys == null) {
            keys = new HashSet<>(ledger.finishedKeys(source));
        }
        return keys;
    }

    @Override
    public synchronized boolean add(String key) {
        return keys().add(key);
    }

    @Override
    public synchronized boolean contains(String key) {
        return keys().contains(key);
    }

    @Override
    public synchronized boolean remove(String key) {
        return keys().remove(key);
    }

    @Override
    public boolean confirm(String key) {
        return true;
    }

    @Override
    public synchronized void clear() {
        keys = null;
    }

    @Override
    protected synchronized void doStop() {
        keys = null; // read again from the ledger when the route starts again
    }
}
