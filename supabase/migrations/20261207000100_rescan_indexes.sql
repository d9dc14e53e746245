-- Look-ups every backfill makes over a ledger of a hundred thousand files and more, made index look-ups.
--
-- A rescan reads the finished inputs under its tree in code point order (collate "C", whatever the database's own
-- collation): this index gives them in that order, from the index alone, instead of a scan of the whole table and a
-- sort.
create index source_files_finished_key_idx on source_files (source_key collate "C") where disposition <> 'pending';

-- Every run report counts the files verified, and lists those verify failed, since its run started (only those
-- events, by time, instead of a scan of every event the ledger holds), and counts the files waiting for a verify.
create index file_events_verify_idx on file_events (created_at)
    where entity = 'media_file' and to_state in ('verified', 'error');
create index media_files_verify_waiting_idx on media_files (verify_check)
    where status = 'archived' and verify_check is not null;
