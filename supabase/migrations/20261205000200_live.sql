-- Live Photo pairing looks for the other half of each new original among the unpaired photos and videos: by the
-- Apple content identifier (media_files_content_id_idx), else by the same folder and name stem (IMG_0100.HEIC with
-- IMG_0100_HEVC.MOV or IMG_0100.MOV). This index makes the name look-up a probe instead of a scan of every
-- unpaired file for every file ingested (an old archive has 100,000 files and more). The expression is the one
-- ingest/LivePhotos queries, character for character.
create index media_files_live_stem_idx on media_files
    (lower(regexp_replace(regexp_replace(original_name, '\.[^.]*$', ''), '_hevc$', '', 'i')))
    where live_pair_id is null and kind in ('photo', 'video');
