-- Inputs the source walk does not follow (a symbolic link, a folder deeper than the configured depth) are
-- recorded once, as 'skipped' with the reason, so the run report says what was left out and why.
alter table source_files drop constraint source_files_disposition_check;
alter table source_files
    add constraint source_files_disposition_check
        check (disposition in ('pending', 'imported', 'duplicate', 'quarantined', 'skipped'));
