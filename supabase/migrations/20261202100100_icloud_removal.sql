-- Removal of an original from iCloud Photos (records/modify isDeleted=1: the owner's "Recently Deleted",
-- recoverable for 30 days). One row per plan: what was matched as the original asset of a media file and with
-- which change tag, or why it must never be deleted; then what happened when an approved plan was carried out.
-- state: planned (a match; dry_run plans are a listing only), removing (the delete is under way; a row left
-- here after a crash has an unknown outcome: read the asset back), removed (read back as deleted),
-- refused (a safety rule said no; reason says which), failed (the service failed; reason says how).
create table icloud_removals (
    id             bigint generated always as identity primary key,
    media_file_id  uuid        not null references media_files (id),
    account        text,
    asset_record   text,
    master_record  text,
    change_tag     text,
    matched        text,
    state          text        not null check (state in ('planned', 'removing', 'removed', 'refused', 'failed')),
    reason         text,
    dry_run        boolean     not null,
    approved_by    text,
    approval       text,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now()
);
create index icloud_removals_media_idx on icloud_removals (media_file_id);
create index icloud_removals_state_idx on icloud_removals (state);

-- Every plan and every outcome goes into the file's history, like the other state changes.
create function icloud_removals_event() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' then
        new.updated_at := now();
    end if;
    if tg_op = 'INSERT' or new.state is distinct from old.state then
        insert into file_events (media_file_id, entity, from_state, to_state, detail)
        values (new.media_file_id, 'icloud-removal', case when tg_op = 'UPDATE' then old.state end, new.state,
                coalesce(new.reason, new.asset_record));
    end if;
    return new;
end $$;
create trigger icloud_removals_event before insert or update on icloud_removals
    for each row execute function icloud_removals_event();

alter table icloud_removals enable row level security;

do $$
begin
    if exists (select 1 from pg_roles where rolname = 'anon') then
        execute 'revoke all on icloud_removals from anon';
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
        execute 'revoke all on icloud_removals from authenticated';
    end if;
end $$;
