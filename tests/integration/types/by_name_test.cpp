// Types named by their codec (pgpx/types/by_name.hpp) against a real server: contrib's
// hstore read and written in binary with no OID known in advance, enums and domains named,
// arrays and composites of named types, per-connection catalogs (two databases where the
// same type has different OIDs), a type dropped and created again, a type the database
// lacks, pipelines and binary COPY (whose catalog query must run before they start).
#include "support/named_types.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/core/copy.hpp>
#include <pgpx/core/identifier.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/core/stream.hpp>
#include <pgpx/core/type_names.hpp>
#include <pgpx/types.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using kv::hstore;
using ::testing::HasSubstr;

auto sample() -> hstore { return hstore{{{"a", "1"}, {"b", std::nullopt}, {"c d", "x y"}}}; }

class by_name_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script("create extension hstore");
  }
};

TEST_F(by_name_test, reads_and_writes_an_extension_type_in_binary) {
  cx().execute_script("create table kvs (id int primary key, h hstore)");
  cx().execute("insert into kvs values ($1, $2)", 1, sample());
  // The server stored what was sent: its own text of the value.
  EXPECT_EQ(cx().query_value<std::string>("select (h -> 'c d') from kvs where id = 1"), "x y");
  EXPECT_TRUE(cx().query_value<bool>("select h ? 'b' and (h -> 'b') is null from kvs"));
  EXPECT_EQ(cx().query_value<hstore>("select h from kvs where id = 1"), sample());
  // A server literal decodes too.
  EXPECT_EQ(cx().query_value<hstore>("select 'x=>1'::hstore"), (hstore{{{"x", "1"}}}));
  // NULL and optional.
  cx().execute("insert into kvs values ($1, $2)", 2, std::optional<hstore>());
  EXPECT_EQ(cx().query_value<std::optional<hstore>>("select h from kvs where id = 2"), std::nullopt);
}

TEST_F(by_name_test, a_parameter_carries_the_real_oid_so_no_cast_is_needed) {
  // `select $1` alone gives the server no context: only the parameter's OID says hstore.
  auto r = pgpx::test::run_one(cx(), "select $1 as h", sample());
  EXPECT_EQ(r.column_type(0), pgpx::type_oid(cx(), "hstore"));
  EXPECT_EQ(r[0].get<hstore>(0), sample());
  // Operators resolve against hstore, not unknown.
  EXPECT_EQ(cx().query_value<std::string>("select $1 -> 'a'", sample()), "1");
}

TEST_F(by_name_test, type_oid_resolves_like_the_server_and_reports_absence) {
  EXPECT_EQ(pgpx::type_oid(cx(), "int"), pgpx::oids::int4);
  EXPECT_EQ(pgpx::type_oid(cx(), "pg_catalog.text"), pgpx::oids::text);
  EXPECT_EQ(pgpx::type_oid(cx(), "nonexistent_type_x"), 0U);
  EXPECT_NE(pgpx::type_oid(cx(), "public.hstore"), 0U);
  EXPECT_THROW((void)pgpx::type_oid(cx(), "int; drop table x"), pgpx::usage_error);
}

TEST_F(by_name_test, a_column_of_another_type_is_refused_by_name) {
  cx().execute_script("create type mood as enum ('sad','ok','happy'); create type colour as enum ('red','green')");
  try {
    (void)cx().query_value<hstore>("select 'red'::colour");
    FAIL() << "a colour column was read as hstore";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_THAT(e.message(), HasSubstr("of type colour"));  // the type's name, not its OID
    EXPECT_THAT(e.message(), HasSubstr("kv::hstore"));
    EXPECT_THAT(e.message(), HasSubstr("PostgreSQL type hstore"));
  }
  // An enum read into the wrong C++ enum: refused by type name before any label is read
  // ('red' is not a mood label either, but 'ok' would be: use a label both could have).
  cx().execute_script("alter type colour add value 'ok'");
  EXPECT_THROW((void)cx().query_value<kv::mood>("select 'ok'::colour"), pgpx::conversion_error);
  EXPECT_EQ(cx().query_value<kv::mood>("select 'ok'::mood"), kv::mood::ok);
  EXPECT_EQ(cx().query_value<kv::mood>("select 'happy'::text"), kv::mood::happy);  // text still reads
  // A named enum parameter is sent as its type: no cast.
  auto r = pgpx::test::run_one(cx(), "select $1", kv::colour::green);
  EXPECT_EQ(r.column_type(0), pgpx::type_oid(cx(), "colour"));
  EXPECT_EQ(r[0].get<kv::colour>(0), kv::colour::green);
}

