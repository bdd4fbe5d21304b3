// The pgvector plugin's types, distances, indexes and settings against a real pgvector:
// PostgreSQL 17 with pgvector 0.8 in PGlite (tests/support/pglite.hpp), since Debian does not
// package pgvector. Values go both ways in binary and are checked against the server's own
// text; nearest-neighbour queries are checked against a brute-force search done here; bad
// values are refused before anything is sent.
#include "support/pglite.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/core/hooks.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/core/copy.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/core/type_names.hpp>
#include <pgpx/ext/pgvector.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace pgvector_models {
struct pv_item {
  pgpx::identity<std::int64_t> id;
  std::string body;
  pgpx::pgvector::vector_of<16> embedding;
};
struct pv_flat {
  pgpx::identity<std::int64_t> id;
  pgpx::pgvector::halfvec_of<4> h;
  std::optional<pgpx::pgvector::sparsevec> s;
};
struct pv_row {
  std::int64_t id;
  pgpx::pgvector::vector embedding;
};
}  // namespace pgvector_models

template <>
struct pgpx::model<pgvector_models::pv_item> {
  static auto indexes() {
    return std::tuple{pgpx::pgvector::hnsw(&pgvector_models::pv_item::embedding, pgpx::pgvector::cosine,
                                           {.m = 8, .ef_construction = 32})};
  }
};
template <>
struct pgpx::model<pgvector_models::pv_flat> {
  static auto indexes() {
    return std::tuple{pgpx::pgvector::ivfflat(&pgvector_models::pv_flat::h, pgpx::pgvector::l2, {.lists = 4})};
  }
};

namespace {

namespace pv = pgpx::pgvector;
using pgvector_models::pv_flat;
using pgvector_models::pv_item;
using pgvector_models::pv_row;
using ::testing::HasSubstr;

class pgvector_test : public ::testing::Test {
 protected:
  void SetUp() override { reconnect(); }

  // A new connection on a clean session. PGlite (0.4.6) runs one session for every
  // connection and, after an error in an extended-protocol statement, answers each later
  // message of that connection one step late: tests reconnect after an expected error.
  void reconnect() {
    cx_.reset();
    pgpx::connection_options o;
    if (std::getenv("PGPX_DEBUG_SQL") != nullptr) {
      auto hook = std::make_shared<pgpx::query_hook>();
      hook->on_query = [](const pgpx::query_event& e) {
        std::fprintf(stderr, "SQL %.*s rows=%llu %s\n", static_cast<int>(e.sql.size()), e.sql.data(),
                     static_cast<unsigned long long>(e.rows), e.failure != nullptr ? e.failure->message().c_str() : "");
      };
      o.hook = hook;
    }
    cx_ = std::make_unique<pgpx::connection>(pgpx::test::pglite_conninfo(), o);
    // Tests take turns on the one session (RESOURCE_LOCK), which outlives connections:
    // start from a clean session and no tables of ours.
    cx().execute_script("discard all");
    if (first_) cx().execute_script("drop table if exists pv_items, pv_flats, pv_rows, pv_dim3 cascade");
    first_ = false;
  }
  auto cx() -> pgpx::connection& { return *cx_; }

