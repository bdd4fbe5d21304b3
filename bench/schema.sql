-- pgpx-bench schema (spec section 4.2). Deterministic: every value is a fixed function of
-- the row id (the "seed" is baked into the constants), generated server-side.
-- psql variables: :wide_rows (1000000 in --full; fewer in --quick).
\set ON_ERROR_STOP 1
set client_min_messages = warning;
create extension if not exists pg_prewarm;

-- person: point select (mirrors go_db_bench). 100k rows.
create table person (
  id int8 primary key, first_name text not null, last_name text not null, sex text not null,
  birth_date date not null, weight int4 not null, height int4 not null, update_time timestamptz not null);
insert into person
select g, substr(md5(g::text || 'f'), 1, 5 + (g % 8)::int), substr(md5(g::text || 'l'), 1, 5 + (g * 7 % 8)::int),
       case when g % 2 = 0 then 'M' else 'F' end, date '1950-01-01' + (g * 37 % 20000)::int,
       (40 + g * 13 % 80)::int4, (140 + g * 17 % 60)::int4,
       timestamptz '2020-01-01 00:00:00+00' + make_interval(secs => g * 7919 % 100000000)
from generate_series(1::int8, 100000) g;

-- wide_row: fetch. 16 columns, about 220 bytes a row.
create table wide_row (
  id int8 primary key, a int4 not null, b int4 not null, c int2 not null, d int8 not null,
  f1 float8 not null, f2 float4 not null, flag bool not null, s_short text not null, s_med text not null,
  vc varchar(32) not null, ts timestamptz not null, dt date not null, u uuid not null,
  amount numeric(12,2) not null, blob bytea not null);
insert into wide_row
select g, (g * 48271 % 1000000)::int4, (g * 16807 % 1000000)::int4, ((g * 31 % 65536) - 32768)::int2,
       g * 2654435761 % 1000000000, (g * 7 % 100000) / 4.0, ((g * 11 % 10000) / 4.0)::float4, g % 3 = 0,
       substr(md5(g::text) || md5(g::text), 1, 8 + (g % 9)::int),
       substr(md5(g::text || 'm') || md5(g::text || 'n') || md5(g::text || 'o'), 1, 40 + (g % 41)::int),
       substr(md5(g::text || 'v'), 1, 10 + (g % 23)::int),
       timestamptz '2020-01-01 00:00:00+00' + make_interval(secs => g * 1009 % 50000000),
       date '2000-01-01' + (g % 10000)::int, md5(g::text || 'u')::uuid,
       ((g * 7919 % 100000000) / 100.0)::numeric(12,2),
       decode(md5(g::text || 'b') || md5(g::text || 'c'), 'hex')
from generate_series(1::int8, :wide_rows) g;

-- wide_row_nonum: the same without numeric and with text instead of uuid (100k rows).
create table wide_row_nonum as
select id, a, b, c, d, f1, f2, flag, s_short, s_med, vc, ts, dt, u::text as u, blob
from wide_row where id <= 100000;
alter table wide_row_nonum add primary key (id);

-- docs: JSON and arrays. 10k rows.
create table docs (id int8 primary key, j jsonb not null, ia int4[] not null, ta text[] not null, fa float8[] not null);
insert into docs
select g,
       jsonb_build_object('id', g, 'name', md5(g::text), 'k2', g % 97, 'k3', md5(g::text || 'x'), 'k4', g % 2 = 0,
                          'k5', (g % 1000) / 4.0, 'k6', md5(g::text || 'y'), 'k7', null,
                          'k8', 'a fixed string value of medium size', 'arr', jsonb_build_array(g, g + 1, g + 2, g + 3, g + 4)),
       array(select (g * i * 7919 % 100000)::int4 from generate_series(1, 100) i),
       array(select substr(md5(g::text || i::text), 1, 8) from generate_series(1, 10) i),
       array(select ((g * i % 1000) / 4.0)::float8 from generate_series(1, 16) i)
from generate_series(1::int8, 10000) g;

-- ms_arrays: MagicStack's arrays case, 10 rows of int4[1000].
create table ms_arrays (id int4 primary key, a int4[] not null);
insert into ms_arrays select g, array(select (g * 1000 + i)::int4 from generate_series(1, 1000) i) from generate_series(1, 10) g;

-- bytes1k: 100 rows of 1000-byte bytea (MagicStack large_object); large single values.
create table bytes1k (id int4 primary key, b bytea not null);
insert into bytes1k
select g, substring(decode(string_agg(md5(g::text || i::text), ''), 'hex') from 1 for 1000)
from generate_series(1, 100) g, generate_series(1, 63) i group by g;
create table large_text (id int4 primary key, t text not null);
insert into large_text select 1, string_agg(md5(i::text), '' order by i) from generate_series(1, 2048) i;
create table large_bytea (id int4 primary key, b bytea not null);
insert into large_bytea select 1, decode(string_agg(md5(i::text), '' order by i), 'hex') from generate_series(1, 262144) i;

-- Insert targets (unlogged, truncated by the runners before each cell).
create unlogged table ins7 (a int4, b int4, c int4, d text, e float8, f int4, g text);
create unlogged table event (
  id bigserial primary key, u uuid not null, ts timestamptz not null, name text not null, note text not null,
  attrs jsonb not null, qty int4 not null, big int8 not null, score float8 not null, ok bool not null,
  price numeric not null, tags int4[] not null);

-- W6: heterogeneous unit of work.
create unlogged table w6_acct (id int8 primary key, v int8 not null);
insert into w6_acct select g, 0 from generate_series(1::int8, 10000) g;
create unlogged table w6_log (unit int8 not null, k int4 not null, note text not null);

-- W11: entities with a one-to-many relation (10 children each).
create table owner (id int8 primary key, name text not null, email text not null, created timestamptz not null,
                    score int4 not null);
insert into owner select g, 'owner ' || g, 'o' || g || '@example.org',
       timestamptz '2021-01-01 00:00:00+00' + make_interval(secs => g * 613 % 30000000), (g % 1000)::int4
from generate_series(1::int8, 10000) g;
create table pet (id int8 primary key, owner_id int8 not null references owner(id), name text not null, age int4 not null);
insert into pet select (o - 1) * 10 + k, o, 'pet ' || o || '/' || k, ((o + k) % 20)::int4
from generate_series(1::int8, 10000) o, generate_series(1, 10) k;
create index pet_owner on pet(owner_id);

vacuum analyze;
select sum(pg_prewarm(c.oid::regclass)) as prewarmed_blocks from pg_class c
where c.relkind in ('r', 'i', 't') and c.relnamespace = 'public'::regnamespace;
