package io.mediapipeline.ledger;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * Recognises a ledger schema that was applied without Flyway ({@code supabase db push}, or the files run with
 * {@code psql} in order), which has the tables but no Flyway history: the newest migration whose objects (tables,
 * columns, indexes, constraints, functions, triggers named in its SQL) are all present becomes Flyway's baseline,
 * and Flyway applies only the newer files. It reads the migrations folder, so new migrations need no change here.
 * An object a migration drops and adds again (a CHECK constraint swapped under the same name) was there before it,
 * so it is no evidence of that migration. A migration without evidence of its own (data only, or only such swaps)
 * counts as applied when a later migration with evidence is, and is otherwise run again: keep such files
 * idempotent (an insert that conflicts stops startup with Flyway's error).
 */
final class SchemaHistory {

    static final String TABLE = "flyway_schema_history";

    private static final Pattern FILE = Pattern.compile("(\\d+)_.*\\.sql");
    private static final Pattern CREATED = Pattern.compile(
            "create\\s+(?:or\\s+replace\\s+)?(?:unique\\s+)?(table|index|function|trigger)\\s+(?:concurrently\\s+)?"
                    + "(?:if\\s+not\\s+exists\\s+)?(?:(\\w+)\\.)?(\\w+)");
    private static final Pattern ALTER = Pattern.compile(
            "^alter\\s+table\\s+(?:if\\s+exists\\s+)?(?:only\\s+)?(?:(\\w+)\\.)?(\\w+)(.*)$", Pattern.DOTALL);
    private static final Pattern ADDED = Pattern.compile(
            "add\\s+(column|constraint)\\s+(?:if\\s+not\\s+exists\\s+)?(\\w+)");
    private static final Pattern REMOVED = Pattern.compile(
            "drop\\s+(?:table|index|function|trigger|constraint|column)\\s+(?:if\\s+exists\\s+)?(?:\\w+\\.)?(\\w+)"
                    + "|rename\\s+(?:column\\s+|constraint\\s+)?(\\w+)\\s+to"
                    + "|alter\\s+table\\s+(?:if\\s+exists\\s+)?(?:only\\s+)?(?:\\w+\\.)?(\\w+)\\s+rename\\s+to");

    private SchemaHistory() {
    }

    private record Migration(String version, String file, Set<String> objects, Set<String> removed) {
    }

    /**
     * The version to record as Flyway's baseline, or empty when Flyway keeps the history already or none of the
     * migrations' objects are there (a fresh database: Flyway applies everything).
     *
     * @throws IllegalStateException when the schema matches no prefix of the migrations (one is half there, or an
     *     older one is missing under a newer one): starting would build on a schema nobody can vouch for
     */
    static Optional<String> appliedWithoutFlyway(DataSource ds, Path migrations) throws IOException, SQLException {
        try (Connection c = ds.getConnection()) {
            if (exists(c, "table", null, TABLE)) {
                return Optional.empty();
            }
            List<Migration> all = read(migrations);
            int newest = -1;
            List<List<String>> missing = new ArrayList<>();
            List<Integer> checks = new ArrayList<>();
            Set<String> earlier = new HashSet<>();
            for (int i = 0; i < all.size(); i++) {
                Set<String> laterRemoved = new HashSet<>();
                all.subList(i + 1, all.size()).forEach(m -> laterRemoved.addAll(m.removed()));
                List<String> absent = new ArrayList<>();
                int checked = 0;
                for (String object : all.get(i).objects()) {
                    String[] p = object.split(" ");
                    if (laterRemoved.contains(p[p.length - 1]) || !earlier.add(object)) {
                        continue; // a later migration drops or renames it, or an earlier one made it already
                    }
                    checked++;
                    if (!exists(c, p[0], p[1].isEmpty() ? null : p[1], p[2], p.length > 3 ? p[3] : null)) {
                        absent.add(object.substring(object.indexOf(' ') + 1).strip().replaceAll("\\s+", "."));
                    }
                }
                missing.add(absent);
                checks.add(checked);
                if (checked > 0 && absent.isEmpty()) {
                    newest = i;
                }
            }
            if (newest < 0) {
                return Optional.empty();
            }
            for (int i = 0; i < all.size(); i++) {
                List<String> absent = missing.get(i);
                boolean some = !absent.isEmpty() && absent.size() < checks.get(i);
                if ((i < newest && !absent.isEmpty()) || (i > newest && some)) {
                    throw new IllegalStateException("the ledger schema has no Flyway history and matches no prefix of "
                            + "supabase/migrations: " + all.get(i).file() + " lacks " + String.join(", ", absent)
                            + " while " + all.get(newest).file() + " is applied; apply the missing statements");
                }
            }
            return Optional.of(all.get(newest).version());
        }
    }

    /**
     * The newest version when Flyway's history records exactly the migration files present, each applied
     * successfully (no baseline, nothing pending, nothing failed): then there is nothing for Flyway to do, and every
     * command's start is spared loading it. Anything else is left to Flyway, which also validates the applied files'
     * checksums: an applied migration edited in place is reported when the next new one is applied.
     */
    static Optional<String> upToDate(DataSource ds, Path migrations) throws IOException, SQLException {
        Set<String> files = new HashSet<>();
        try (Stream<Path> list = Files.list(migrations)) {
            list.map(f -> FILE.matcher(f.getFileName().toString())).filter(Matcher::matches)
                    .forEach(m -> files.add(m.group(1)));
        }
        try (Connection c = ds.getConnection()) {
            if (files.isEmpty() || !exists(c, "table", null, TABLE)) {
                return Optional.empty();
            }
            Set<String> applied = new HashSet<>();
            try (var s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "select version, success and type = 'SQL' from " + TABLE + " where version is not null")) {
                while (rs.next()) {
                    if (!rs.getBoolean(2)) {
                        return Optional.empty();
                    }
                    applied.add(rs.getString(1));
                }
            }
            return applied.equals(files)
                    ? files.stream().max(Comparator.comparing(BigInteger::new))
                    : Optional.empty();
        }
    }

    /**
     * Flyway creates its history table after the migrations' revokes; keep Supabase's API roles out of it too.
     * Only its owner may change that; another login (a schema migrated by someone else) is told once.
     */
    static void protect(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); var s = c.createStatement()) {
            if (!exists(c, "table", null, TABLE)) {
                return;
            }
            try (ResultSet own = s.executeQuery("select pg_has_role(relowner, 'USAGE') from pg_class where oid = '"
                    + TABLE + "'::regclass")) {
                if (!own.next() || !own.getBoolean(1)) {
                    LoggerFactory.getLogger(SchemaHistory.class).warn("{} belongs to another role: row-level security and "
                            + "the revokes from anon/authenticated are left to its owner", TABLE);
                    return;
                }
            }
            s.execute("alter table " + TABLE + " enable row level security");
            for (String role : List.of("anon", "authenticated")) {
                try (PreparedStatement ps = c.prepareStatement("select 1 from pg_roles where rolname = ?")) {
                    ps.setString(1, role);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            s.execute("revoke all on " + TABLE + " from " + role);
                        }
                    }
                }
            }
        }
    }

    private static List<Migration> read(Path dir) throws IOException {
        List<Migration> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Matcher name = FILE.matcher(f.getFileName().toString());
                if (name.matches()) {
                    out.add(parse(name.group(1), f.getFileName().toString(), Files.readString(f)));
                }
            }
        }
        out.sort(Comparator.comparing(m -> new BigInteger(m.version())));
        return out;
    }

    /** Objects as "kind schema name [column]"; comments and dollar-quoted bodies are not read. */
    private static Migration parse(String version, String file, String sql) {
        String text = sql.replaceAll("(?s)\\$(\\w*)\\$.*?\\$\\1\\$", "''")
                .replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("--[^\\n]*", " ").toLowerCase(Locale.ROOT);
        Set<String> objects = new LinkedHashSet<>();
        Set<String> removed = new HashSet<>();
        for (String statement : text.split(";")) {
            String st = statement.strip();
            Matcher created = CREATED.matcher(st);
            while (created.find()) {
                objects.add(created.group(1) + " " + nz(created.group(2)) + " " + created.group(3));
            }
            Matcher alter = ALTER.matcher(st);
            if (alter.matches()) {
                Matcher added = ADDED.matcher(alter.group(3));
                while (added.find()) {
                    objects.add(added.group(1).equals("column")
                            ? "column " + nz(alter.group(1)) + " " + alter.group(2) + " " + added.group(2)
                            : "constraint " + nz(alter.group(1)) + " " + added.group(2));
                }
            }
            Matcher gone = REMOVED.matcher(st);
            while (gone.find()) {
                removed.add(gone.group(1) != null ? gone.group(1) : gone.group(2) != null ? gone.group(2) : gone.group(3));
            }
        }
        objects.removeIf(o -> removed.contains(o.substring(o.lastIndexOf(' ') + 1))); // swapped, not introduced
        return new Migration(version, file, objects, removed);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static boolean exists(Connection c, String kind, String schema, String name, String... column)
            throws SQLException {
        String sql = switch (kind) {
            case "table", "index" -> "select to_regclass(coalesce(cast(? as text), current_schema()::text) || '.' || ?) is not null";
            case "column" -> "select exists (select 1 from information_schema.columns where table_schema = "
                    + "coalesce(cast(? as text), current_schema()::text) and table_name = ? and column_name = ?)";
            case "constraint" -> "select exists (select 1 from pg_constraint k join pg_namespace n on n.oid = "
                    + "k.connamespace where n.nspname = coalesce(cast(? as text), current_schema()::text) and k.conname = ?)";
            case "function" -> "select exists (select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
                    + "where n.nspname = coalesce(cast(? as text), current_schema()::text) and p.proname = ?)";
            case "trigger" -> "select exists (select 1 from pg_trigger t join pg_class r on r.oid = t.tgrelid join "
                    + "pg_namespace n on n.oid = r.relnamespace where n.nspname = coalesce(cast(? as text), current_schema()::text) "
                    + "and t.tgname = ?)";
            default -> throw new IllegalArgumentException(kind);
        };
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema);
            ps.setString(2, name);
            if (column.length > 0 && column[0] != null) {
                ps.setString(3, column[0]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
