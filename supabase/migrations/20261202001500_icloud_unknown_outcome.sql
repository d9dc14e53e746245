-- An iCloud run that ended without proof of success (no end-of-run line, no download) nor a known failure is
-- recorded as 'unknown' and retried like 'failed'.
alter table icloud_attempts drop constraint icloud_attempts_outcome_check;
alter table icloud_attempts add constraint icloud_attempts_outcome_check
    check (outcome in ('success', 'partial', 'auth-needed', 'throttled', 'bad-arguments', 'failed', 'stopped',
                       'unknown'));
