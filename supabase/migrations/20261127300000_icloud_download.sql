-- iCloud download (issue 4): per-account state for scheduling, backoff and login, every attempt
-- with its classified outcome, and which downloaded files were handed to the inbox.

-- One row per configured account. state: ready (attempts allowed), backing-off (next_attempt_at in the
-- future after a failure or throttling), auth-needed (no attempts until a code or a new session arrives).
create table icloud_accounts (
    account                text primary key,
    state                  text        not null default 'ready'
        check (state in ('ready', 'backing-off', 'auth-needed')),
    consecutive_failures   integer     not null default 0,
    consecutive_throttles  integer     not null default 0,
    next_attempt_at        timestamptz,
    last_outcome           text,
    last_message           text,
    last_attempt_at        timestamptz,
    last_success_at        timestamptz,
    auth_needed_since      timestamptz,
    session_expires_at     timestamptz,
    updated_at             timestamptz not null default now()
);

-- Every start of icloudpd (downloads and logins); the circuit breaker counts these per hour.
create table icloud_attempts (
    id           bigint generated always as identity primary key,
    account      text        not null,
    kind         text        not null check (kind in ('scheduled', 'retry', 'startup', 'login')),
    started_at   timestamptz not null default now(),
    finished_at  timestamptz,
    outcome      text check (outcome in ('success', 'partial', 'auth-needed', 'throttled', 'bad-arguments',
                                         'failed', 'stopped')),
    exit_code    integer,
    downloaded   integer,
    message      text
);
create index icloud_attempts_account_idx on icloud_attempts (account, started_at);

-- Files icloudpd finished (renamed from .part) that were linked into inbox/icloud/<account>/.
-- icloudpd keeps its own copy in icloud/<account>/ so that it knows what it already downloaded.
create table icloud_files (
    account        text        not null,
    relative_path  text        not null,
    size           bigint      not null,
    handed_at      timestamptz not null default now(),
    primary key (account, relative_path)
);

alter table icloud_accounts enable row level security;
alter table icloud_attempts enable row level security;
alter table icloud_files enable row level security;

do $$
begin
    if exists (select 1 from pg_roles where rolname = 'anon') then
        execute 'revoke all on icloud_accounts, icloud_attempts, icloud_files from anon';
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
        execute 'revoke all on icloud_accounts, icloud_attempts, icloud_files from authenticated';
    end if;
end $$;
