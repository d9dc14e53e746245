-- An input that fails the same way again and again (unreadable, a tool that always crashes on it) is
-- quarantined after pipeline.ingest.max-attempts failures instead of being retried on every poll.
--   last_error: why the last attempt failed (null once it is done)
--   failures:   how many attempts in a row failed with that same reason
alter table source_files
    add column last_error text,
    add column failures   integer not null default 0 check (failures >= 0);

comment on column source_files.last_error is 'why the last attempt to ingest this input failed';
comment on column source_files.failures is 'attempts in a row that failed with last_error';
