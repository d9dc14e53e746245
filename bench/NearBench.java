import io.mediapipeline.ledger.Database;
import io.mediapipeline.similar.NearIndex;
import io.mediapipeline.support.PipelineHome;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Near-duplicate look-up against N known 64-bit hashes (random, with planted near copies), for each approach
 * compared, in the same run: the pipeline's in-memory XOR/popcount scan (similar.NearIndex), an in-memory BK-tree,
 * and two PostgreSQL-side ones on the embedded ledger's server: a bit_count scan of the XOR, and multi-index hashing
 * (four indexed 16-bit chunks: at a distance of at most 6 one chunk differs in at most one bit, so the candidates are
 * the rows with a chunk equal to one of its 17 neighbours). Each answers 1,000 new items (half near copies of known
 * ones, half random) one at a time and as one batch; every approach must find the same pairs. Run by bench/near.
 */
public final class NearBench {

    private static final int MAX = 6;
    private static final int BATCH = 1000;

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        Path work = Paths.get(args[1]);
        Random random = new Random(42);
        long[] known = new long[n];
        for (int i = 0; i < n; i++) {
            // 1 % planted near copies of an earlier hash
            known[i] = i > 0 && i % 100 == 0 ? flip(known[random.nextInt(i)], 1 + random.nextInt(MAX), random) : random.nextLong();
        }
        long[] queries = new long[BATCH];
        for (int i = 0; i < BATCH; i++) {
            queries[i] = i % 2 == 0 ? flip(known[random.nextInt(n)], random.nextInt(MAX + 1), random) : random.nextLong();
        }
        List<String> lines = new ArrayList<>();
        Map<String, Long> found = new HashMap<>();

        UUID[] ids = new UUID[n];
        NearIndex scan = new NearIndex();
        long t = System.nanoTime();
        for (int i = 0; i < n; i++) {
            ids[i] = new UUID(0, i);
            scan.put(ids[i], known[i]);
        }
        double load = ms(t);
        UUID self = new UUID(1, 1);
        lines.add(measure("memory scan (kept)", load, found, q -> scan.within(self, q, MAX).size(), queries));

        BkTree tree = new BkTree();
        t = System.nanoTime();
        for (int i = 0; i < n; i++) {
            tree.add(known[i], i);
        }
        lines.add(measure("memory BK-tree", ms(t), found, q -> tree.within(q, MAX), queries));

