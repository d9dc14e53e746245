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

-- Which transaction wrote each event. Ids and times are handed out when a transaction starts writing, not when it
-- commits, so a reader going by id or time can pass an event that commits later and never see it. A transaction id
-- below pg_snapshot_xmin(pg_current_snapshot()) belongs to a finished transaction: events read in (txid, id) order
-- up to there never gain an older neighbour. Rows from before this column stay empty (read as already seen).
alter table file_events add column txid xid8;
alter table file_events alter column txid set default pg_current_xact_id();
comment on column file_events.txid is 'the top-level transaction that wrote the event (pg_current_xact_id())';
create index file_events_txid_idx on file_events (txid, id);

-- How far file_events was read for the failures notice: the (txid, id) of the last event already composed into one.
create table notify_cursor (
    name           text        primary key,
    last_txid      xid8        not null,
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
