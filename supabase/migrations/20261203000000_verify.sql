-- Verify: an archived file becomes 'verified' only when every local copy hashes to what the ledger recorded and
-- every enabled target proves it holds the file; the proof is kept with the file and in its history.
-- Runs on plain PostgreSQL (Flyway or psql in file order) and on Supabase.

alter table media_files
    add column compressed_sha256 text check (compressed_sha256 ~ '^[0-9a-f]{64}$'),
    add column verified_at       timestamptz,
    add column verify_evidence   jsonb,
    add column verify_check      text,
    add column verify_after      timestamptz;
comment on column media_files.compressed_sha256 is
    'sha256 of the copy at compressed_path as compress placed it (the original''s when the original is kept)';
comment on column media_files.verified_at is 'when verify last proved every copy and target';
comment on column media_files.verify_evidence is
    'what verify compared: each local copy (path, sha256, size, what it was compared with) and each target''s evidence';
comment on column media_files.verify_check is 'why an archived file is not verified yet (a target waiting), or who is verifying it';
comment on column media_files.verify_after is 'an archived file is looked at again from this time on (null: now)';

-- The files verify picks: archived ones whose next look is due, oldest look first.
create index media_files_verify_due_idx on media_files (verify_after nulls first) where status = 'archived';

alter table file_events add column evidence jsonb;
comment on column file_events.evidence is 'on the change to verified: the proof it was made on (media_files.verify_evidence)';

-- A cleaned file whose remaining copies fail a later check goes to error, and back to cleaned once resolved.
insert into media_status_transitions (from_status, to_status) values ('cleaned', 'error'), ('error', 'cleaned')
    on conflict do nothing;

-- As before, plus the evidence on the change to verified.
create or replace function media_files_event() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into file_events (media_file_id, entity, from_state, to_state, detail)
        values (new.id, 'media_file', null, new.status, new.source_path);
    elsif new.status is distinct from old.status then
        insert into file_events (media_file_id, entity, from_state, to_state, detail, evidence)
        values (new.id, 'media_file', old.status, new.status, new.error,
                case when new.status = 'verified' then new.verify_evidence end);
    end if;
    return null;
end $$;
