package io.mediapipeline.icloud.removal;

import java.time.Instant;
import java.util.Objects;

/**
 * The explicit go-ahead to carry out one plan. Only {@link #approve} makes one, and only from a plan that
 * {@link Removal#plan} made, with who decided and why: no route and no default builds it, so an original
 * leaves iCloud only when the code that decides (Verify &amp; cleanup) says so for that very plan.
 */
public final class RemovalDecision {

    private final Removal.Plan plan;
    private final String approvedBy;
    private final String why;
    private final Instant at;

    private RemovalDecision(Removal.Plan plan, String approvedBy, String why, Instant at) {
        this.plan = plan;
        this.approvedBy = approvedBy;
        this.why = why;
        this.at = at;
    }

    /**
     * Approves {@code plan}.
     *
     * @param approvedBy what decided (a stage or an operator), never blank
     * @param why        the evidence the decision rests on, never blank
     */
    public static RemovalDecision approve(Removal.Plan plan, String approvedBy, String why) {
        Objects.requireNonNull(plan, "plan");
        if (approvedBy == null || approvedBy.isBlank() || why == null || why.isBlank()) {
            throw new IllegalArgumentException("a removal needs who approved it and why");
        }
        return new RemovalDecision(plan, approvedBy.strip(), why.strip(), Instant.now());
    }

    public Removal.Plan plan() {
        return plan;
    }

    public String approvedBy() {
        return approvedBy;
    }

    public String why() {
        return why;
    }

    public Instant at() {
        return at;
    }
}
