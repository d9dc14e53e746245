package io.mediapipeline.cluster;

import java.util.List;
import java.util.Optional;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.support.cluster.AbstractCamelClusterView;

/**
 * A namespace as one node sees it: itself the only member (the other nodes are rows in the ledger, not Camel
 * members), leading while {@link #leads()} says so.
 */
abstract class OneMemberView extends AbstractCamelClusterView {

    private final CamelClusterMember local;

    OneMemberView(CamelClusterService service, String namespace, String node) {
        super(service, namespace);
        this.local = new CamelClusterMember() {
            @Override
            public boolean isLeader() {
                return leads();
            }

            @Override
            public boolean isLocal() {
                return true;
            }

            @Override
            public String getId() {
                return node;
            }
        };
    }

    /** Whether this node leads the namespace now. */
    abstract boolean leads();

    @Override
    public Optional<CamelClusterMember> getLeader() {
        return leads() ? Optional.of(local) : Optional.empty();
    }

    @Override
    public CamelClusterMember getLocalMember() {
        return local;
    }

    @Override
    public List<CamelClusterMember> getMembers() {
        return List.of(local);
    }
}
