-- pgpx: no-transaction
drop index concurrently example_migrate.notes_body;
