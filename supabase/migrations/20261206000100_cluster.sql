-- Several nodes on one ledger. Times come from the database's clock (now(), clock_timestamp()), never a node's,
-- so the machines' clocks may disagree without two nodes believing they hold the same lease.
--
-- cluster_leases: who leads each namespace of singleton work (an iCloud account's download, the scrub, ...).
-- A node takes a row whose lease expired (or that it holds) and renews it before it expires; epoch grows by one on
-- every takeover, so a leadership is named by (namespace, epoch).
create table cluster_leases (
    namespace   text        primary key,
    node        text        not null,
    epoch       bigint      not null check (epoch > 0),
    expires_at  timestamptz not null
);

-- cluster_events: one row per leadership (acquired) and per release, append-only, so "one node at a time" can be
-- proven afterwards: an acquired row's held_until follows its renewals (the database's promise to that node), and
-- no two leaderships of a namespace may overlap in [at, held_until].
create table cluster_events (
    id          bigint      generated always as identity primary key,
    namespace   text        not null,
    node        text        not null,
    epoch       bigint      not null,
    event       text        not null check (event in ('acquired', 'released')),
    at          timestamptz not null default clock_timestamp(),
    held_until  timestamptz
);
create unique index cluster_events_acquired_idx on cluster_events (namespace, epoch) where event = 'acquired';

-- work_claims: a file a node works on (stage = the queue or source, key = the file). Taken when no claim exists or
-- the old one expired, renewed while the work runs; a finished file's claim stays until it expires, so a node
-- that listed the folder before the file was done does not take it again meanwhile.
create table work_claims (
    stage       text        not null,
    key         text        not null,
    node        text        not null,
    expires_at  timestamptz not null,
    done        boolean     not null default false,
    primary key (stage, key)
);
create index work_claims_expires_idx on work_claims (expires_at);

-- Like every ledger table: only the pipeline's own role, never Supabase's API roles.
alter table cluster_leases enable row level security;
alter table cluster_events enable row level security;
alter table work_claims enable row level security;

do $$
begin
    if exists (select 1 from pg_roles where rolname = 'anon') then
        execute 'revoke all on cluster_leases, cluster_events, work_claims from anon';
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
        execute 'revoke all on cluster_leases, cluster_events, work_claims from authenticated';
    end if;
end $$;
