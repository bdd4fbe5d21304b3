// Introspection: one catalog query per kind of object for every selected schema at once,
// rows read by column name into private structs, then assembled by relation oid and sorted
// in C++ (byte order, whatever the database's collation). The only values the queries take
// are schema names: the list of those read, bound as a text[] parameter ($1) (and, to find
// them, the ones asked for and the tracking schema).
//
// PostgreSQL 12 to 17: every column read exists in 12 (attgenerated, pg_sequence, prokind,
// indnkeyatts, conparentid, relispartition). Later additions are deliberately not read
// (indnullsnotdistinct of 15, confdelsetcols of 15, the NOT NULL constraints stored as
// contype 'n' from 17 for domains and 18 for tables: attnotnull and typnotnull say the same).
// Checked by hand on 18 (PGlite): the same catalog but for printed texts (docs/schema.md).
#include <pgpx/schema/introspect.hpp>

#include <pgpx/core/transaction.hpp>
#include <pgpx/error.hpp>
#include <pgpx/types/array.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <type_traits>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pgpx::schema {

namespace {

// The condition that leaves out an object created by an extension; `cls` is its catalog
// (pg_class, pg_type, pg_proc), `id` the expression of its oid.
#define PGPX_NOT_EXTENSION_MEMBER(cls, id)                                                   \
  " not exists (select 1 from pg_catalog.pg_depend dep where dep.classid = 'pg_catalog." cls \
  "'::pg_catalog.regclass and dep.objid = " id " and dep.deptype = 'e') "

constexpr const char* schemas_sql =
    "select n.nspname::text as name, pg_catalog.obj_description(n.oid, 'pg_namespace') as comment"
    " from pg_catalog.pg_namespace n"
    " where case when pg_catalog.cardinality($1::text[]) > 0 then n.nspname = any($1::text[])"
    " else n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'"
    " and n.nspname not like 'pg\\_temp\\_%' and n.nspname <> $2::text end";

struct schema_row {
  std::string name;
  std::optional<std::string> comment;
};

constexpr const char* extensions_sql =
    "select e.extname::text as name, e.extversion::text as version, n.nspname::text as schema"
    " from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace"
    " where n.nspname = any($1::text[])";

struct extension_row {
  std::string name;
  std::string version;
  std::string schema;
};

constexpr const char* relations_sql =
    "select c.oid::int8 as oid, n.nspname::text as schema, c.relname::text as name, c.relkind::text as relkind,"
    " c.relispartition as is_partition, c.relpersistence = 'u' as unlogged,"
    " case when c.relkind = 'p' then pg_catalog.pg_get_partkeydef(c.oid) end as partition_key,"
    " case when c.relispartition then pg_catalog.pg_get_expr(c.relpartbound, c.oid) end as partition_bound,"
    " c.relrowsecurity as row_security, c.relforcerowsecurity as force_row_security,"
    " case when c.relkind in ('v', 'm') then pg_catalog.pg_get_viewdef(c.oid, true) end as view_definition,"
    " c.relispopulated as populated, coalesce(c.reloptions, '{}')::text[] as options,"
    " pg_catalog.obj_description(c.oid, 'pg_class') as comment"
    " from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
    " where c.relkind in ('r', 'p', 'v', 'm') and n.nspname = any($1::text[]) and" PGPX_NOT_EXTENSION_MEMBER("pg_class",
                                                                                                             "c.oid");

struct relation_row {
  std::int64_t oid = 0;
  std::string schema;
  std::string name;
  std::string relkind;
  bool is_partition = false;
  bool unlogged = false;
  std::optional<std::string> partition_key;
  std::optional<std::string> partition_bound;
  bool row_security = false;
  bool force_row_security = false;
  std::optional<std::string> view_definition;
  bool populated = true;
  std::vector<std::string> options;
  std::optional<std::string> comment;
};

constexpr const char* parents_sql =
    "select h.inhrelid::int8 as child, pn.nspname::text as schema, p.relname::text as name,"
    " h.inhseqno::int4 as seq"
    " from pg_catalog.pg_inherits h join pg_catalog.pg_class c on c.oid = h.inhrelid"
    " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
    " join pg_catalog.pg_class p on p.oid = h.inhparent join pg_catalog.pg_namespace pn on pn.oid = p.relnamespace"
    " where c.relkind in ('r', 'p') and n.nspname = any($1::text[])";

struct parent_row {
  std::int64_t child = 0;
  std::string schema;
  std::string name;
  std::int32_t seq = 0;
};

// Columns of tables, views, materialized views and composite types.
constexpr const char* columns_sql =
    "select a.attrelid::int8 as rel, a.attnum::int4 as num, a.attname::text as name,"
    " pg_catalog.format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,"
    " case when a.attgenerated = '' then pg_catalog.pg_get_expr(d.adbin, d.adrelid) end as default_expr,"
    " a.attidentity::text as identity,"
    " case when a.attgenerated <> '' then pg_catalog.pg_get_expr(d.adbin, d.adrelid) end as generated_expr,"
    " case when a.attcollation <> t.typcollation then cn.nspname::text end as collation_schema,"
    " case when a.attcollation <> t.typcollation then co.collname::text end as collation_name,"
    " not a.attislocal as inherited, pg_catalog.col_description(a.attrelid, a.attnum) as comment"
    " from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid"
    " join pg_catalog.pg_namespace n on n.oid = c.relnamespace join pg_catalog.pg_type t on t.oid = a.atttypid"
    " left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum"
    " left join pg_catalog.pg_collation co on co.oid = a.attcollation"
    " left join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace"
    " where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'v', 'm', 'c')"
    " and n.nspname = any($1::text[])";

struct column_row {
  std::int64_t rel = 0;
  std::int32_t num = 0;
  std::string name;
  std::string type;
  bool not_null = false;
  std::optional<std::string> default_expr;
  std::string identity;
  std::optional<std::string> generated_expr;
  std::optional<std::string> collation_schema;
  std::optional<std::string> collation_name;
  bool inherited = false;
  std::optional<std::string> comment;
};

// The sequence settings, shared by sequences and identity columns.
#define PGPX_SEQUENCE_COLUMNS                                                                            \
  " pg_catalog.format_type(s.seqtypid, null) as type, s.seqstart as start, s.seqincrement as increment," \
  " s.seqmin as min, s.seqmax as max, s.seqcache as cache, s.seqcycle as cycle "

constexpr const char* identity_sequences_sql =
    "select d.refobjid::int8 as rel, d.refobjsubid::int4 as num," PGPX_SEQUENCE_COLUMNS
    " from pg_catalog.pg_depend d join pg_catalog.pg_sequence s on s.seqrelid = d.objid"
    " join pg_catalog.pg_class c on c.oid = d.refobjid join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
    " where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"
    " and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.deptype = 'i' and d.refobjsubid > 0"
    " and n.nspname = any($1::text[])";

struct identity_sequence_row {
  std::int64_t rel = 0;
  std::int32_t num = 0;
  std::string type;
  std::int64_t start = 0;
  std::int64_t increment = 0;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::int64_t cache = 0;
  bool cycle = false;
};

constexpr const char* sequences_sql =
    "select c.oid::int8 as oid, n.nspname::text as schema, c.relname::text as name," PGPX_SEQUENCE_COLUMNS
    ", tn.nspname::text as owner_schema, t.relname::text as owner_table, a.attname::text as owner_column,"
    " pg_catalog.obj_description(c.oid, 'pg_class') as comment"
    " from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
    " join pg_catalog.pg_sequence s on s.seqrelid = c.oid"
    " left join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid"
    " and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjsubid > 0 and d.deptype in ('a', 'i')"
    " left join pg_catalog.pg_class t on t.oid = d.refobjid left join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace"
    " left join pg_catalog.pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid"
    " where c.relkind = 'S' and n.nspname = any($1::text[]) and (d.deptype is null or d.deptype = 'a') and" PGPX_NOT_EXTENSION_MEMBER(
        "pg_class", "c.oid");

struct sequence_row {
  std::int64_t oid = 0;
  std::string schema;
  std::string name;
  std::string type;
  std::int64_t start = 0;
  std::int64_t increment = 0;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::int64_t cache = 0;
  bool cycle = false;
  std::optional<std::string> owner_schema;
  std::optional<std::string> owner_table;
  std::optional<std::string> owner_column;
  std::optional<std::string> comment;
};

// The names of the attributes `keys` (an int2[] column) of relation `rel`, in key order.
#define PGPX_ATTNAMES(keys, rel)                               \
  " array(select a.attname::text from pg_catalog.unnest(" keys \
  ") with ordinality k(num, ord)"                              \
  " join pg_catalog.pg_attribute a on a.attrelid = " rel " and a.attnum = k.num order by k.ord) "

// Table constraints, and domain constraints (rel = 0, dom = the domain). The copies that a
// foreign key referencing a partitioned table gets for each referenced partition (same
// name, same referencing table, a parent constraint) are left out: the parent stands for them.
constexpr const char* constraints_sql =
    "select con.conrelid::int8 as rel, con.contypid::int8 as dom, con.conname::text as name,"
    " con.contype::text as type, pg_catalog.pg_get_constraintdef(con.oid, true) as definition,"
    " " PGPX_ATTNAMES("con.conkey", "con.conrelid") "as columns,"
    " case when con.contype = 'c' then pg_catalog.pg_get_expr(con.conbin, con.conrelid, true) end as check_expr,"
    " fn.nspname::text as ref_schema, f.relname::text as ref_table,"
    " " PGPX_ATTNAMES("con.confkey", "con.confrelid") "as ref_columns,"
    " con.confdeltype::text as on_delete, con.confupdtype::text as on_update, con.confmatchtype::text as match,"
    " case when con.contype in ('p', 'u', 'x') then i.relname::text end as index,"
    " con.condeferrable as deferrable, con.condeferred as deferred, con.convalidated as validated,"
    " con.contype = 'c' and con.connoinherit as no_inherit, not con.conislocal as inherited,"
    " pg_catalog.obj_description(con.oid, 'pg_constraint') as comment"
    " from pg_catalog.pg_constraint con join pg_catalog.pg_namespace n on n.oid = con.connamespace"
    " left join pg_catalog.pg_class c on c.oid = con.conrelid"
    " left join pg_catalog.pg_class f on f.oid = con.confrelid"
    " left join pg_catalog.pg_namespace fn on fn.oid = f.relnamespace"
    " left join pg_catalog.pg_class i on i.oid = con.conindid"
    " where n.nspname = any($1::text[]) and con.contype in ('p', 'f', 'u', 'c', 'x')"
    " and (c.relkind in ('r', 'p') or con.contypid <> 0)"
    " and not exists (select 1 from pg_catalog.pg_constraint pc where pc.oid = con.conparentid"
    " and pc.conrelid = con.conrelid)";

struct constraint_row {
  std::int64_t rel = 0;
  std::int64_t dom = 0;
  std::string name;
  std::string type;
  std::string definition;
  std::vector<std::string> columns;
  std::optional<std::string> check_expr;
  std::optional<std::string> ref_schema;
  std::optional<std::string> ref_table;
  std::vector<std::string> ref_columns;
  std::string on_delete;
  std::string on_update;
  std::string match;
  std::optional<std::string> index;
  bool deferrable = false;
  bool deferred = false;
  bool validated = true;
  bool no_inherit = false;
  bool inherited = false;
  std::optional<std::string> comment;
};

constexpr const char* indexes_sql =
    "select x.indrelid::int8 as rel, i.relname::text as name, pg_catalog.pg_get_indexdef(x.indexrelid) as definition,"
    " am.amname::text as method,"
    " array(select pg_catalog.pg_get_indexdef(x.indexrelid, k, true)"
    " from pg_catalog.generate_series(1, x.indnkeyatts::int4) k order by k) as keys,"
    " array(select pg_catalog.pg_get_indexdef(x.indexrelid, k, true)"
    " from pg_catalog.generate_series(x.indnkeyatts::int4 + 1, x.indnatts::int4) k order by k) as include,"
    " pg_catalog.pg_get_expr(x.indpred, x.indrelid, true) as predicate,"
    " x.indisunique as is_unique, x.indisprimary as is_primary, x.indisvalid as valid,"
    " (select con.conname::text from pg_catalog.pg_constraint con where con.conindid = x.indexrelid"
    " and con.conrelid = x.indrelid and con.contype in ('p', 'u', 'x')) as constraint_name,"
    " exists (select 1 from pg_catalog.pg_inherits h where h.inhrelid = x.indexrelid) as inherited,"
    " pg_catalog.obj_description(x.indexrelid, 'pg_class') as comment"
    " from pg_catalog.pg_index x join pg_catalog.pg_class i on i.oid = x.indexrelid"
    " join pg_catalog.pg_class c on c.oid = x.indrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
    " join pg_catalog.pg_am am on am.oid = i.relam"
    " where c.relkind in ('r', 'p', 'm') and n.nspname = any($1::text[])";

struct index_row {
  std::int64_t rel = 0;
  std::string name;
  std::string definition;
  std::string method;
  std::vector<std::string> keys;
  std::vector<std::string> include;
  std::optional<std::string> predicate;
  bool is_unique = false;
  bool is_primary = false;
  bool valid = true;
  std::optional<std::string> constraint_name;
  bool inherited = false;
  std::optional<std::string> comment;
};

// Internal triggers (those of foreign keys) and the clones a partition gets of its parent's
// triggers (a partition dependency on the parent trigger: PostgreSQL 12 marks them internal,
// 13 and later do not) are left out.
constexpr const char* triggers_sql =
    "select t.tgrelid::int8 as rel, t.tgname::text as name, pg_catalog.pg_get_triggerdef(t.oid) as definition,"
    " pn.nspname::text as function_schema, p.proname::text as function_name, t.tgenabled::text as enabled,"
    " pg_catalog.obj_description(t.oid, 'pg_trigger') as comment"
    " from pg_catalog.pg_trigger t join pg_catalog.pg_class c on c.oid = t.tgrelid"
    " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
    " join pg_catalog.pg_proc p on p.oid = t.tgfoid join pg_catalog.pg_namespace pn on pn.oid = p.pronamespace"
    " where not t.tgisinternal and n.nspname = any($1::text[])"
    " and not exists (select 1 from pg_catalog.pg_depend d where d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass"
    " and d.objid = t.oid and d.refclassid = 'pg_catalog.pg_trigger'::pg_catalog.regclass and d.deptype = 'P')";

struct trigger_row {
  std::int64_t rel = 0;
  std::string name;
  std::string definition;
  std::string function_schema;
  std::string function_name;
  std::string enabled;
  std::optional<std::string> comment;
};

constexpr const char* policies_sql =
    "select p.polrelid::int8 as rel, p.polname::text as name, p.polcmd::text as command,"
    " p.polpermissive as permissive,"
    " array(select case when r.oid = 0 then 'public' else pg_catalog.pg_get_userbyid(r.oid)::text end"
    " from pg_catalog.unnest(p.polroles) r(oid)) as roles,"
    " pg_catalog.pg_get_expr(p.polqual, p.polrelid, true) as using_expr,"
    " pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid, true) as with_check_expr"
    " from pg_catalog.pg_policy p join pg_catalog.pg_class c on c.oid = p.polrelid"
    " join pg_catalog.pg_namespace n on n.oid = c.relnamespace where n.nspname = any($1::text[])";

struct policy_row {
  std::int64_t rel = 0;
  std::string name;
  std::string command;
  bool permissive = true;
  std::vector<std::string> roles;
  std::optional<std::string> using_expr;
  std::optional<std::string> with_check_expr;
};

constexpr const char* enums_sql =
    "select t.oid::int8 as oid, n.nspname::text as schema, t.typname::text as name,"
    " array(select e.enumlabel::text from pg_catalog.pg_enum e where e.enumtypid = t.oid"
    " order by e.enumsortorder) as labels,"
    " pg_catalog.obj_description(t.oid, 'pg_type') as comment"
    " from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace"
    " where t.typtype = 'e' and n.nspname = any($1::text[]) and" PGPX_NOT_EXTENSION_MEMBER("pg_type", "t.oid");

struct enum_row {
  std::int64_t oid = 0;
  std::string schema;
  std::string name;
  std::vector<std::string> labels;
  std::optional<std::string> comment;
};

constexpr const char* domains_sql =
    "select t.oid::int8 as oid, n.nspname::text as schema, t.typname::text as name,"
    " pg_catalog.format_type(t.typbasetype, t.typtypmod) as base_type, t.typnotnull as not_null,"
    " t.typdefault as default_expr,"
    " case when t.typcollation <> b.typcollation then cn.nspname::text end as collation_schema,"
    " case when t.typcollation <> b.typcollation then co.collname::text end as collation_name,"
    " pg_catalog.obj_description(t.oid, 'pg_type') as comment"
    " from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace"
    " join pg_catalog.pg_type b on b.oid = t.typbasetype"
    " left join pg_catalog.pg_collation co on co.oid = t.typcollation"
    " left join pg_catalog.pg_namespace cn on cn.oid = co.collnamespace"
    " where t.typtype = 'd' and n.nspname = any($1::text[]) and" PGPX_NOT_EXTENSION_MEMBER("pg_type", "t.oid");

struct domain_row {
  std::int64_t oid = 0;
  std::string schema;
  std::string name;
  std::string base_type;
  bool not_null = false;
  std::optional<std::string> default_expr;
  std::optional<std::string> collation_schema;
  std::optional<std::string> collation_name;
  std::optional<std::string> comment;
};

constexpr const char* composites_sql =
    "select c.oid::int8 as oid, n.nspname::text as schema, t.typname::text as name,"
    " pg_catalog.obj_description(t.oid, 'pg_type') as comment"
    " from pg_catalog.pg_type t join pg_catalog.pg_class c on c.oid = t.typrelid"
    " join pg_catalog.pg_namespace n on n.oid = t.typnamespace"
    " where t.typtype = 'c' and c.relkind = 'c' and n.nspname = any($1::text[]) and" PGPX_NOT_EXTENSION_MEMBER(
        "pg_type", "t.oid");

struct composite_row {
  std::int64_t oid = 0;
  std::string schema;
  std::string name;
  std::optional<std::string> comment;
};

constexpr const char* functions_sql =
    "select p.oid::int8 as oid, n.nspname::text as schema, p.proname::text as name,"
    " pg_catalog.pg_get_function_identity_arguments(p.oid) as identity_arguments, p.prokind::text as kind,"
    " case when p.prokind <> 'p' then pg_catalog.pg_get_function_result(p.oid) end as result,"
    " l.lanname::text as language, pg_catalog.pg_get_functiondef(p.oid) as definition,"
    " pg_catalog.obj_description(p.oid, 'pg_proc') as comment"
    " from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace"
    " join pg_catalog.pg_language l on l.oid = p.prolang"
    " where p.prokind in ('f', 'p', 'w') and n.nspname = any($1::text[]) and" PGPX_NOT_EXTENSION_MEMBER("pg_proc",
                                                                                                        "p.oid");

struct function_row {
  std::int64_t oid = 0;
  std::string schema;
  std::string name;
  std::string identity_arguments;
  std::string kind;
  std::optional<std::string> result;
  std::string language;
  std::string definition;
  std::optional<std::string> comment;
};

// The grantee of an aclexplode() entry: "public" for PUBLIC (oid 0).
#define PGPX_GRANTEE                                                                                        \
  " case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee)::text end as grantee," \
  " a.privilege_type::text as privilege, a.is_grantable as grantable "

// The privileges of the schemas ('n', by schema oid), relations ('r': tables, views,
// sequences), columns ('c': relation oid and attnum), types ('t': enums and domains by type
// oid, composite types by their relation's) and routines ('f') read, as they are in
// effect: a NULL ACL (never granted or revoked) reads as acldefault() for the object's kind
// and owner, so that a function's implicit EXECUTE for PUBLIC is listed and a REVOKE of it
// shows as its absence. The owner's own entries are left out (see privilege_def).
constexpr const char* privileges_sql =
    "select x.kind, x.oid, x.sub," PGPX_GRANTEE
    ", case when a.grantor = x.owner then '' else pg_catalog.pg_get_userbyid(a.grantor)::text end as grantor"
    " from (select 'n'::text as kind, n.oid::int8 as oid, 0 as sub,"
    " coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner)) as acl, n.nspowner as owner"
    " from pg_catalog.pg_namespace n where n.nspname = any($1::text[])"
    " union all select 'r', c.oid::int8, 0, coalesce(c.relacl, pg_catalog.acldefault("
    "(case when c.relkind = 'S' then 's' else 'r' end)::\"char\", c.relowner)), c.relowner from pg_catalog.pg_class c"
    " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
    " where c.relkind in ('r', 'p', 'v', 'm', 'S') and n.nspname = any($1::text[])"
    " union all select 'c', c.oid::int8, a.attnum::int4, a.attacl, c.relowner from pg_catalog.pg_attribute a"
    " join pg_catalog.pg_class c on c.oid = a.attrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
    " where a.attnum > 0 and not a.attisdropped and a.attacl is not null and c.relkind in ('r', 'p', 'v', 'm')"
    " and n.nspname = any($1::text[])"
    " union all select 't', (case when t.typtype = 'c' then t.typrelid else t.oid end)::int8, 0,"
    " coalesce(t.typacl, pg_catalog.acldefault('T', t.typowner)), t.typowner from pg_catalog.pg_type t"
    " join pg_catalog.pg_namespace n on n.oid = t.typnamespace"
    " where t.typtype in ('e', 'd', 'c') and n.nspname = any($1::text[])"
    " union all select 'f', p.oid::int8, 0, coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner)), p.proowner"
    " from pg_catalog.pg_proc p"
    " join pg_catalog.pg_namespace n on n.oid = p.pronamespace where n.nspname = any($1::text[])) x,"
    " pg_catalog.aclexplode(x.acl) a where a.grantee <> x.owner";

struct privilege_row {
  std::string kind;
  std::int64_t oid = 0;
  std::int32_t sub = 0;
  std::string grantee;
  std::string privilege;
  bool grantable = false;
  std::string grantor;
};

// The schemas read, with their oids (to place the privileges above).
constexpr const char* schema_oids_sql =
    "select n.oid::int8 as oid, n.nspname::text as name from pg_catalog.pg_namespace n where n.nspname = any($1::text[])";

struct schema_oid_row {
  std::int64_t oid = 0;
  std::string name;
};

// Every ALTER DEFAULT PRIVILEGES entry, with its entries for roles other than its own (an
// entry may list none: "revoke execute on functions from public" leaves only the role's own).
constexpr const char* default_privileges_sql =
    "select d.oid::int8 as oid, pg_catalog.pg_get_userbyid(d.defaclrole)::text as role, n.nspname::text as schema,"
    " d.defaclobjtype::text as object_type,"
    " case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee)::text end as grantee,"
    " a.privilege_type::text as privilege, a.is_grantable as grantable"
    " from pg_catalog.pg_default_acl d left join pg_catalog.pg_namespace n on n.oid = d.defaclnamespace"
    " left join lateral (select e.* from pg_catalog.aclexplode(d.defaclacl) e where e.grantee <> d.defaclrole) a"
    " on true where (d.defaclnamespace = 0 or n.nspname = any($1::text[]))"
    " and d.defaclobjtype in ('r', 'S', 'f', 'T', 'n')";  // not 'L' (large objects, 18): not diffed

struct default_privilege_row {
  std::int64_t oid = 0;
  std::string role;
  std::optional<std::string> schema;
  std::string object_type;
  std::optional<std::string> grantee;  // none: the entry lists only the role's own privileges
  std::optional<std::string> privilege;
  std::optional<bool> grantable;
};

constexpr const char* event_triggers_sql =
    "select e.evtname::text as name, e.evtevent::text as event, coalesce(e.evttags, '{}')::text[] as tags,"
    " pn.nspname::text as function_schema, p.proname::text as function_name, e.evtenabled::text as enabled,"
    " pg_catalog.obj_description(e.oid, 'pg_event_trigger') as comment"
    " from pg_catalog.pg_event_trigger e join pg_catalog.pg_proc p on p.oid = e.evtfoid"
    " join pg_catalog.pg_namespace pn on pn.oid = p.pronamespace"
    " where pn.nspname = any($1::text[]) and" PGPX_NOT_EXTENSION_MEMBER("pg_event_trigger", "e.oid");

struct event_trigger_row {
  std::string name;
  std::string event;
  std::vector<std::string> tags;
  std::string function_schema;
  std::string function_name;
  std::string enabled;
  std::optional<std::string> comment;
};

#undef PGPX_GRANTEE
#undef PGPX_NOT_EXTENSION_MEMBER
#undef PGPX_SEQUENCE_COLUMNS
#undef PGPX_ATTNAMES

[[noreturn]] void unexpected(std::string_view what, std::string_view value) {
  throw error(error_kind::protocol, "pgpx::schema::introspect: unexpected " + std::string(what) + " '" +
                                        std::string(value) + "' in the catalog");
}

auto referential(std::string_view code) -> referential_action {
  if (code == "a") return referential_action::no_action;
  if (code == "r") return referential_action::restrict;
  if (code == "c") return referential_action::cascade;
  if (code == "n") return referential_action::set_null;
  if (code == "d") return referential_action::set_default;
  if (code.empty() || code == " ") return referential_action::no_action;  // not a foreign key
  unexpected("foreign key action", code);
}

auto match_of(std::string_view code) -> match_kind {
  if (code == "f") return match_kind::full;
  if (code == "p") return match_kind::partial;
  return match_kind::simple;  // 's', or ' ' when not a foreign key
}

auto constraint_of(std::string_view code) -> constraint_kind {
  if (code == "p") return constraint_kind::primary_key;
  if (code == "f") return constraint_kind::foreign_key;
  if (code == "u") return constraint_kind::unique;
  if (code == "c") return constraint_kind::check;
  if (code == "x") return constraint_kind::exclusion;
  unexpected("constraint type", code);
}

auto trigger_enabled(std::string_view code) -> std::string {
  if (code == "O") return "origin";
  if (code == "D") return "disabled";
  if (code == "R") return "replica";
  if (code == "A") return "always";
  unexpected("trigger state", code);
}

auto default_object_type(std::string_view code) -> std::string {
  if (code == "r") return "tables";
  if (code == "S") return "sequences";
  if (code == "f") return "functions";
  if (code == "T") return "types";
  if (code == "n") return "schemas";
  unexpected("default privilege object type", code);
}

auto by_grantee = [](const privilege_def& a, const privilege_def& b) {
  return std::tie(a.grantee, a.privilege, a.grantor, a.grantable) <
         std::tie(b.grantee, b.privilege, b.grantor, b.grantable);
};

auto policy_command(std::string_view code) -> std::string {
  if (code == "*") return "all";
  if (code == "r") return "select";
  if (code == "a") return "insert";
  if (code == "w") return "update";
  if (code == "d") return "delete";
  unexpected("policy command", code);
}

auto qualified(const std::optional<std::string>& schema, const std::optional<std::string>& name)
    -> std::optional<qualified_name> {
  if (!schema || !name) return std::nullopt;
  return qualified_name{*schema, *name};
}

auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
auto by_schema_name = [](const auto& a, const auto& b) {
  return std::tie(a.schema, a.name) < std::tie(b.schema, b.name);
};

// Where the parts of one relation go while rows are assembled.
struct relation_slot {
  table_info* table = nullptr;
  view_info* view = nullptr;
  composite_type_info* composite = nullptr;
};

}  // namespace

