-- pgpx: lint-ignore=DS102 reason="the example leaves the database as it found it"
drop schema if exists example_migrate cascade;