 private:
  std::unique_ptr<pgpx::connection> cx_;
  bool first_ = true;
};

TEST_F(pgvector_test, vectors_travel_in_binary_both_ways) {
  const pv::vector v{{1.5F, -2.25F, 0.0F, 3.0e-7F, 123456.78F}};
  // The server's text of what was sent, and what it sends back.
  EXPECT_EQ(cx().query_value<std::string>("select $1::text", v), "[1.5,-2.25,0,3e-07,123456.78]");
  EXPECT_EQ(cx().query_value<pv::vector>("select $1", v), v);
  EXPECT_EQ(cx().query_value<pv::vector>("select '[1,2,3]'::vector"), (pv::vector{{1, 2, 3}}));
  auto r = pgpx::test::run_one(cx(), "select $1", v);
  EXPECT_EQ(r.column_type(0), pgpx::type_oid(cx(), "vector"));  // sent with its OID: no cast
  // A view reads the result in place.
  const auto view = r[0].get<pv::vector_view>(0);
  ASSERT_EQ(view.size(), 5U);
  EXPECT_EQ(view[1], -2.25F);
  EXPECT_EQ(view.to_vector(), v);
  // The largest vector pgvector takes.
  pv::vector big;
  big.values.resize(pv::max_dimensions);
  std::iota(big.values.begin(), big.values.end(), 0.0F);
  EXPECT_EQ(cx().query_value<pv::vector>("select $1", big), big);
}

TEST_F(pgvector_test, halfvec_rounds_as_the_server_does) {
  const pv::halfvec h{{1.0F, -0.333333F, 65504.0F, 6.1e-5F, 1.0e-7F, 0.0F}};
  // The server converts our halves to text: each equals the half of the float.
  const auto back = cx().query_value<pv::halfvec>("select $1", h);
  ASSERT_EQ(back.values.size(), h.values.size());
  // The server's own float -> half conversion (text in, binary out) agrees with ours.
  const auto server = cx().query_value<pv::halfvec>("select '[1,-0.333333,65504,6.1e-5,1e-7,0]'::halfvec");
  EXPECT_EQ(back, server);
  EXPECT_EQ(back.values[0], 1.0F);
  EXPECT_EQ(back.values[2], 65504.0F);
  EXPECT_NEAR(back.values[1], -0.333333F, 1e-3F);
  EXPECT_EQ(cx().query_value<std::string>("select $1::text", pv::halfvec{{0.5F, 2.0F}}), "[0.5,2]");
}

TEST_F(pgvector_test, sparsevec_keeps_indices_and_values) {
  const pv::sparsevec s{10, {0, 3, 9}, {1.5F, -2.0F, 4.0F}};
  EXPECT_EQ(cx().query_value<std::string>("select $1::text", s), "{1:1.5,4:-2,10:4}/10");  // 1-based text
  EXPECT_EQ(cx().query_value<pv::sparsevec>("select $1", s), s);
  EXPECT_EQ(cx().query_value<pv::sparsevec>("select '{2:5}/3'::sparsevec"), (pv::sparsevec{3, {1}, {5.0F}}));
  EXPECT_EQ(pv::sparsevec::from_dense(s.to_dense()), s);
  EXPECT_EQ(cx().query_value<pv::vector>("select $1::vector", s).values, s.to_dense());
}

TEST_F(pgvector_test, bad_values_are_refused_before_anything_is_sent) {
  cx().execute_script("create table pv_dim3 (v vector(3))");
  const auto refused = [&](const auto& value, std::string_view cause) {
    pgpx::test::expect_refused_before_sending(cx(), "insert into pv_dim3 values ($1)", value,
                                              {"pgvector", "$1", cause});
  };
  refused(pv::vector{{1, std::numeric_limits<float>::quiet_NaN(), 3}}, "NaN");
  refused(pv::vector{{1, 2, std::numeric_limits<float>::infinity()}}, "infinite");
  refused(pv::vector{}, "at least 1 dimension");
  refused(pv::vector{std::vector<float>(16001, 1.0F)}, "more than 16000");
  refused(pv::halfvec{{1.0F, 70000.0F}}, "out of range for halfvec");
  refused(pv::sparsevec{5, {3, 1}, {1, 2}}, "ascending");
  refused(pv::sparsevec{5, {5}, {1}}, "outside 0..4");
  refused(pv::sparsevec{5, {1, 2}, {1}}, "2 indices but 1 values");
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from pv_dim3"), 0);
  // A dimension count the column does not take: the server's error, nothing stored.
  try {
    cx().execute("insert into pv_dim3 values ($1)", pv::vector{{1, 2, 3, 4}});
    ADD_FAILURE() << "a 4-dimension vector went into vector(3)";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.sqlstate(), "22000");
    EXPECT_THAT(e.message(), HasSubstr("expected 3 dimensions, not 4"));
  }
  reconnect();  // PGlite 0.4 answers one message late after an extended-protocol error
  cx().execute("insert into pv_dim3 values ($1)", pv::vector{{1, 2, 3}});
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from pv_dim3"), 1);
}