TEST_F(by_name_test, domains_check_their_constraints_and_read_as_their_base) {
  cx().execute_script(
      "create domain positive as int check (value > 0);"
      "create type mood as enum ('sad','ok','happy');"
      "create domain cheerful as mood check (value <> 'sad');"
      "create table d (p positive, c cheerful)");
  cx().execute("insert into d values ($1, 'ok')", kv::positive{5});
  EXPECT_EQ(cx().query_value<kv::positive>("select p from d"), kv::positive{5});
  EXPECT_EQ(cx().query_value<std::int32_t>("select p from d"), 5);  // the base type reads it too
  // The parameter has the domain's OID, so the server checks the domain on `select $1`.
  try {
    (void)cx().query_value<kv::positive>("select $1", kv::positive{-1});
    FAIL() << "a negative value passed the domain";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.sqlstate(), "23514");
  }
  EXPECT_EQ(cx().query_value<kv::mood>("select c from d"), kv::mood::ok);  // a domain over a named enum
}

TEST_F(by_name_test, arrays_and_composites_of_named_types) {
  cx().execute_script(
      "create type mood as enum ('sad','ok','happy');"
      "create type labelled as (name text, m mood);"
      "create table a (hs hstore[], ms mood[], ls labelled[])");
  const std::vector<hstore> hs{sample(), hstore{{{"z", "9"}}}};
  const std::vector<kv::mood> ms{kv::mood::ok, kv::mood::sad};
  const std::vector<kv::labelled> ls{{"x", kv::mood::happy}};
  cx().execute("insert into a values ($1, $2, $3)", hs, ms, ls);
  EXPECT_EQ(cx().query_value<std::vector<hstore>>("select hs from a"), hs);
  EXPECT_EQ(cx().query_value<std::vector<kv::mood>>("select ms from a"), ms);
  EXPECT_EQ(cx().query_value<std::vector<kv::labelled>>("select ls from a"), ls);
  EXPECT_EQ(cx().query_value<kv::labelled>("select ls[1] from a"), ls[0]);
  // The elements' type is checked by name: an int array's elements are not hstore.
  EXPECT_THROW((void)cx().query_value<std::vector<hstore>>("select array[1,2]"), pgpx::conversion_error);
  cx().execute_script("create type colour as enum ('red','ok')");
  EXPECT_THROW((void)cx().query_value<std::vector<kv::mood>>("select array['ok'::colour]"), pgpx::conversion_error);
}

TEST_F(by_name_test, each_connection_resolves_in_its_own_database) {
  // A second database where hstore gets another OID: other types are created first.
  const std::string other = database_name() + "_b";
  pgpx::connection admin{pgpx::test::server_conninfo()};
  admin.execute_script("drop database if exists " + pgpx::quote_identifier(other));
  admin.execute_script("create database " + pgpx::quote_identifier(other));
  struct drop_after {
    pgpx::connection& admin;
    std::string name;
    ~drop_after() {
      try {
        admin.execute_script("drop database if exists " + pgpx::quote_identifier(name) + " with (force)");
      } catch (...) {
      }
    }
  } cleanup{admin, other};
  pgpx::conninfo info = conninfo();
  info.set("dbname", other);
  pgpx::connection b{info};
  b.execute_script("create type t1 as (a int); create type t2 as (a int); create extension hstore");
  const pgpx::oid here = pgpx::type_oid(cx(), "hstore");
  const pgpx::oid there = pgpx::type_oid(b, "hstore");
  ASSERT_NE(here, there) << "the test needs different OIDs to mean anything";
  for (int round = 0; round < 2; ++round) {  // interleaved, each on its own catalog
    EXPECT_EQ(cx().query_value<hstore>("select $1", sample()), sample());
    EXPECT_EQ(b.query_value<hstore>("select $1", sample()), sample());
    EXPECT_EQ(pgpx::test::run_one(b, "select $1", sample()).column_type(0), there);
    EXPECT_EQ(cx().run("select 'k=>v'::hstore", {}).column_type(0), here);
  }
  // A result keeps the catalog it was made with: read after the other connection ran.
  auto from_b = b.run("select 'k=>v'::hstore", {});
  auto from_a = cx().run("select 'k=>w'::hstore", {});
  EXPECT_EQ(from_b[0].get<hstore>(0), (hstore{{{"k", "v"}}}));
  EXPECT_EQ(from_a[0].get<hstore>(0), (hstore{{{"k", "w"}}}));
}

