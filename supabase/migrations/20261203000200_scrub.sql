-- The scrub: every archived file's copies are read again once per cycle (media_files.scrubbed_at says when a file
-- was last read in full), what changed, vanished or could not be read is a finding, and each run's share and
-- throughput is recorded (scrub_runs) for coverage and for doctor. Runs on plain PostgreSQL and on Supabase.

alter table media_files add column scrubbed_at timestamptz;
comment on column media_files.scrubbed_at is 'when the scrub last read every copy of this file in full (null: never)';
-- the scrub picks the oldest first, nulls first
create index media_files_scrubbed_idx on media_files (scrubbed_at nulls first)
    where status in ('archived', 'verified', 'cleaned');

-- The verify migration adds these; repeated here (without effect after it) so the scrub also runs on a schema
-- without it: the compressed copy's hash, and the way from cleaned to error for a cleaned file whose original rotted.
alter table media_files add column if not exists compressed_sha256 text;
insert into media_status_transitions (from_status, to_status) values ('cleaned', 'error'), ('error', 'cleaned')
    on conflict do nothing;

create table scrub_runs (
    id            bigint generated always as identity primary key,
    node          text        not null,
    started_at    timestamptz not null,
    finished_at   timestamptz,
    planned       integer     not null default 0,
    files         integer     not null default 0,
    bytes         bigint      not null default 0,
    seconds       numeric(12, 3),
    findings      integer     not null default 0,
    restored      integer     not null default 0,
    outcome       text        check (outcome in ('done', 'paused', 'failed')),
    note          text
);
create index scrub_runs_started_idx on scrub_runs (started_at);

create table scrub_findings (
    id              bigint generated always as identity primary key,
    media_file_id   uuid        not null references media_files (id),
    copy            text        not null check (copy in ('original', 'archive', 'compressed')),
    path            text        not null,
    kind            text        not null check (kind in ('changed', 'vanished', 'unreadable')),
    expected_sha256 text,
    found_sha256    text,
    expected_size   bigint,
    found_size      bigint,
    detail          text,
    state           text        not null default 'open' check (state in ('open', 'restored', 'resolved')),
    restored_from   text,
    set_aside_path  text,
    run_id          bigint references scrub_runs (id),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
-- the same damage is reported once: one open finding per copy and kind
create unique index scrub_findings_open_idx on scrub_findings (media_file_id, path, kind) where state = 'open';
create index scrub_findings_state_idx on scrub_findings (state);

alter table scrub_runs enable row level security;
alter table scrub_findings enable row level security;

do $$
begin
    if exists (select 1 from pg_roles where rolname = 'anon') then
        execute 'revoke all on scrub_runs, scrub_findings from anon';
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
        execute 'revoke all on scrub_runs, scrub_findings from authenticated';
    end if;
end $$;