auto catalog::find_table(std::string_view schema, std::string_view name) const -> const table_info* {
  for (const auto& t : tables)
    if (t.schema == schema && t.name == name) return &t;
  return nullptr;
}

auto catalog::find_view(std::string_view schema, std::string_view name) const -> const view_info* {
  for (const auto& v : views)
    if (v.schema == schema && v.name == name) return &v;
  return nullptr;
}

namespace {

// Every query of introspect(), on a connection or on the transaction introspect() opened.
template <class Executor>
auto read_catalog(Executor& cx, const introspect_options& options) -> catalog {
  catalog out;

  // The schemas, and the list every other query takes as $1.
  for (auto& r : cx.template query<schema_row>(schemas_sql, options.schemas, options.tracking_schema))
    out.schemas.push_back(schema_info{std::move(r.name), std::move(r.comment)});
  std::sort(out.schemas.begin(), out.schemas.end(), by_name);
  std::vector<std::string> names;
  for (const auto& s : out.schemas) names.push_back(s.name);
  for (const auto& wanted : options.schemas)
    if (std::find(names.begin(), names.end(), wanted) == names.end())
      throw usage_error("pgpx::schema::introspect: schema \"" + wanted +
                        "\" (introspect_options::schemas) does not exist in the database");

  for (auto& r : cx.template query<extension_row>(extensions_sql, names))
    out.extensions.push_back(extension_info{std::move(r.name), std::move(r.version), std::move(r.schema)});
  std::sort(out.extensions.begin(), out.extensions.end(), by_name);

  // Tables, views and composite types first, sorted, so that slots can point into them.
  const auto relations = cx.template query<relation_row>(relations_sql, names);
  const auto composites = cx.template query<composite_row>(composites_sql, names);
  std::vector<std::pair<std::int64_t, table_info>> tables;
  std::vector<std::pair<std::int64_t, view_info>> views;
  for (const auto& r : relations) {
    if (r.relkind == "r" || r.relkind == "p") {
      table_info t;
      t.schema = r.schema;
      t.name = r.name;
      t.kind =
          r.relkind == "p" ? table_kind::partitioned : (r.is_partition ? table_kind::partition : table_kind::ordinary);
      t.unlogged = r.unlogged;
      t.partition_key = r.partition_key;
      t.partition_bound = r.partition_bound;
      t.row_security = r.row_security;
      t.force_row_security = r.force_row_security;
      t.options = r.options;
      std::sort(t.options.begin(), t.options.end());
      t.comment = r.comment;
      tables.emplace_back(r.oid, std::move(t));
    } else {
      view_info v;
      v.schema = r.schema;
      v.name = r.name;
      v.materialized = r.relkind == "m";
      v.definition = r.view_definition.value_or("");
      v.populated = r.populated;
      v.options = r.options;
      std::sort(v.options.begin(), v.options.end());
      v.comment = r.comment;
      views.emplace_back(r.oid, std::move(v));
    }
  }
  auto by_second = [](const auto& a, const auto& b) { return by_schema_name(a.second, b.second); };
  std::sort(tables.begin(), tables.end(), by_second);
  std::sort(views.begin(), views.end(), by_second);
  std::vector<std::pair<std::int64_t, composite_type_info>> comps;
  for (const auto& r : composites) comps.emplace_back(r.oid, composite_type_info{r.schema, r.name, {}, r.comment, {}});
  std::sort(comps.begin(), comps.end(), by_second);

  std::unordered_map<std::int64_t, relation_slot> slots;
  for (auto& t : tables) out.tables.push_back(std::move(t.second));
  for (auto& v : views) out.views.push_back(std::move(v.second));
  for (auto& c : comps) out.composite_types.push_back(std::move(c.second));
  for (std::size_t i = 0; i < tables.size(); ++i) slots[tables[i].first].table = &out.tables[i];
  for (std::size_t i = 0; i < views.size(); ++i) slots[views[i].first].view = &out.views[i];
  for (std::size_t i = 0; i < comps.size(); ++i) slots[comps[i].first].composite = &out.composite_types[i];
  auto slot = [&](std::int64_t oid) -> relation_slot* {
    auto it = slots.find(oid);
    return it == slots.end() ? nullptr : &it->second;
  };

  // Parents: a partition's one parent, or the INHERITS list in declaration order.
  auto parents = cx.template query<parent_row>(parents_sql, names);
  std::sort(parents.begin(), parents.end(), [](const parent_row& a, const parent_row& b) {
    return std::tie(a.child, a.seq) < std::tie(b.child, b.seq);
  });
  for (auto& p : parents) {
    auto* s = slot(p.child);
    if (s == nullptr || s->table == nullptr) continue;
    qualified_name parent{std::move(p.schema), std::move(p.name)};
    if (s->table->partition_bound) s->table->partition_of = std::move(parent);
    else s->table->inherits.push_back(std::move(parent));
  }

  // Columns in position order; identity columns get their sequence's settings.
  std::unordered_map<std::int64_t, std::unordered_map<std::int32_t, sequence_options>> identity;
  for (auto& r : cx.template query<identity_sequence_row>(identity_sequences_sql, names))
    identity[r.rel][r.num] = sequence_options{std::move(r.type), r.start, r.increment, r.min, r.max, r.cache, r.cycle};
  auto columns = cx.template query<column_row>(columns_sql, names);
  std::sort(columns.begin(), columns.end(),
            [](const column_row& a, const column_row& b) { return std::tie(a.rel, a.num) < std::tie(b.rel, b.num); });
  // (relation, attnum) -> where the column went, for its privileges.
  std::map<std::pair<std::int64_t, std::int32_t>, std::pair<std::vector<column_def>*, std::size_t>> column_at;
  for (auto& r : columns) {
    auto* s = slot(r.rel);
    if (s == nullptr) continue;  // an extension's relation
    column_def c;
    c.name = std::move(r.name);
    c.type = std::move(r.type);
    c.not_null = r.not_null;
    c.default_expr = std::move(r.default_expr);
    c.identity = r.identity == "a" ? identity_kind::always
                                   : (r.identity == "d" ? identity_kind::by_default : identity_kind::none);
    if (c.identity != identity_kind::none) {
      auto t = identity.find(r.rel);
      if (t != identity.end()) {
        auto col = t->second.find(r.num);
        if (col != t->second.end()) c.identity_sequence = col->second;
      }
    }
    c.generated_expr = std::move(r.generated_expr);
    c.collation = qualified(r.collation_schema, r.collation_name);
    c.inherited = r.inherited;
    c.comment = std::move(r.comment);
    std::vector<column_def>* into =
        s->table != nullptr ? &s->table->columns : (s->view != nullptr ? &s->view->columns : &s->composite->attributes);
    column_at[{r.rel, r.num}] = {into, into->size()};
    into->push_back(std::move(c));
  }

  // Domains, then every constraint (of tables and of domains).
  std::vector<std::pair<std::int64_t, domain_info>> doms;
  for (auto& r : cx.template query<domain_row>(domains_sql, names))
    doms.emplace_back(r.oid, domain_info{std::move(r.schema),
                                         std::move(r.name),
                                         std::move(r.base_type),
                                         r.not_null,
                                         std::move(r.default_expr),
                                         qualified(r.collation_schema, r.collation_name),
                                         {},
                                         std::move(r.comment),
                                         {}});
  std::sort(doms.begin(), doms.end(), by_second);
  std::unordered_map<std::int64_t, std::size_t> domain_index;
  for (std::size_t i = 0; i < doms.size(); ++i) {
    domain_index[doms[i].first] = i;
    out.domains.push_back(std::move(doms[i].second));
  }
  for (auto& r : cx.template query<constraint_row>(constraints_sql, names)) {
    constraint_def c;
    c.name = std::move(r.name);
    c.kind = constraint_of(r.type);
    c.definition = std::move(r.definition);
    c.columns = std::move(r.columns);
    c.check_expr = std::move(r.check_expr);
    if (c.kind == constraint_kind::foreign_key) {
      c.references = qualified(r.ref_schema, r.ref_table);
      c.referenced_columns = std::move(r.ref_columns);
      c.on_delete = referential(r.on_delete);
      c.on_update = referential(r.on_update);
      c.match = match_of(r.match);
    }
    c.index = std::move(r.index);
    c.deferrable = r.deferrable;
    c.initially_deferred = r.deferred;
    c.validated = r.validated;
    c.no_inherit = r.no_inherit;
    c.inherited = r.inherited;
    c.comment = std::move(r.comment);
    if (r.dom != 0) {
      auto d = domain_index.find(r.dom);
      if (d != domain_index.end()) out.domains[d->second].constraints.push_back(std::move(c));
    } else if (auto* s = slot(r.rel); s != nullptr && s->table != nullptr) {
      s->table->constraints.push_back(std::move(c));
    }
  }

  for (auto& r : cx.template query<index_row>(indexes_sql, names)) {
    auto* s = slot(r.rel);
    if (s == nullptr) continue;
    index_def i;
    i.name = std::move(r.name);
    i.definition = std::move(r.definition);
    i.method = std::move(r.method);
    i.keys = std::move(r.keys);
    i.include = std::move(r.include);
    i.predicate = std::move(r.predicate);
    i.unique = r.is_unique;
    i.primary = r.is_primary;
    i.valid = r.valid;
    i.constraint = std::move(r.constraint_name);
    i.inherited = r.inherited;
    i.comment = std::move(r.comment);
    if (s->table != nullptr) s->table->indexes.push_back(std::move(i));
    else if (s->view != nullptr) s->view->indexes.push_back(std::move(i));
  }

  for (auto& r : cx.template query<trigger_row>(triggers_sql, names)) {
    auto* s = slot(r.rel);
    if (s == nullptr) continue;
    trigger_def t{std::move(r.name), std::move(r.definition),
                  qualified_name{std::move(r.function_schema), std::move(r.function_name)}, trigger_enabled(r.enabled),
                  std::move(r.comment)};
    if (s->table != nullptr) s->table->triggers.push_back(std::move(t));
    else if (s->view != nullptr) s->view->triggers.push_back(std::move(t));
  }

  for (auto& r : cx.template query<policy_row>(policies_sql, names)) {
    auto* s = slot(r.rel);
    if (s == nullptr || s->table == nullptr) continue;
    std::sort(r.roles.begin(), r.roles.end());
    s->table->policies.push_back(policy_def{std::move(r.name), policy_command(r.command), r.permissive,
                                            std::move(r.roles), std::move(r.using_expr), std::move(r.with_check_expr)});
  }

  std::vector<std::pair<std::int64_t, sequence_info>> seqs;
  for (auto& r : cx.template query<sequence_row>(sequences_sql, names)) {
    sequence_info s;
    s.schema = std::move(r.schema);
    s.name = std::move(r.name);
    s.options = sequence_options{std::move(r.type), r.start, r.increment, r.min, r.max, r.cache, r.cycle};
    if (r.owner_schema && r.owner_table && r.owner_column)
      s.owned_by = column_ref{qualified_name{*r.owner_schema, *r.owner_table}, *r.owner_column};
    s.comment = std::move(r.comment);
    seqs.emplace_back(r.oid, std::move(s));
  }
  std::sort(seqs.begin(), seqs.end(), by_second);

  std::vector<std::pair<std::int64_t, enum_type_info>> enums;
  for (auto& r : cx.template query<enum_row>(enums_sql, names))
    enums.emplace_back(
        r.oid, enum_type_info{std::move(r.schema), std::move(r.name), std::move(r.labels), std::move(r.comment), {}});
  std::sort(enums.begin(), enums.end(), by_second);
  out.enums.reserve(enums.size());
  for (auto& e : enums) out.enums.push_back(std::move(e.second));

  std::vector<std::pair<std::int64_t, function_info>> funcs;
  for (auto& r : cx.template query<function_row>(functions_sql, names)) {
    function_info f;
    f.schema = std::move(r.schema);
    f.name = std::move(r.name);
    f.identity_arguments = std::move(r.identity_arguments);
    f.kind = r.kind == "p" ? routine_kind::procedure : (r.kind == "w" ? routine_kind::window : routine_kind::function);
    f.result = std::move(r.result);
    f.language = std::move(r.language);
    f.definition = std::move(r.definition);
    f.comment = std::move(r.comment);
    funcs.emplace_back(r.oid, std::move(f));
  }
  std::sort(funcs.begin(), funcs.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.schema, a.second.name, a.second.identity_arguments) <
           std::tie(b.second.schema, b.second.name, b.second.identity_arguments);
  });

  // Privileges go to the schema, relation, type or routine whose ACL lists them.
  std::unordered_map<std::int64_t, std::vector<privilege_def>*> acl_of_relation;  // tables, views, sequences
  std::unordered_map<std::int64_t, std::vector<privilege_def>*> acl_of_routine;
  std::unordered_map<std::int64_t, std::vector<privilege_def>*> acl_of_schema;
  std::unordered_map<std::int64_t, std::vector<privilege_def>*> acl_of_type;  // composite types by relation oid
  for (auto& [oid, s] : slots) {
    if (s.table != nullptr) acl_of_relation[oid] = &s.table->privileges;
    else if (s.view != nullptr) acl_of_relation[oid] = &s.view->privileges;
    else if (s.composite != nullptr) acl_of_type[oid] = &s.composite->privileges;
  }
  for (std::size_t i = 0; i < enums.size(); ++i) acl_of_type[enums[i].first] = &out.enums[i].privileges;
  for (const auto& [oid, i] : domain_index) acl_of_type[oid] = &out.domains[i].privileges;
  out.sequences.reserve(seqs.size());
  for (auto& q : seqs) {
    out.sequences.push_back(std::move(q.second));
    acl_of_relation[q.first] = &out.sequences.back().privileges;
  }
  out.functions.reserve(funcs.size());
  for (auto& f : funcs) {
    out.functions.push_back(std::move(f.second));
    acl_of_routine[f.first] = &out.functions.back().privileges;
  }
  for (const auto& r : cx.template query<schema_oid_row>(schema_oids_sql, names))
    for (auto& s : out.schemas)
      if (s.name == r.name) acl_of_schema[r.oid] = &s.privileges;
  for (auto& r : cx.template query<privilege_row>(privileges_sql, names)) {
    if (r.kind == "c") {
      auto col = column_at.find({r.oid, r.sub});
      if (col != column_at.end())
        (*col->second.first)[col->second.second].privileges.push_back(
            privilege_def{std::move(r.grantee), std::move(r.privilege), r.grantable, std::move(r.grantor)});
      continue;
    }
    auto& map = r.kind == "n"   ? acl_of_schema
                : r.kind == "r" ? acl_of_relation
                : r.kind == "t" ? acl_of_type
                                : acl_of_routine;
    auto it = map.find(r.oid);
    if (it != map.end())
      it->second->push_back(
          privilege_def{std::move(r.grantee), std::move(r.privilege), r.grantable, std::move(r.grantor)});
  }

  std::unordered_map<std::int64_t, std::size_t> default_index;
  for (auto& r : cx.template query<default_privilege_row>(default_privileges_sql, names)) {
    auto [it, added] = default_index.try_emplace(r.oid, out.default_privileges.size());
    if (added)
      out.default_privileges.push_back(
          default_privilege_info{std::move(r.role), std::move(r.schema), default_object_type(r.object_type), {}});
    if (r.grantee)
      out.default_privileges[it->second].privileges.push_back(
          privilege_def{std::move(*r.grantee), std::move(r.privilege).value_or(""), r.grantable.value_or(false)});
  }
  // An entry that, without the role's own privileges, gives what no entry gives is left out.
  for (auto& d : out.default_privileges) std::sort(d.privileges.begin(), d.privileges.end(), by_grantee);
  std::erase_if(out.default_privileges, [](const default_privilege_info& d) {
    return d.privileges == (d.schema ? std::vector<privilege_def>{} : builtin_privileges(d.object_type));
  });
  std::sort(out.default_privileges.begin(), out.default_privileges.end(), [](const auto& a, const auto& b) {
    return std::tie(a.role, a.schema, a.object_type) < std::tie(b.role, b.schema, b.object_type);
  });

  for (auto& r : cx.template query<event_trigger_row>(event_triggers_sql, names)) {
    std::sort(r.tags.begin(), r.tags.end());
    out.event_triggers.push_back(
        event_trigger_info{std::move(r.name), std::move(r.event), std::move(r.tags),
                           qualified_name{std::move(r.function_schema), std::move(r.function_name)},
                           trigger_enabled(r.enabled), std::move(r.comment)});
  }
  std::sort(out.event_triggers.begin(), out.event_triggers.end(), by_name);

  // Sort what was gathered per relation.
  auto sort_parts = [](auto& x) {
    std::sort(x.indexes.begin(), x.indexes.end(), by_name);
    std::sort(x.triggers.begin(), x.triggers.end(), by_name);
  };
  for (auto& t : out.tables) {
    sort_parts(t);
    std::sort(t.constraints.begin(), t.constraints.end(), by_name);
    std::sort(t.policies.begin(), t.policies.end(), by_name);
  }
  for (auto& v : out.views) sort_parts(v);
  for (auto& d : out.domains) std::sort(d.constraints.begin(), d.constraints.end(), by_name);
  auto sort_grants = [](std::vector<privilege_def>& v) { std::sort(v.begin(), v.end(), by_grantee); };
  for (auto& x : out.schemas) sort_grants(x.privileges);
  for (auto& x : out.tables) {
    sort_grants(x.privileges);
    for (auto& col : x.columns) sort_grants(col.privileges);
  }
  for (auto& x : out.views) {
    sort_grants(x.privileges);
    for (auto& col : x.columns) sort_grants(col.privileges);
  }
  for (auto& x : out.sequences) sort_grants(x.privileges);
  for (auto& x : out.functions) sort_grants(x.privileges);
  for (auto& x : out.enums) sort_grants(x.privileges);
  for (auto& x : out.domains) sort_grants(x.privileges);
  for (auto& x : out.composite_types) sort_grants(x.privileges);
  for (auto& x : out.default_privileges) sort_grants(x.privileges);
  return out;
}

}  // namespace

