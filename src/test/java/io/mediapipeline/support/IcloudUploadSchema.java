package io.mediapipeline.support;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The upload stage's columns and states on {@code deliveries} and the removal's {@code icloud_removals}, for tests of
 * what reads them (doctor, the run report) on a ledger without those migrations. A no-op where they are there.
 */
public final class IcloudUploadSchema {

    private IcloudUploadSchema() {
    }

    public static void ensure(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("""
                    alter table deliveries add column if not exists account text,
                        add column if not exists uploaded_path text, add column if not exists uploaded_sha256 text,
                        add column if not exists uploaded_size bigint, add column if not exists asset_record text,
                        add column if not exists master_record text, add column if not exists next_check_at timestamptz,
                        add column if not exists sent_at timestamptz,
                        add column if not exists run_id bigint references runs (id)""");
            s.execute("""
                    do $$ begin
                        if not exists (select 1 from pg_constraint where conrelid = 'deliveries'::regclass and contype = 'c'
                                          and pg_get_constraintdef(oid) like '%unproven%') then
                            alter table deliveries drop constraint if exists deliveries_state_check;
                            alter table deliveries add constraint deliveries_state_check check (state in
                                ('staged', 'reserved', 'sent', 'registered', 'confirmed', 'unproven', 'failed'));
                        end if;
                    end $$""");
            s.execute("""
                    create table if not exists icloud_removals (
                        id bigint generated always as identity primary key,
                        media_file_id uuid references media_files (id), account text, asset_record text,
                        master_record text, change_tag text,
                        state text not null check (state in ('planned', 'removing', 'removed', 'refused', 'failed')),
                        reason text, dry_run boolean not null default true, created_at timestamptz not null default now())""");
        }
    }
}
