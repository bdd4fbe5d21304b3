// The SQL the prebuilt plugins write, as golden text, without a server: operators and
// functions in the builder, index declarations in model DDL. For pg_bigm this is the only
// test there is (no server we can reach packages it); the others also run on servers
// (tests/integration/ext).
#include <pgpx/ext/bigm.hpp>
#include <pgpx/ext/hstore.hpp>
#include <pgpx/ext/ltree.hpp>
#include <pgpx/ext/pgvector.hpp>
#include <pgpx/ext/postgis.hpp>
#include <pgpx/ext/trgm.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

namespace plugin_sql_models {
struct doc {
  pgpx::identity<std::int64_t> id;
  std::string body;
};
struct item {
  pgpx::identity<std::int64_t> id;
  pgpx::pgvector::vector_of<3> embedding;
  pgpx::pgvector::sparsevec_of<100> sparse;
};
struct place {
  pgpx::identity<std::int64_t> id;
  pgpx::postgis::geography at;
};
}  // namespace plugin_sql_models

template <>
struct pgpx::model<plugin_sql_models::doc> {
  static auto indexes() { return std::tuple{pgpx::bigm::gin(&plugin_sql_models::doc::body)}; }
};
template <>
struct pgpx::model<plugin_sql_models::item> {
  static auto indexes() {
    return std::tuple{
        pgpx::pgvector::hnsw(&plugin_sql_models::item::embedding, pgpx::pgvector::inner_product, {.m = 12}),
        pgpx::pgvector::ivfflat(&plugin_sql_models::item::embedding, pgpx::pgvector::l2, {.lists = 50})
            .name("item_embedding_ivf"),
        pgpx::pgvector::hnsw(&plugin_sql_models::item::sparse, pgpx::pgvector::l1)};
  }
};
template <>
struct pgpx::model<plugin_sql_models::place> {
  static auto indexes() { return std::tuple{pgpx::postgis::gist(&plugin_sql_models::place::at)}; }
};

namespace {

using namespace plugin_sql_models;

auto ddl(const std::vector<pgpx::statement<void>>& ss) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& s : ss) out.push_back(s.sql());
  return out;
}

TEST(plugin_sql, bigm_golden_sql) {
  std::cout << "[   NOTE   ] pg_bigm is packaged nowhere this project can reach: its SQL is checked as text "
               "only, never run\n";
  const auto b = pgpx::col(&doc::body);
  EXPECT_EQ(pgpx::select<doc>().where(pgpx::bigm::like(b, std::string("東京"))).to_sql().sql,
            R"(select "id", "body" from "docs" where "body" like likequery($1))");
  EXPECT_EQ(pgpx::select(pgpx::bigm::similarity(b, std::string("x"))).from<doc>().to_sql().sql,
            R"(select bigm_similarity("body", $1) from "docs")");
  EXPECT_EQ(pgpx::select<doc>().where(pgpx::bigm::similar(b, std::string("y"))).to_sql().sql,
            R"(select "id", "body" from "docs" where "body" =% $1)");
  const auto d = ddl(pgpx::schema::create_table<doc>());
  ASSERT_EQ(d.size(), 2U);
  EXPECT_EQ(d[1], R"(create index "docs_body_idx" on "docs" using gin ("body" "gin_bigm_ops"))");
}

TEST(plugin_sql, pgvector_indexes_and_operators) {
  const auto d = ddl(pgpx::schema::create_table<item>());
  ASSERT_EQ(d.size(), 4U);
  EXPECT_NE(d[0].find(R"("embedding" vector(3) not null)"), std::string::npos) << d[0];
  EXPECT_NE(d[0].find(R"("sparse" sparsevec(100) not null)"), std::string::npos) << d[0];
  EXPECT_EQ(
      d[1],
      R"(create index "items_embedding_idx" on "items" using hnsw ("embedding" "vector_ip_ops") with ("m" = 12))");
  EXPECT_EQ(
      d[2],
      R"(create index "item_embedding_ivf" on "items" using ivfflat ("embedding" "vector_l2_ops") with ("lists" = 50))");
  EXPECT_EQ(d[3], R"(create index "items_sparse_idx" on "items" using hnsw ("sparse" "sparsevec_l1_ops"))");
  EXPECT_THROW((void)pgpx::pgvector::ivfflat(&item::embedding, pgpx::pgvector::l1), pgpx::usage_error);
  const auto e = pgpx::col(&item::embedding);
  const pgpx::pgvector::vector q{{1, 2, 3}};
  EXPECT_EQ(pgpx::select<item>().order_by(pgpx::pgvector::l2_distance(e, q)).limit(3).to_sql().sql,
            R"(select "id", "embedding", "sparse" from "items" order by "embedding" <-> $1 limit $2)");
  EXPECT_EQ(pgpx::statement<void>(pgpx::pgvector::max_inner_product(e, q) < -0.5).sql(),
            R"("items"."embedding" <#> $1 < $2)");
  EXPECT_EQ(pgpx::statement<void>(pgpx::pgvector::cosine_distance(e, q) < 0.5).sql(),
            R"("items"."embedding" <=> $1 < $2)");
  EXPECT_EQ(pgpx::statement<void>(pgpx::pgvector::l1_distance(e, q) < 0.5).sql(), R"("items"."embedding" <+> $1 < $2)");
}

TEST(plugin_sql, postgis_trgm_hstore_ltree_operators) {
  const auto at = pgpx::col(&place::at);
  const auto here = pgpx::postgis::geography::point(1, 2);
  EXPECT_EQ(pgpx::statement<void>(pgpx::postgis::dwithin(at, here, 100.0)).sql(),
            R"(ST_DWithin("places"."at", $1, $2))");
  EXPECT_EQ(pgpx::select<place>().order_by(pgpx::postgis::knn(at, here)).to_sql().sql,
            R"(select "id", "at" from "places" order by "at" <-> $1)");
  EXPECT_EQ(ddl(pgpx::schema::create_table<place>())[1],
            R"(create index "places_at_idx" on "places" using gist ("at"))");
  const auto b = pgpx::col(&doc::body);
  EXPECT_EQ(pgpx::statement<void>(pgpx::trgm::similar(b, std::string("x"))).sql(), R"("docs"."body" % $1)");
  EXPECT_EQ(pgpx::statement<void>(pgpx::trgm::word_similar(b, std::string("x"))).sql(), R"("docs"."body" <% $1)");
  EXPECT_EQ(pgpx::statement<void>(pgpx::trgm::distance(b, std::string("x")) < 0.5F).sql(),
            R"("docs"."body" <-> $1 < $2)");
}

TEST(plugin_sql, values_are_parameters_never_text) {
  // A value that looks like SQL stays a parameter in every plugin's operators.
  const std::string evil = "x'); drop table docs; --";
  const auto b = pgpx::col(&doc::body);
  for (const auto& sql : {pgpx::statement<void>(pgpx::bigm::like(b, evil)).sql(),
                          pgpx::statement<void>(pgpx::trgm::similar(b, evil)).sql(),
                          pgpx::statement<void>(pgpx::trgm::similarity(b, evil) > 0.1F).sql()})
    EXPECT_EQ(sql.find("drop"), std::string::npos) << sql;
}

}  // namespace
