-- Cleanup (issue 13): one row per local removal, written before the file moves. A removal goes to trash/ first:
-- the row is inserted as 'trashing' (the intent, with both paths) and committed, then the file is renamed into
-- trash/ and made durable, then the row becomes 'trashed' with purge_after; the purge deletes it later ('purged').
-- Startup recovery finishes a 'trashing' row whose file reached the trash, undoes one whose file never left
-- ('undone'), and records a file found at neither place as 'error'. 'would-remove' rows are a dry run's listing;
-- 'kept' rows say why a copy that cleanup looked at stays (its bytes differ, a ledger copy is missing).
-- Paths are relative to pipeline.home. Runs on plain PostgreSQL and on Supabase.

-- Verify's columns (20261203000000_verify.sql adds them first where it is applied); repeated here so this file
-- also stands on a ledger without them.
alter table media_files add column if not exists verified_at timestamptz;
alter table media_files add column if not exists verify_evidence jsonb;
insert into media_status_transitions (from_status, to_status) values ('cleaned', 'error'), ('error', 'cleaned')
    on conflict do nothing;

create table local_removals (
    id             bigint generated always as identity primary key,
    media_file_id  uuid        not null references media_files (id),
    run_id         bigint references runs (id),
    kind           text        not null check (kind in ('bridge', 'duplicate', 'work', 'inbox')),
    path           text        not null,
    trash_path     text,
    size           bigint,
    sha256         text,
    state          text        not null
        check (state in ('would-remove', 'kept', 'trashing', 'trashed', 'purged', 'undone', 'error')),
    proof          jsonb,
    reason         text,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    trashed_at     timestamptz,
    purge_after    timestamptz,
    purged_at      timestamptz,
    check (state not in ('trashing', 'trashed', 'purged') or trash_path is not null),
    check (state <> 'trashed' or purge_after is not null)
);
create index local_removals_media_idx on local_removals (media_file_id);
create index local_removals_run_idx on local_removals (run_id);
-- the recovery's and the purge's work
create index local_removals_open_idx on local_removals (state, purge_after) where state in ('trashing', 'trashed');
-- a dry run or a refusal is listed once per copy, however many passes look at it
create unique index local_removals_listed_idx on local_removals (media_file_id, path, state)
    where state in ('would-remove', 'kept');
-- no two removals ever aim at the same place in trash/
create unique index local_removals_trash_idx on local_removals (trash_path)
    where state in ('trashing', 'trashed');

-- Every state change goes into the file's history, as the other tables' do.
create function local_removals_event() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' then
        new.updated_at := now();
    end if;
    if tg_op = 'INSERT' or new.state is distinct from old.state then
        insert into file_events (media_file_id, entity, from_state, to_state, detail)
        values (new.media_file_id, 'removal', case when tg_op = 'UPDATE' then old.state end, new.state,
                new.kind || ' ' || new.path || coalesce(': ' || new.reason, ''));
    end if;
    return new;
end $$;
create trigger local_removals_event before insert or update on local_removals
    for each row execute function local_removals_event();

alter table local_removals enable row level security;

do $$
begin
    if exists (select 1 from pg_roles where rolname = 'anon') then
        execute 'revoke all on local_removals from anon';
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
        execute 'revoke all on local_removals from authenticated';
    end if;
end $$;