auto builtin_privileges(std::string_view object_type) -> std::vector<privilege_def> {
  if (object_type == "functions") return {privilege_def{"public", "EXECUTE", false}};
  if (object_type == "types") return {privilege_def{"public", "USAGE", false}};
  if (object_type == "tables" || object_type == "sequences" || object_type == "schemas") return {};
  throw usage_error("pgpx::schema::builtin_privileges: unknown object type '" + std::string(object_type) +
                    "' (tables, sequences, functions, types or schemas)");
}

auto introspect(connection& cx, const introspect_options& options) -> catalog {
  if (cx.status() != transaction_status::idle) return read_catalog(cx, options);  // the caller's transaction
  // One snapshot for every query: objects created or dropped by other sessions meanwhile do
  // not show half (a table without its columns), nor make pg_get_*def fail on a vanished oid.
  transaction tx{cx, {.level = isolation::repeatable_read, .read_only = true}};
  auto c = read_catalog(tx, options);
  tx.commit();
  return c;
}

auto to_string(identity_kind k) noexcept -> std::string_view {
  switch (k) {
    case identity_kind::none: return "none";
    case identity_kind::always: return "always";
    case identity_kind::by_default: return "by_default";
  }
  return "";
}

auto to_string(constraint_kind k) noexcept -> std::string_view {
  switch (k) {
    case constraint_kind::primary_key: return "primary_key";
    case constraint_kind::foreign_key: return "foreign_key";
    case constraint_kind::unique: return "unique";
    case constraint_kind::check: return "check";
    case constraint_kind::exclusion: return "exclusion";
  }
  return "";
}

