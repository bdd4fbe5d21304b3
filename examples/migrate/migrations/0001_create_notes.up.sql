create schema example_migrate;
create table example_migrate.notes (id int8 generated always as identity primary key, body text not null);
