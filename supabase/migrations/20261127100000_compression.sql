-- Compression stage (issue 5): what the compress stage decided for each file, at which age tier,
-- and why. The size/ratio/codec/ssim columns already exist in media_files; these complete them.
--   compress_decision: compressed (the smaller copy is kept), original (an encode was tried and the
--   gate refused it: the original is used), skipped (not worth trying: already efficient, HEIC, PNG...),
--   failed (bad input, crash, timeout, disk full: the original is used and nothing half-written stays).
alter table media_files
    add column compress_reason text,
    add column compress_tier   integer check (compress_tier > 0),
    add column compressed_at   timestamptz;

alter table media_files
    add constraint media_files_compress_decision_check
        check (compress_decision in ('compressed', 'original', 'skipped', 'failed'));

comment on column media_files.compress_tier is
    'short side (pixels) the video was encoded for: min(age tier, source short side); a new tier re-encodes from the original';
comment on column media_files.compressions is 'how many times a compressed copy was made from the original';

create index media_files_compress_pending_idx on media_files (created_at) where compress_decision is null;
