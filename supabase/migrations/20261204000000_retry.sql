-- A quarantined input handed back to its source's inbox for another try (the dashboard's failures page) keeps its
-- row, now 'retried', with the inbox path it went to and when; the new try is a new input with a row of its own.
-- The change of disposition is in file_events through the source_files trigger.
alter table source_files add column retried_at timestamptz;
comment on column source_files.retried_at is 'when the quarantined input was handed back to its source''s inbox';

alter table source_files drop constraint source_files_disposition_check;
alter table source_files
    add constraint source_files_disposition_check
        check (disposition in ('pending', 'imported', 'duplicate', 'quarantined', 'skipped', 'retried'));
