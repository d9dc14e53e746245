-- Pixel delivery through Syncthing (issue 6): batches get a folder name and the times they were closed
-- and scanned; a delivery remembers what was staged (size, Syncthing's global version after the scan),
-- the last check's outcome, and the hold that protects a confirmed file from cleanup until Google
-- Photos has had time to back it up.

alter table batches add column name text;
alter table batches add column closed_at timestamptz;
alter table batches add column scanned_at timestamptz;
alter table batches add column scan_error text;
create unique index batches_target_name_idx on batches (target, name);
create index batches_open_idx on batches (target, status) where status in ('open', 'staged');

alter table deliveries add column staged_size bigint;
alter table deliveries add column staged_version jsonb;
alter table deliveries add column last_check text;
alter table deliveries add column last_checked_at timestamptz;
alter table deliveries add column hold_until timestamptz;
create index deliveries_unconfirmed_idx on deliveries (target, state, batch_id) where state = 'staged';
