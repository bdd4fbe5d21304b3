-- pgpx: no-transaction
-- pgpx: lock-timeout=2s
create index concurrently notes_body on example_migrate.notes (body);
