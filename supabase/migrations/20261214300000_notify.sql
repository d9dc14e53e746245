-- Notifications (routes/95-notify). Every notice is written here first, one row per channel, in the same
-- transaction that records why it was made (the failures cursor, an attention announced), so a restart neither
-- sends a notice twice nor loses one. A notice stays unsent (sent_at empty) until its channel accepted it; a
-- failed send is retried on the next tick. Notices held back by the hourly limit are folded into the next message
-- (folded_into names the row that carried them).
create table notify_outbox (
    id           bigint generated always as identity primary key,
    channel      text        not null,
    kind         text        not null check (kind in ('attention', 'reminder', 'resolved', 'failures', 'summary')),
    title        text        not null,
    body         text        not null,
    priority     integer     not null default 3 check (priority between 1 and 5),
    created_at   timestamptz not null,
    sent_at      timestamptz,
    folded_into  bigint references notify_outbox (id),
    attempts     integer     not null default 0,
    last_error   text
);
create index notify_outbox_unsent_idx on notify_outbox (channel, id) where sent_at is null;
create index notify_outbox_sent_idx on notify_outbox (channel, sent_at) where folded_into is null;

-- What needs a person and was announced: a reminder when reminded_at is remind-hours old, "resolved" when it clears.
create table notify_attention (
    key          text        primary key,
    kind         text        not null,
    subject      text        not null,
    message      text        not null,
    noticed_at   timestamptz not null,
    reminded_at  timestamptz not null
);

-- How far file_events was read for the failures notice (the last event id already composed into one).
create table notify_cursor (
    name           text        primary key,
    last_event_id  bigint      not null,
    updated_at     timestamptz not null
);

alter table notify_outbox enable row level security;
alter table notify_attention enable row level security;
alter table notify_cursor enable row level security;

-- Supabase only: the public API roles get nothing here (the outbox holds what was sent to the household's phones).
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'anon') then
        execute 'revoke all on notify_outbox, notify_attention, notify_cursor from anon';
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
        execute 'revoke all on notify_outbox, notify_attention, notify_cursor from authenticated';
    end if;
end $$;