        try (Database db = new PipelineHome(work).openLedger()) {
            JdbcTemplate sql = new JdbcTemplate(db.dataSource());
            t = System.nanoTime();
            sql.execute("create table bench_hashes (id int primary key, h bigint not null, c0 int, c1 int, c2 int, c3 int)");
            List<Object[]> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long h = known[i];
                rows.add(new Object[] {i, h, chunk(h, 0), chunk(h, 1), chunk(h, 2), chunk(h, 3)});
            }
            sql.batchUpdate("insert into bench_hashes values (?, ?, ?, ?, ?, ?)", rows);
            for (int c = 0; c < 4; c++) {
                sql.execute("create index on bench_hashes (c" + c + ")");
            }
            sql.execute("analyze bench_hashes");
            double pgLoad = ms(t);
            String bitCount = "bit_count((h # ?)::bit(64)) <= " + MAX;
            lines.add(measure("PostgreSQL bit_count scan", pgLoad, found,
                    q -> sql.queryForList("select id from bench_hashes where " + bitCount, Integer.class, q).size(), queries,
                    () -> sql.queryForObject("""
                            select count(*) from unnest(?::bigint[]) q(h) join bench_hashes b
                              on bit_count((b.h # q.h)::bit(64)) <= %d""".formatted(MAX), Long.class, (Object) boxed(queries))));
            String mih = "select id from bench_hashes where (c0 = any(?) or c1 = any(?) or c2 = any(?) or c3 = any(?)) and "
                    + bitCount;
            lines.add(measure("PostgreSQL multi-index", pgLoad, found,
                    q -> sql.queryForList(mih, Integer.class, near(q, 0), near(q, 1), near(q, 2), near(q, 3), q).size(),
                    queries, null));
        }
        System.out.println("NEAR-BENCH known " + n + ", new items " + BATCH + ", max distance " + MAX + ", "
                + Runtime.getRuntime().availableProcessors() + " cores");
        System.out.println(String.format(Locale.ROOT, "NEAR-BENCH %-28s %10s %14s %14s %8s", "approach", "load ms",
                "per item ms", "batch 1000 ms", "pairs"));
        lines.forEach(l -> System.out.println("NEAR-BENCH " + l));
        if (found.values().stream().distinct().count() != 1) {
            throw new IllegalStateException("the approaches disagree on the pairs: " + found);
        }
    }

    interface Lookup {
        int count(long q) throws Exception;
    }

    interface Batch {
        long count() throws Exception;
    }

    private static String measure(String name, double load, Map<String, Long> found, Lookup lookup, long[] queries)
            throws Exception {
        return measure(name, load, found, lookup, queries, null);
    }

    /** Each query once to warm up, then one at a time (per item), then the whole batch (one statement if given). */
    private static String measure(String name, double load, Map<String, Long> found, Lookup lookup, long[] queries,
                                  Batch batch) throws Exception {
        for (int i = 0; i < Math.min(100, queries.length); i++) {
            lookup.count(queries[i]);
        }
        long pairs = 0;
        long t = System.nanoTime();
        for (long q : queries) {
            pairs += lookup.count(q);
        }
        double all = ms(t);
        double batchMs = all;
        if (batch != null) {
            t = System.nanoTime();
            long b = batch.count();
            batchMs = ms(t);
            if (b != pairs) {
                throw new IllegalStateException(name + ": batch found " + b + " pairs, one at a time " + pairs);
            }
        }
        found.put(name, pairs);
        return String.format(Locale.ROOT, "%-28s %10.0f %14.4f %14.1f %8d", name, load, all / queries.length, batchMs, pairs);
    }

    private static long flip(long h, int bits, Random random) {
        long out = h;
        while (Long.bitCount(out ^ h) < bits) {
            out ^= 1L << random.nextInt(64);
        }
        return out;
    }

    private static int chunk(long h, int c) {
        return (int) ((h >>> (16 * c)) & 0xffff);
    }

    /** The chunk and its 16 one-bit neighbours. */
    private static Integer[] near(long h, int c) {
        int v = chunk(h, c);
        Integer[] out = new Integer[17];
        out[0] = v;
        for (int b = 0; b < 16; b++) {
            out[b + 1] = v ^ (1 << b);
        }
        return out;
    }

    private static Long[] boxed(long[] a) {
        Long[] out = new Long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    private static double ms(long start) {
        return (System.nanoTime() - start) / 1e6;
    }

    /** Burkhard-Keller tree over Hamming distance: children keyed by their distance to the node. */
    static final class BkTree {
        private final class Node {
            final long hash;
            final Node[] children = new Node[65];

            Node(long hash) {
                this.hash = hash;
            }
        }

        private Node root;

        void add(long hash, int id) {
            if (root == null) {
                root = new Node(hash);
                return;
            }
            Node node = root;
            while (true) {
                int d = Long.bitCount(node.hash ^ hash);
                if (node.children[d] == null) {
                    node.children[d] = new Node(hash);
                    return;
                }
                node = node.children[d];
            }
        }

        int within(long q, int max) {
            int count = 0;
            List<Node> todo = new ArrayList<>();
            todo.add(root);
            while (!todo.isEmpty()) {
                Node node = todo.remove(todo.size() - 1);
                int d = Long.bitCount(node.hash ^ q);
                if (d <= max) {
                    count++;
                }
                for (int k = Math.max(0, d - max); k <= Math.min(64, d + max); k++) {
                    if (node.children[k] != null) {
                        todo.add(node.children[k]);
                    }
                }
            }
            return count;
        }
    }
}
