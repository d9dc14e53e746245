-- Motion Photos for the Pixel: with pipeline.target.pixel.motion-photos on, a Live Photo pair goes to
-- the phone as ONE file, a Google Motion Photo (the still as a JPEG with the movie appended). Both halves keep their
-- own delivery row, and both rows point at that one file (staged_path, staged_size), so the phone's copy of it
-- confirms both. What was delivered is recorded, so a proof never mistakes the Motion Photo for the original's bytes:
--   delivered_as      'original' (the file's own bytes) or 'motion-photo' (the combined file)
--   delivered_sha256  the SHA-256 of the delivered file when it is not the original (the Motion Photo's)
--   delivered_with    the other half whose delivery is the same file
alter table deliveries add column delivered_as text not null default 'original'
    check (delivered_as in ('original', 'motion-photo'));
alter table deliveries add column delivered_sha256 text;
alter table deliveries add column delivered_with uuid references media_files (id);
alter table deliveries add constraint deliveries_motion_photo_described
    check (delivered_as = 'original' or (delivered_sha256 is not null and delivered_with is not null));
-- delivered_with references media_files: without an index, deleting or re-keying a media file scans deliveries
create index deliveries_delivered_with_idx on deliveries (delivered_with) where delivered_with is not null;
