-- The ledger: one row per unique content (media_files), one row per input the pipeline has seen
-- (source_files), and an append-only history of every state change (file_events).
-- Runs on plain PostgreSQL (the embedded default) and on Supabase; Supabase-only objects are guarded.

create extension if not exists pgcrypto;  -- gen_random_uuid() on PostgreSQL < 13 and digest() for checks

-- A run is one pass of the pipeline (`once`) or one busy period of the service; reports are per run.
create table runs (
    id           bigint generated always as identity primary key,
    mode         text        not null check (mode in ('once', 'run', 'backfill', 'demo')),
    node         text        not null,
    started_at   timestamptz not null default now(),
    finished_at  timestamptz,
    report_path  text,
    counts       jsonb
);

-- The lifecycle of a unique file. Side branches (compression, per-target deliveries) have their own
-- columns and table; this status is the main line that cleanup relies on.
create table media_files (
    id                   uuid primary key default gen_random_uuid(),
    sha256               text        not null unique check (sha256 ~ '^[0-9a-f]{64}$'),
    size                 bigint      not null check (size > 0),
    kind                 text        not null check (kind in ('photo', 'video')),
    format               text        not null,
    mime_type            text,
    extension            text        not null,
    source               text        not null,
    original_name        text        not null,
    source_path          text,
    captured_at          timestamptz,
    capture_offset_min   integer,
    capture_source       text,
    width                integer,
    height               integer,
    duration_seconds     numeric(12, 3),
    rotation             integer check (rotation in (0, 90, 180, 270)),
    has_gps              boolean     not null default false,
    latitude             double precision,
    longitude            double precision,
    make                 text,
    model                text,
    content_identifier   text,
    live_pair_id         uuid references media_files (id),
    perceptual_hash      bigint,
    original_path        text,
    compressed_path      text,
    archive_path         text,
    original_size        bigint,
    compressed_size      bigint,
    space_saved          bigint,
    compression_ratio    numeric(8, 4),
    codec                text,
    ssim                 numeric(6, 5),
    compress_decision    text,
    compressions         integer     not null default 0,
    status               text        not null default 'ingesting'
        check (status in ('ingesting', 'ingested', 'archived', 'verified', 'cleaned', 'error')),
    error                text,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now()
);
create index media_files_status_idx on media_files (status);
create index media_files_captured_idx on media_files (captured_at);
create index media_files_name_idx on media_files (original_name);
create index media_files_content_id_idx on media_files (content_identifier) where content_identifier is not null;

-- The state machine: only these transitions are legal; anything else is a bug and fails loudly.
create table media_status_transitions (
    from_status text not null,
    to_status   text not null,
    primary key (from_status, to_status)
);
insert into media_status_transitions (from_status, to_status) values
    ('ingesting', 'ingested'),
    ('ingested',  'archived'),
    ('archived',  'verified'),
    ('verified',  'cleaned'),
    ('ingesting', 'error'),
    ('ingested',  'error'),
    ('archived',  'error'),
    ('verified',  'error'),
    ('error',     'ingesting'),
    ('error',     'ingested'),
    ('error',     'archived');

-- Every input seen: the original copy, each duplicate and each quarantined file has exactly one row
-- here, saying where the file is now. source_key identifies an input (path, size, mtime).
create table source_files (
    id             bigint generated always as identity primary key,
    run_id         bigint references runs (id),
    source         text        not null,
    source_key     text        not null unique,
    source_path    text        not null,
    size           bigint,
    sha256         text,
    disposition    text        not null default 'pending'
        check (disposition in ('pending', 'imported', 'duplicate', 'quarantined')),
    media_file_id  uuid references media_files (id),
    place          text,
    reason         text,
    attempts       integer     not null default 0,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now()
);
create index source_files_run_idx on source_files (run_id);
create index source_files_sha_idx on source_files (sha256);

create table duplicate_files (
    id                bigint generated always as identity primary key,
    original_file_id  uuid        not null references media_files (id),
    source_file_id    bigint references source_files (id),
    duplicate_path    text        not null,
    source_path       text,
    kind              text        not null check (kind in ('exact', 'near')),
    distance          integer     not null default 0,
    created_at        timestamptz not null default now(),
    unique (original_file_id, duplicate_path)
);

create table batches (
    id            uuid primary key default gen_random_uuid(),
    target        text        not null check (target in ('pixel', 'icloud')),
    status        text        not null default 'open' check (status in ('open', 'staged', 'sent', 'confirmed', 'failed')),
    folder        text,
    file_count    integer     not null default 0,
    total_bytes   bigint      not null default 0,
    created_at    timestamptz not null default now(),
    completed_at  timestamptz
);