auto to_string(referential_action a) noexcept -> std::string_view {
  switch (a) {
    case referential_action::no_action: return "no_action";
    case referential_action::restrict: return "restrict";
    case referential_action::cascade: return "cascade";
    case referential_action::set_null: return "set_null";
    case referential_action::set_default: return "set_default";
  }
  return "";
}

auto to_string(match_kind m) noexcept -> std::string_view {
  switch (m) {
    case match_kind::simple: return "simple";
    case match_kind::full: return "full";
    case match_kind::partial: return "partial";
  }
  return "";
}

auto to_string(table_kind k) noexcept -> std::string_view {
  switch (k) {
    case table_kind::ordinary: return "ordinary";
    case table_kind::partitioned: return "partitioned";
    case table_kind::partition: return "partition";
  }
  return "";
}

auto to_string(routine_kind k) noexcept -> std::string_view {
  switch (k) {
    case routine_kind::function: return "function";
    case routine_kind::procedure: return "procedure";
    case routine_kind::window: return "window";
  }
  return "";
}

// JSON: one list of fields per struct (fields(x, f) calls f(key, member) for each), read by
// both directions, so that what to_json writes is exactly what catalog_from_json reads.
namespace {

using json = nlohmann::json;

template <class F>
void fields(qualified_name& x, F& f) {
  f("schema", x.schema);
  f("name", x.name);
}
template <class F>
void fields(privilege_def& x, F& f) {
  f("grantee", x.grantee);
  f("privilege", x.privilege);
  f("grantable", x.grantable);
  f("grantor", x.grantor);
}
template <class F>
void fields(schema_info& x, F& f) {
  f("name", x.name);
  f("comment", x.comment);
  f("privileges", x.privileges);
}
template <class F>
void fields(sequence_options& x, F& f) {
  f("type", x.type);
  f("start", x.start);
  f("increment", x.increment);
  f("min", x.min);
  f("max", x.max);
  f("cache", x.cache);
  f("cycle", x.cycle);
}
template <class F>
void fields(column_def& x, F& f) {
  f("name", x.name);
  f("type", x.type);
  f("not_null", x.not_null);
  f("default", x.default_expr);
  f("identity", x.identity);
  f("identity_sequence", x.identity_sequence);
  f("generated", x.generated_expr);
  f("collation", x.collation);
  f("inherited", x.inherited);
  f("comment", x.comment);
  f("privileges", x.privileges);
}
template <class F>
void fields(constraint_def& x, F& f) {
  f("name", x.name);
  f("kind", x.kind);
  f("definition", x.definition);
  f("columns", x.columns);
  f("check", x.check_expr);
  f("references", x.references);
  f("referenced_columns", x.referenced_columns);
  f("on_delete", x.on_delete);
  f("on_update", x.on_update);
  f("match", x.match);
  f("index", x.index);
  f("deferrable", x.deferrable);
  f("initially_deferred", x.initially_deferred);
  f("validated", x.validated);
  f("no_inherit", x.no_inherit);
  f("inherited", x.inherited);
  f("comment", x.comment);
}
template <class F>
void fields(index_def& x, F& f) {
  f("name", x.name);
  f("definition", x.definition);
  f("method", x.method);
  f("keys", x.keys);
  f("include", x.include);
  f("predicate", x.predicate);
  f("unique", x.unique);
  f("primary", x.primary);
  f("valid", x.valid);
  f("constraint", x.constraint);
  f("inherited", x.inherited);
  f("comment", x.comment);
}
template <class F>
void fields(trigger_def& x, F& f) {
  f("name", x.name);
  f("definition", x.definition);
  f("function", x.function);
  f("enabled", x.enabled);
  f("comment", x.comment);
}
template <class F>
void fields(policy_def& x, F& f) {
  f("name", x.name);
  f("command", x.command);
  f("permissive", x.permissive);
  f("roles", x.roles);
  f("using", x.using_expr);
  f("with_check", x.with_check_expr);
}
template <class F>
void fields(table_info& x, F& f) {
  f("schema", x.schema);
  f("name", x.name);
  f("kind", x.kind);
  f("unlogged", x.unlogged);
  f("partition_key", x.partition_key);
  f("partition_of", x.partition_of);
  f("partition_bound", x.partition_bound);
  f("inherits", x.inherits);
  f("row_security", x.row_security);
  f("force_row_security", x.force_row_security);
  f("options", x.options);
  f("columns", x.columns);
  f("constraints", x.constraints);
  f("indexes", x.indexes);
  f("triggers", x.triggers);
  f("policies", x.policies);
  f("comment", x.comment);
  f("privileges", x.privileges);
}
template <class F>
void fields(view_info& x, F& f) {
  f("schema", x.schema);
  f("name", x.name);
  f("materialized", x.materialized);
  f("definition", x.definition);
  f("populated", x.populated);
  f("options", x.options);
  f("columns", x.columns);
  f("indexes", x.indexes);
  f("triggers", x.triggers);
  f("comment", x.comment);
  f("privileges", x.privileges);
}
template <class F>
void fields(column_ref& x, F& f) {
  f("table", x.table);
  f("column", x.column);
}
template <class F>
void fields(sequence_info& x, F& f) {
  f("schema", x.schema);
  f("name", x.name);
  f("options", x.options);
  f("owned_by", x.owned_by);
  f("comment", x.comment);
  f("privileges", x.privileges);
}
template <class F>
void fields(enum_type_info& x, F& f) {
  f("schema", x.schema);
  f("name", x.name);
  f("labels", x.labels);
  f("comment", x.comment);
  f("privileges", x.privileges);
}
template <class F>
void fields(domain_info& x, F& f) {
  f("schema", x.schema);
  f("name", x.name);
  f("base_type", x.base_type);
  f("not_null", x.not_null);
  f("default", x.default_expr);
  f("collation", x.collation);
  f("constraints", x.constraints);
  f("comment", x.comment);
  f("privileges", x.privileges);
}
template <class F>
void fields(composite_type_info& x, F& f) {
  f("schema", x.schema);
  f("name", x.name);
  f("attributes", x.attributes);
  f("comment", x.comment);
  f("privileges", x.privileges);
}
template <class F>
void fields(function_info& x, F& f) {
  f("schema", x.schema);
  f("name", x.name);
  f("identity_arguments", x.identity_arguments);
  f("kind", x.kind);
  f("result", x.result);
  f("language", x.language);
  f("definition", x.definition);
  f("comment", x.comment);
  f("privileges", x.privileges);
}
template <class F>
void fields(extension_info& x, F& f) {
  f("name", x.name);
  f("version", x.version);
  f("schema", x.schema);
}
template <class F>
void fields(event_trigger_info& x, F& f) {
  f("name", x.name);
  f("event", x.event);
  f("tags", x.tags);
  f("function", x.function);
  f("enabled", x.enabled);
  f("comment", x.comment);
}
template <class F>
void fields(default_privilege_info& x, F& f) {
  f("role", x.role);
  f("schema", x.schema);
  f("object_type", x.object_type);
  f("privileges", x.privileges);
}
template <class F>
void fields(catalog& x, F& f) {
  f("schemas", x.schemas);
  f("extensions", x.extensions);
  f("tables", x.tables);
  f("views", x.views);
  f("sequences", x.sequences);
  f("enums", x.enums);
  f("domains", x.domains);
  f("composite_types", x.composite_types);
  f("functions", x.functions);
  f("event_triggers", x.event_triggers);
  f("default_privileges", x.default_privileges);
}

constexpr std::string_view json_format = "pgpx.catalog/2";

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

template <class T>
auto write(const T& v) -> json {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t>) {
    return v;
  } else if constexpr (std::is_enum_v<T>) {
    return std::string(to_string(v));
  } else if constexpr (is_optional<T>::value) {
    return v ? write(*v) : json(nullptr);
  } else if constexpr (is_vector<T>::value) {
    json a = json::array();
    for (const auto& e : v) a.push_back(write(e));
    return a;
  } else {
    json o = json::object();
    auto f = [&o](const char* key, const auto& member) { o[key] = write(member); };
    fields(const_cast<T&>(v), f);  // NOLINT(cppcoreguidelines-pro-type-const-cast): fields() only reads here
    return o;
  }
}

