-- Compression, second round (issue 5): the quality ladder and failure retries.
--   compress_crf:      the CRF of the video encode that was kept (or of the last one tried); a video whose
--                      SSIM is below the gate at the configured CRF is encoded again at a lower (better) one.
--   compress_attempts: encodes made for the current decision (1 = the first CRF passed; 0 = no encode).
--   compress_failures: how many times the stage failed on this file (crash, timeout, disk full, bad input);
--                      a failed file is retried on the next start or requeue pass while this is below
--                      pipeline.compress.max-failures, then it stays failed until someone looks.
alter table media_files
    add column compress_crf      integer check (compress_crf between 0 and 63),
    add column compress_attempts integer not null default 0 check (compress_attempts >= 0),
    add column compress_failures integer not null default 0 check (compress_failures >= 0);

comment on column media_files.compress_crf is 'CRF of the video encode behind compress_decision (the last one tried if refused)';
comment on column media_files.compress_attempts is 'encodes made for the current compress decision (the SSIM ladder)';
comment on column media_files.compress_failures is 'times the compress stage failed on this file; retried below pipeline.compress.max-failures';