create table deliveries (
    id             bigint generated always as identity primary key,
    media_file_id  uuid        not null references media_files (id),
    target         text        not null check (target in ('pixel', 'icloud')),
    batch_id       uuid references batches (id),
    state          text        not null default 'staged' check (state in ('staged', 'sent', 'confirmed', 'failed')),
    staged_path    text,
    evidence       jsonb,
    attempts       integer     not null default 0,
    last_error     text,
    confirmed_at   timestamptz,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    unique (media_file_id, target)
);

create table pipeline_logs (
    id             bigint generated always as identity primary key,
    run_id         bigint references runs (id),
    stage          text        not null,
    level          text        not null check (level in ('debug', 'info', 'warn', 'error')),
    message        text        not null,
    media_file_id  uuid references media_files (id),
    source_path    text,
    created_at     timestamptz not null default now()
);
create index pipeline_logs_stage_idx on pipeline_logs (stage, level);

-- Append-only history of every state transition, written by triggers so no code path can skip it.
create table file_events (
    id              bigint generated always as identity primary key,
    media_file_id   uuid references media_files (id),
    source_file_id  bigint references source_files (id),
    entity          text        not null,
    from_state      text,
    to_state        text        not null,
    detail          text,
    created_at      timestamptz not null default now()
);
create index file_events_media_idx on file_events (media_file_id);

-- Camel's JDBC idempotent repository (JdbcMessageIdRepository); messageId is text because
-- absolute-path keys outgrow the documented varchar(100).
create table camel_messageprocessed (
    processorname  text      not null,
    messageid      text      not null,
    createdat      timestamp not null default now(),
    primary key (processorname, messageid)
);

create function media_files_guard() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' and new.status is distinct from old.status then
        if not exists (select 1 from media_status_transitions t
                       where t.from_status = old.status and t.to_status = new.status) then
            raise exception 'illegal status transition % -> % for media file %', old.status, new.status, old.id
                using errcode = 'check_violation';
        end if;
    end if;
    new.updated_at := now();
    return new;
end $$;
create trigger media_files_guard before update on media_files
    for each row execute function media_files_guard();

create function media_files_event() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into file_events (media_file_id, entity, from_state, to_state, detail)
        values (new.id, 'media_file', null, new.status, new.source_path);
    elsif new.status is distinct from old.status then
        insert into file_events (media_file_id, entity, from_state, to_state, detail)
        values (new.id, 'media_file', old.status, new.status, new.error);
    end if;
    return null;
end $$;
create trigger media_files_event after insert or update on media_files
    for each row execute function media_files_event();

create function source_files_event() returns trigger language plpgsql as $$
begin
    new.updated_at := now();
    if tg_op = 'UPDATE' and new.disposition is distinct from old.disposition then
        insert into file_events (media_file_id, source_file_id, entity, from_state, to_state, detail)
        values (new.media_file_id, new.id, 'source_file', old.disposition, new.disposition,
                coalesce(new.reason, new.place));
    end if;
    return new;
end $$;
create trigger source_files_event before update on source_files
    for each row execute function source_files_event();

create function deliveries_event() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.state is distinct from old.state then
        insert into file_events (media_file_id, entity, from_state, to_state, detail)
        values (new.media_file_id, 'delivery:' || new.target,
                case when tg_op = 'UPDATE' then old.state end, new.state, new.last_error);
    end if;
    return null;
end $$;
create trigger deliveries_event after insert or update on deliveries
    for each row execute function deliveries_event();

create function file_events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'file_events is append-only';
end $$;
create trigger file_events_append_only before update or delete on file_events
    for each row execute function file_events_append_only();

-- Row-level security on every table. The app connects as the table owner (embedded) or as Supabase's
-- service role, both of which bypass RLS; no policy is granted to anon, so the anon key sees nothing.
alter table runs enable row level security;
alter table media_files enable row level security;
alter table media_status_transitions enable row level security;
alter table source_files enable row level security;
alter table duplicate_files enable row level security;
alter table batches enable row level security;
alter table deliveries enable row level security;
alter table pipeline_logs enable row level security;
alter table file_events enable row level security;
alter table camel_messageprocessed enable row level security;

-- Supabase only: make sure the public API roles hold no privileges on the ledger.
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'anon') then
        execute 'revoke all on all tables in schema public from anon';
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
        execute 'revoke all on all tables in schema public from authenticated';
    end if;
end $$;