TEST_F(pgvector_test, model_indexes_are_created_with_their_operator_class_and_options) {
  pgpx::schema::create(cx(), pgpx::models<pv_item, pv_flat>);
  const auto def = [&](const char* table) {
    const auto defs =
        cx().query<std::string>("select indexdef from pg_indexes where tablename = $1", std::string(table));
    std::string all;
    for (const auto& d : defs) all += d + "\n";
    return all;
  };
  EXPECT_THAT(def("pv_items"),
              HasSubstr("USING hnsw (embedding vector_cosine_ops) WITH (m='8', ef_construction='32')"));
  EXPECT_THAT(def("pv_flats"), HasSubstr("USING ivfflat (h halfvec_l2_ops) WITH (lists='4')"));
  const auto type_of = [&](const char* table, const char* column) {
    return cx().query_value<std::string>(
        "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = $1::regclass and attname = $2",
        std::string(table), std::string(column));
  };
  EXPECT_EQ(type_of("pv_items", "embedding"), "vector(16)");
  EXPECT_EQ(type_of("pv_flats", "h"), "halfvec(4)");
  EXPECT_EQ(type_of("pv_flats", "s"), "sparsevec");
  // A fixed-size member refuses another length, both ways.
  EXPECT_THROW(pgpx::insert(cx(), pv_flat{{}, pv::halfvec_of<4>({1, 2, 3}), std::nullopt}), pgpx::conversion_error);
  EXPECT_THROW((void)cx().query_value<pv::vector_of<3>>("select '[1,2]'::vector"), pgpx::conversion_error);
  reconnect();
}

// Distances computed here, the reference for the server's ordering.
auto cosine_distance(const std::vector<float>& a, const std::vector<float>& b) -> double {
  double dot = 0;
  double na = 0;
  double nb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
  }
  return 1.0 - (dot / (std::sqrt(na) * std::sqrt(nb)));
}
auto l2(const std::vector<float>& a, const std::vector<float>& b) -> double {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(s);
}

TEST_F(pgvector_test, nearest_neighbours_through_the_builder_match_a_brute_force_search) {
  pgpx::schema::create(cx(), pgpx::models<pv_item>);
  std::mt19937 gen(42);
  std::uniform_real_distribution<float> u(-1.0F, 1.0F);
  std::vector<pv::vector> all;
  for (int i = 0; i < 200; ++i) {
    pv::vector v;
    for (int d = 0; d < 16; ++d) v.values.push_back(u(gen));
    all.push_back(v);
    (void)pgpx::insert(cx(), pv_item{{}, "item " + std::to_string(i), pv::vector_of<16>(v)});
  }
  const pv::vector q = all[17];
  // Exact search (no index scan): the order must equal ours.
  pgpx::transaction tx(cx());
  tx.execute("set local enable_indexscan = off");
  const auto near =
      pgpx::select<pv_item>().order_by(pv::cosine_distance(pgpx::col(&pv_item::embedding), q)).limit(5).all(tx);
  ASSERT_EQ(near.size(), 5U);
  std::vector<std::size_t> order(all.size());
  std::iota(order.begin(), order.end(), 0U);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return cosine_distance(all[a].values, q.values) < cosine_distance(all[b].values, q.values);
  });
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(near[i].body, "item " + std::to_string(order[i])) << i;
  // The distance as a value, checked against ours.
  const auto d = pgpx::select(pv::l2_distance(pgpx::col(&pv_item::embedding), q))
                     .from<pv_item>()
                     .where(pgpx::col(&pv_item::body) == std::string("item 3"))
                     .one(tx);
  EXPECT_NEAR(d, l2(all[3].values, q.values), 1e-4);
  tx.commit();
  // Through the HNSW index, with a wider search: the query itself comes first.
  pgpx::transaction tx2(cx());
  pv::set_ef_search(tx2, 100);
  EXPECT_EQ(tx2.query_value<std::string>("select current_setting('hnsw.ef_search')"), "100");
  const auto first =
      pgpx::select<pv_item>().order_by(pv::cosine_distance(pgpx::col(&pv_item::embedding), q)).limit(1).one(tx2);
  EXPECT_EQ(first.body, "item 17");
  tx2.commit();
  // The setting was local to the transaction.
  EXPECT_EQ(cx().query_value<std::string>("select current_setting('hnsw.ef_search')"), "40");
}

