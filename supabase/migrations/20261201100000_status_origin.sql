-- The status machine, tightened: a file in error may go back only to the state it failed in (recorded
-- by the trigger in error_from), and a new row must start as 'ingesting', the only first state the code
-- inserts. Runs on plain PostgreSQL (Flyway or psql in file order) and on Supabase.

alter table media_files
    add column error_from text
        check (error_from in ('ingesting', 'ingested', 'archived', 'verified', 'cleaned'));
comment on column media_files.error_from is
    'the status a file in error failed in; set by the trigger, the only status it may return to';

-- Files already in error: the history (written by trigger since the first migration) says where from;
-- without it, a file with an original failed after ingest, one without before it.
update media_files m
   set error_from = coalesce((select e.from_state from file_events e
                               where e.media_file_id = m.id and e.entity = 'media_file' and e.to_state = 'error'
                               order by e.id desc limit 1),
                             case when m.original_path is null then 'ingesting' else 'ingested' end)
 where m.status = 'error';

-- verified -> error existed without its way back.
insert into media_status_transitions (from_status, to_status) values ('error', 'verified')
    on conflict do nothing;

create or replace function media_files_guard() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        if new.status is distinct from 'ingesting' then
            raise exception 'illegal first status % for media file % (a new file starts as ingesting)',
                new.status, new.sha256 using errcode = 'check_violation';
        end if;
        new.error_from := null;
    elsif new.status is distinct from old.status then
        if not exists (select 1 from media_status_transitions t
                       where t.from_status = old.status and t.to_status = new.status) then
            raise exception 'illegal status transition % -> % for media file %', old.status, new.status, old.id
                using errcode = 'check_violation';
        end if;
        if new.status = 'error' then
            new.error_from := old.status;
        elsif old.status = 'error' then
            if old.error_from is null or new.status <> old.error_from then
                raise exception 'illegal status transition error -> % for media file %: it failed while %, so it may only return to %',
                    new.status, old.id, coalesce(old.error_from, 'unknown'), coalesce(old.error_from, 'nothing')
                    using errcode = 'check_violation';
            end if;
            new.error_from := null;
        end if;
    else
        -- only the trigger writes the origin
        new.error_from := old.error_from;
    end if;
    new.updated_at := now();
    return new;
end $$;

drop trigger media_files_guard on media_files;
create trigger media_files_guard before insert or update on media_files
    for each row execute function media_files_guard();