TEST_F(by_name_test, a_type_dropped_and_created_again_elsewhere_fails_once_then_works) {
  cx().execute_script("create table kvs (h hstore)");
  cx().execute("insert into kvs values ($1)", sample());
  EXPECT_EQ(cx().query_value<hstore>("select h from kvs"), sample());
  const pgpx::oid before = pgpx::type_oid(cx(), "hstore");
  {
    pgpx::connection other{conninfo()};
    other.execute_script("drop extension hstore cascade; create type filler as (a int); create extension hstore");
    other.execute_script("create table kvs2 (h hstore); insert into kvs2 values ('a=>1')");
  }
  // This session still holds the old OID: the first read fails, naming the type...
  try {
    (void)cx().query_value<hstore>("select h from kvs2");
    ADD_FAILURE() << "a stale OID was accepted";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_THAT(e.message(), HasSubstr("hstore"));
  }
  // ...and the next statement resolves again.
  EXPECT_EQ(cx().query_value<hstore>("select h from kvs2"), (hstore{{{"a", "1"}}}));
  EXPECT_NE(pgpx::type_oid(cx(), "hstore"), before);
  EXPECT_EQ(cx().query_value<hstore>("select $1", sample()), sample());
}

TEST_F(by_name_test, ddl_on_the_same_connection_is_seen_at_once) {
  EXPECT_EQ(cx().query_value<hstore>("select $1", sample()), sample());  // resolved: hstore exists
  cx().execute_script("drop extension hstore");
  cx().execute_script("create type filler as (a int)");
  cx().execute_script("create extension hstore");
  EXPECT_EQ(cx().query_value<hstore>("select 'q=>1'::hstore"), (hstore{{{"q", "1"}}}));
  EXPECT_EQ(cx().query_value<hstore>("select $1", sample()), sample());
}

TEST_F(by_name_test, a_type_installed_by_another_session_is_found_when_first_missing) {
  cx().execute_script("drop extension hstore");
  EXPECT_EQ(pgpx::type_oid(cx(), "hstore"), 0U);  // this session now knows it is missing
  {
    pgpx::connection other{conninfo()};
    other.execute_script("create extension hstore");
  }
  // A parameter of a missing type is looked up again once before it is reported.
  EXPECT_EQ(cx().query_value<hstore>("select $1", sample()), sample());
}

TEST_F(by_name_test, a_missing_type_names_the_type_and_database_and_sends_nothing) {
  cx().execute_script("create table t (x int)");
  try {
    cx().execute("insert into t values (1) returning $1::text", kv::missing_t{7});
    FAIL() << "a parameter of a missing type was sent";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.sqlstate(), "42704");
    EXPECT_THAT(e.message(), HasSubstr("\"no_such_type_here\""));
    EXPECT_THAT(e.message(), HasSubstr(database_name()));
    EXPECT_THAT(e.message(), HasSubstr("$1"));
  }
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 0);  // nothing ran
  // In a transaction the session stays usable: the statement was never sent.
  cx().execute_script("begin");
  EXPECT_THROW(cx().execute("insert into t values ($1::int)", kv::missing_t{1}), pgpx::error);
  cx().execute("insert into t values (2)");
  cx().execute_script("commit");
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 1);
}

TEST_F(by_name_test, a_batch_resolves_before_the_pipeline_starts) {
  cx().execute_script("create table kvs (id int, h hstore)");
  // A fresh connection: its first statement is the batch, so the catalog query must come
  // before pipeline mode (it cannot run inside).
  pgpx::connection fresh{conninfo()};
  pgpx::batch b;
  for (int i = 0; i < 5; ++i) b.add("insert into kvs values ($1, $2)", i, hstore{{{"i", std::to_string(i)}}});
  b.add("select $1", sample());
  const auto out = pgpx::run_batch(fresh, b);
  ASSERT_EQ(out.results.size(), 6U);
  EXPECT_EQ(out.results[5][0].get<hstore>(0), sample());  // a batch's result carries the catalog too
  EXPECT_EQ(fresh.query_value<std::int64_t>("select count(*) from kvs"), 5);
  EXPECT_EQ(fresh.query_value<std::string>("select h -> 'i' from kvs where id = 3"), "3");
  // A missing type anywhere in a batch: reported before anything is sent.
  pgpx::batch bad;
  bad.add("insert into kvs values (100, $1)", sample());
  bad.add("select $1::text", kv::missing_t{1});
  EXPECT_THROW((void)pgpx::run_batch(fresh, bad), pgpx::error);
  EXPECT_EQ(fresh.query_value<std::int64_t>("select count(*) from kvs where id = 100"), 0);
  (void)out;
}