TEST_F(pgvector_test, probes_are_set_per_transaction) {
  pgpx::transaction tx(cx());
  pv::set_probes(tx, 7);
  EXPECT_EQ(tx.query_value<std::string>("select current_setting('ivfflat.probes')"), "7");
  EXPECT_THROW(pv::set_probes(tx, 0), pgpx::usage_error);
  tx.rollback();
  EXPECT_EQ(cx().query_value<std::string>("select current_setting('ivfflat.probes')"), "1");
}

TEST_F(pgvector_test, embeddings_load_in_a_pipeline_and_read_back_through_binary_copy) {
  // PGlite 0.4.6 loses protocol sync on COPY FROM STDIN (psql's \copy too), so the load runs
  // as one pipelined batch here; binary COPY *into* a named-type column is tested on
  // PostgreSQL 15 with hstore (tests/integration/types/by_name_test.cpp), through the same
  // codec. COPY TO works in PGlite: the rows come back through binary COPY.
  cx().execute_script("create table pv_rows (id int8 primary key, embedding vector(64))");
  std::vector<pv_row> rows;
  pgpx::batch b;
  for (int i = 0; i < 2000; ++i) {
    pv_row r{i, {}};
    for (int d = 0; d < 64; ++d) r.embedding.values.push_back(static_cast<float>(i) + (static_cast<float>(d) / 64.0F));
    b.add("insert into pv_rows values ($1, $2)", r.id, r.embedding);
    rows.push_back(std::move(r));
  }
  const auto out = pgpx::run_batch(cx(), b);
  EXPECT_EQ(out.affected_rows, 2000U);
  EXPECT_EQ(cx().query_value<pv::vector>("select embedding from pv_rows where id = 1234"), rows[1234].embedding);
  const auto back = pgpx::copy_out_query<pv_row>(cx(), "select id, embedding from pv_rows order by id");
  ASSERT_EQ(back.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); i += 250) EXPECT_EQ(back[i].embedding, rows[i].embedding) << i;
  // A NaN anywhere in a batch: refused while the batch is built, nothing sent.
  pgpx::batch bad;
  bad.add("insert into pv_rows values ($1, $2)", std::int64_t{5000}, rows[0].embedding);
  pv::vector nan{{1.0F, std::numeric_limits<float>::quiet_NaN()}};
  EXPECT_THROW(bad.add("insert into pv_rows values ($1, $2)", std::int64_t{5001}, nan), pgpx::conversion_error);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from pv_rows where id >= 5000"), 0);
}

// The same plugin on a server without pgvector (the project's PostgreSQL 15): the type is
// reported missing by name, before anything is sent.
class pgvector_missing_test : public pgpx::test::db_test {};

TEST_F(pgvector_missing_test, a_server_without_pgvector_is_named_in_the_error) {
  try {
    (void)cx().query_value<pv::vector>("select $1", pv::vector{{1, 2}});
    FAIL() << "a vector was sent to a server without pgvector";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.sqlstate(), "42704");
    EXPECT_THAT(e.message(), HasSubstr("type \"vector\" does not exist in database \"" + database_name() + "\""));
  }
}

}  // namespace
