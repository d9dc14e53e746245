-- iCloud upload (the compressed copy, or the original the gate kept, goes up to iCloud Photos and is proven
-- there). One deliveries row per file with target 'icloud' walks reserved -> sent -> registered -> confirmed,
-- each step written before the next starts, so a crash resumes where it stopped:
--   reserved:   a slot was reserved (evidence.clientId); the upload URL carries a token and is never stored
--   sent:       the bytes went up (uploaded_sha256/size as streamed, evidence.receipt, evidence.fileChecksum)
--   registered: the asset exists by the service's word (asset_record, master_record, evidence.uploadJobId,
--               evidence.duplicate); proof by look-up follows
--   confirmed:  the asset was read back: not deleted, pointing to master_record, whose original has the
--               uploaded size and checksum (and, for a share of files, the same sha256 when downloaded back)
--   unproven:   not seen within the proof time; looked up again at next_check_at, never re-uploaded blindly
--   failed:     refused, changed, or something differed; last_error says what
alter table deliveries drop constraint deliveries_state_check;
alter table deliveries add constraint deliveries_state_check
    check (state in ('staged', 'reserved', 'sent', 'registered', 'confirmed', 'unproven', 'failed'));

alter table deliveries
    add column account         text,
    add column uploaded_path   text,
    add column uploaded_sha256 text check (uploaded_sha256 ~ '^[0-9a-f]{64}$'),
    add column uploaded_size   bigint,
    add column asset_record    text,
    add column master_record   text,
    add column next_check_at   timestamptz,
    add column sent_at         timestamptz,
    add column run_id          bigint references runs (id);

comment on column deliveries.uploaded_path is 'iCloud: the file that went up (the compressed copy or the original)';
comment on column deliveries.asset_record is 'iCloud: the CPLAsset record name putAsset returned';
comment on column deliveries.master_record is 'iCloud: the CPLMaster record name putAsset returned';
comment on column deliveries.next_check_at is 'iCloud: when the proof looks the asset up next';

create index deliveries_icloud_open_idx on deliveries (state, next_check_at)
    where target = 'icloud' and state in ('reserved', 'sent', 'registered', 'unproven');
create index deliveries_icloud_sent_idx on deliveries (account, sent_at) where target = 'icloud';

-- An upload batch that Apple throttled or refused the session for counts against the account's hourly budget like
-- an icloudpd start (one account, one budget); a batch that went through does not.
-- 'refused' is an upload batch the account cannot take (Advanced Data Protection, no upload service).
alter table icloud_attempts drop constraint icloud_attempts_kind_check;
alter table icloud_attempts add constraint icloud_attempts_kind_check
    check (kind in ('scheduled', 'retry', 'startup', 'login', 'upload'));
alter table icloud_attempts drop constraint icloud_attempts_outcome_check;
alter table icloud_attempts add constraint icloud_attempts_outcome_check
    check (outcome in ('success', 'partial', 'auth-needed', 'throttled', 'bad-arguments', 'failed', 'stopped',
                       'unknown', 'refused'));
alter table icloud_attempts add column uploaded integer;
comment on column icloud_attempts.uploaded is 'upload batches: files that reached registered in the batch';