struct kv_row {
  std::int32_t id;
  hstore h;
  std::optional<hstore> maybe;
};

TEST_F(by_name_test, binary_copy_writes_named_types) {
  cx().execute_script("create table kv_row (id int, h hstore, maybe hstore)");
  pgpx::connection fresh{conninfo()};  // catalog not yet read
  std::vector<kv_row> rows;
  for (int i = 0; i < 50; ++i) rows.push_back({i, hstore{{{"n", std::to_string(i)}}}, std::nullopt});
  rows[7].maybe = sample();
  EXPECT_EQ(pgpx::copy_in<kv_row>(fresh, "kv_row", rows), 50U);
  EXPECT_EQ(fresh.query_value<std::string>("select h -> 'n' from kv_row where id = 49"), "49");
  EXPECT_EQ(fresh.query_value<hstore>("select maybe from kv_row where id = 7"), sample());
  // Reading the rows back into the struct checks every named column.
  auto back = fresh.query<kv_row>("select id, h, maybe from kv_row order by id");
  ASSERT_EQ(back.size(), 50U);
  EXPECT_EQ(back[7].maybe, sample());
}

// Every path that makes results hands them the session's catalog: single-row streaming and
// cursor streaming (besides queries, batches and COPY out, tested above and in the pgvector
// tests).
TEST_F(by_name_test, streamed_rows_read_named_types) {
  cx().execute_script("create table kvs (id int, h hstore)");
  for (int i = 0; i < 30; ++i) cx().execute("insert into kvs values ($1, $2)", i, hstore{{{"i", std::to_string(i)}}});
  struct kv_pair {
    std::int32_t id;
    hstore h;
  };
  int seen = 0;
  for (const auto& row : pgpx::stream<kv_pair>(cx(), "select id, h from kvs order by id")) {
    EXPECT_EQ(row.h, (hstore{{{"i", std::to_string(row.id)}}}));
    ++seen;
  }
  EXPECT_EQ(seen, 30);
  seen = 0;
  for (const auto& row : pgpx::stream<kv_pair>(cx(), {.fetch_size = 7}, "select id, h from kvs order by id")) {
    EXPECT_EQ(row.h, (hstore{{{"i", std::to_string(row.id)}}}));
    ++seen;
  }
  EXPECT_EQ(seen, 30);
  // A column of another run-time type is refused by name in a stream as well.
  cx().execute_script("create type colour as enum ('red')");
  EXPECT_THROW(
      {
        for (const auto& row : pgpx::stream<hstore>(cx(), "select 'red'::colour")) (void)row;
      },
      pgpx::conversion_error);
}

TEST_F(by_name_test, a_result_outlives_its_closed_session_and_a_new_session_resolves_again) {
  EXPECT_EQ(cx().query_value<hstore>("select $1", sample()), sample());
  auto kept = pgpx::test::run_one(cx(), "select $1", sample());  // holds the session's catalog
  const auto pid = cx().query_value<std::int32_t>("select pg_backend_pid()");
  pgpx::connection admin{conninfo()};
  (void)admin.query_value<bool>("select pg_terminate_backend($1)", pid);
  EXPECT_THROW((void)cx().query_value<std::int32_t>("select 1"), pgpx::error);  // the session closes
  // The closed session dropped its catalog; the result kept its own and still reads by name
  // (under ASan a result that borrowed the session's catalog would read freed memory).
  EXPECT_EQ(kept[0].get<hstore>(0), sample());
  // A new connection to the same database (a pool would reconnect the same way).
  pgpx::connection again{conninfo()};
  EXPECT_EQ(again.query_value<hstore>("select $1", sample()), sample());
}

}  // namespace
