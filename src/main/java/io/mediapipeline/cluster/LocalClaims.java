package io.mediapipeline.cluster;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The one-node file claims: no other node can take a file, so a claim is only this JVM's "in work" mark and the
 * ledger is not asked once per file.
 */
public final class LocalClaims extends ServiceSupport implements IdempotentRepository {

    private final Set<String> held = ConcurrentHashMap.newKeySet();

    @Override
    public boolean add(String key) {
        return held.add(key);
    }

    @Override
    public boolean contains(String key) {
        return held.contains(key);
    }

    @Override
    public boolean remove(String key) {
        return held.remove(key);
    }

    @Override
    public boolean confirm(String key) {
        return held.remove(key);
    }

    @Override
    public void clear() {
        held.clear();
    }
}
