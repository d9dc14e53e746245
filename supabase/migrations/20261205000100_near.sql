-- Near-duplicates (similar package). A near pair is one duplicate_files row of kind 'near': original_file_id is the
-- file that was in the index first, near_file_id the other one, distance the Hamming distance of their 64-bit
-- perceptual hashes; duplicate_path (not null in the old table) is 'near:' and near_file_id, not a path: where that
-- file is lives in its media_files row, and a path could collide with an exact duplicate's under the table's
-- unique (original_file_id, duplicate_path). Nothing is moved or deleted because of such a row.
alter table duplicate_files add column near_file_id uuid references media_files (id);
alter table duplicate_files add constraint duplicate_files_near_file_check
    check ((kind = 'near') = (near_file_id is not null));
-- one row per unordered pair, whichever node found it and in whichever order
create unique index duplicate_files_near_pair_idx on duplicate_files
    (least(original_file_id, near_file_id), greatest(original_file_id, near_file_id)) where kind = 'near';
create index duplicate_files_near_file_idx on duplicate_files (near_file_id) where kind = 'near';
create index duplicate_files_near_created_idx on duplicate_files (created_at) where kind = 'near';

-- Which transaction gave a file its perceptual hash. Each node keeps the hashes in memory and reads what changed
-- since it last looked; a transaction id below pg_snapshot_xmin(pg_current_snapshot()) has finished, so reading in
-- txid order from the last xmin seen never passes a hash that commits later (times and sequences would).
alter table media_files add column hash_txid xid8;
create index media_files_hash_txid_idx on media_files (hash_txid) where perceptual_hash is not null;

create function media_files_hash_txid() returns trigger language plpgsql as $$
begin
    if new.perceptual_hash is not null and (tg_op = 'INSERT' or new.perceptual_hash is distinct from old.perceptual_hash) then
        new.hash_txid := pg_current_xact_id();
    end if;
    return new;
end $$;
create trigger media_files_hash_txid before insert or update of perceptual_hash on media_files
    for each row execute function media_files_hash_txid();

-- Whether a file's near pairs have been recorded: set in the same transaction as its pairs and groups, so a file
-- hashed but not checked (a crash between the commit of its row and that step) is found again by the background pass,
-- as are files registered before hashes were made.
alter table media_files add column near_checked boolean not null default false;
create index media_files_near_pending_idx on media_files (created_at) where not near_checked;

-- Per group of near-duplicates (files connected by near pairs): the file suggested to keep and why, for review in
-- the run report and the dashboard. keeper_id names the group; reason says why this member is or is not the one.
create table near_groups (
    media_file_id  uuid        primary key references media_files (id),
    keeper_id      uuid        not null references media_files (id),
    keep           boolean     not null,
    reason         text        not null,
    updated_at     timestamptz not null default now()
);
create index near_groups_keeper_idx on near_groups (keeper_id);
alter table near_groups enable row level security;

do $$
begin
    if exists (select 1 from pg_roles where rolname = 'anon') then
        execute 'revoke all on near_groups from anon';
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
        execute 'revoke all on near_groups from authenticated';
    end if;
end $$;