[[noreturn]] void bad_json(const std::string& path, std::string_view what) {
  throw conversion_error("pgpx::schema::catalog_from_json: " + (path.empty() ? std::string("(top)") : path) + ": " +
                         std::string(what));
}

template <class T>
void read(const json& j, T& v, const std::string& path) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) bad_json(path, "expected a string");
    v = j.get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) bad_json(path, "expected true or false");
    v = j.get<bool>();
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    if (!j.is_number_integer()) bad_json(path, "expected an integer");
    v = j.get<std::int64_t>();
  } else if constexpr (std::is_enum_v<T>) {
    if (!j.is_string()) bad_json(path, "expected a string");
    const auto& s = j.get_ref<const std::string&>();
    for (int i = 0;; ++i) {
      const auto name = to_string(static_cast<T>(i));
      if (name.empty()) bad_json(path, "unknown value \"" + s + "\"");
      if (name == s) {
        v = static_cast<T>(i);
        return;
      }
    }
  } else if constexpr (is_optional<T>::value) {
    if (j.is_null()) {
      v.reset();
    } else {
      typename T::value_type x{};
      read(j, x, path);
      v = std::move(x);
    }
  } else if constexpr (is_vector<T>::value) {
    if (!j.is_array()) bad_json(path, "expected an array");
    v.clear();
    v.resize(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) read(j[i], v[i], path + "[" + std::to_string(i) + "]");
  } else {
    if (!j.is_object()) bad_json(path, "expected an object");
    auto f = [&](const char* key, auto& member) {
      const std::string at = path.empty() ? std::string(key) : path + "." + key;
      auto it = j.find(key);
      if (it == j.end()) bad_json(at, "missing");
      read(*it, member, at);
    };
    fields(v, f);
  }
}

}  // namespace

auto to_json(const catalog& c) -> std::string {
  json j = write(c);
  j["format"] = std::string(json_format);
  // nlohmann's objects are std::maps: keys come out sorted. Text that is not UTF-8 (a
  // SQL_ASCII database) is written with U+FFFD in place of the bad bytes.
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

auto catalog_from_json(std::string_view text) -> catalog {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) bad_json("", "not valid JSON");
  if (!j.is_object()) bad_json("", "expected an object");
  auto format = j.find("format");
  if (format == j.end() || !format->is_string() || format->get_ref<const std::string&>() != json_format)
    bad_json("format", "expected \"" + std::string(json_format) + "\"");
  catalog c;
  read(j, c, "");
  return c;
}

}  // namespace pgpx::schema
