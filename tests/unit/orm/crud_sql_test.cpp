// The SQL of the CRUD verbs, from model descriptions alone (no server): what each verb sends
// for the spec's models, and the models and requests refused before anything is sent.
#include "support/orm_models.hpp"

#include <pgpx/orm/crud.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace crud_sql_models {
struct keyless {
  std::string a;
  std::string b;
};
}  // namespace crud_sql_models

namespace {

using namespace orm_models;
namespace d = pgpx::orm::detail;

TEST(orm_sql, insert_leaves_out_server_filled_columns_and_returns_them) {
  const auto s = d::make_insert_shape(pgpx::model_info<author>());
  EXPECT_EQ(s.sql,
            R"(insert into "authors" ("name", "email", "bio") values ($1, $2, $3) returning "id", "created_at")");
  EXPECT_EQ(s.sent, (std::vector<std::size_t>{1, 2, 3}));
  EXPECT_EQ(s.returned, (std::vector<std::size_t>{0, 4}));
  EXPECT_EQ(d::make_insert_shape(pgpx::model_info<order_line>()).sql,
            R"(insert into "shop"."order_lines" ("order_id", "line_no", "sku", "qty") values ($1, $2, $3, $4))"
            R"( returning "row_version")");
}

TEST(orm_sql, insert_many_has_a_multi_row_insert_per_power_of_two_within_the_parameter_limit) {
  const auto& m = pgpx::model_info<author>();
  const auto shape = d::make_insert_shape(m);
  const auto many = d::make_insert_rows_sql(m, shape);
  EXPECT_EQ(many.largest, 1024u);  // 3 columns a row: 1024 rows are 3072 parameters
  ASSERT_EQ(many.by_log.size(), 11u);
  for (std::size_t k = 0; k < 4; ++k) EXPECT_TRUE(many.by_log[k].empty()) << k;
  EXPECT_TRUE(many.by_log[4].starts_with(
      R"(insert into "authors" ("name", "email", "bio") values ($1, $2, $3), ($4, $5, $6), ($7, $8, $9), ($10,)"))
      << many.by_log[4];
  EXPECT_TRUE(many.by_log[4].ends_with(R"(($46, $47, $48) returning "id", "created_at")")) << many.by_log[4];
  EXPECT_TRUE(many.by_log[10].ends_with(R"(($3070, $3071, $3072) returning "id", "created_at")"));
  // 2500 rows: two of the largest, then one of each smaller power of two that fits, down to 16;
  // what is left (fewer than 16 rows) goes one by one.
  EXPECT_EQ(d::insert_chunks(many, 2500), (std::vector<std::size_t>{1024, 1024, 256, 128, 64}));
  EXPECT_EQ(d::insert_chunks(many, 15), std::vector<std::size_t>{});
  EXPECT_EQ(d::insert_chunks(many, 16), std::vector<std::size_t>{16});
  EXPECT_EQ(d::insert_chunks(many, 1023), (std::vector<std::size_t>{512, 256, 128, 64, 32, 16}));
  // A wide model stays under 65,535 parameters: 5000 columns a row leave 13 rows, too few.
  d::insert_shape wide;
  wide.sent.assign(5000, 1);
  EXPECT_EQ(d::make_insert_rows_sql(m, wide).largest, 0u);
  wide.sent.assign(100, 1);  // 655 rows fit: 512
  EXPECT_EQ(d::make_insert_rows_sql(m, wide).largest, 512u);
  // A model that sends nothing (`default values`) has no multi-row form.
  EXPECT_EQ(d::make_insert_rows_sql(m, d::insert_shape{}).largest, 0u);
  EXPECT_EQ(d::insert_chunks(d::insert_rows_sql{}, 5000), std::vector<std::size_t>{});
}

TEST(orm_sql, get_selects_every_column_by_key_and_skips_deleted_rows) {
  EXPECT_EQ(d::make_get_sql(pgpx::model_info<book>(), false),
            R"(select "id", "author_id", "title", "price_cents", "tags", "meta", "deleted_at" from "books")"
            R"( where "id" = $1 and "deleted_at" is null)");
  EXPECT_EQ(d::make_get_sql(pgpx::model_info<book>(), true),
            R"(select "id", "author_id", "title", "price_cents", "tags", "meta", "deleted_at" from "books")"
            R"( where "id" = $1)");
  EXPECT_EQ(d::make_get_sql(pgpx::model_info<order_line>(), false),
            R"(select "order_id", "line_no", "sku", "qty", "row_version" from "shop"."order_lines")"
            R"( where "order_id" = $1 and "line_no" = $2)");
}

TEST(orm_sql, update_delete_and_restore_statements) {
  const auto& b = pgpx::model_info<book>();
  const auto up = d::make_write_shape(b, d::write_kind::update);
  EXPECT_EQ(up.sql, R"(update "books" set "author_id" = $1, "title" = $2, "price_cents" = $3, "tags" = $4,)"
                    R"( "meta" = $5 where "id" = $6 and "deleted_at" is null)");
  EXPECT_EQ(up.keys, (std::vector<std::size_t>{0}));
  EXPECT_FALSE(up.checks_version);
  EXPECT_EQ(d::make_write_shape(b, d::write_kind::update, {2}).sql,
            R"(update "books" set "title" = $1 where "id" = $2 and "deleted_at" is null)");
  EXPECT_EQ(
      d::make_write_shape(b, d::write_kind::restore).sql,
      R"(update "books" set "deleted_at" = null where "id" = $1 and "deleted_at" is not null returning "deleted_at")");
  EXPECT_EQ(d::make_write_shape(b, d::write_kind::hard_delete).sql, R"(delete from "books" where "id" = $1)");
  const auto& l = pgpx::model_info<order_line>();
  const auto del = d::make_write_shape(l, d::write_kind::hard_delete);
  EXPECT_EQ(del.sql,
            R"(delete from "shop"."order_lines" where "order_id" = $1 and "line_no" = $2 and "row_version" = $3)");
  EXPECT_TRUE(del.checks_version);
}

TEST(orm_sql, count_and_exists_wrap_the_predicate_and_add_the_soft_delete_filter) {
  const auto& b = pgpx::model_info<book>();
  EXPECT_EQ(d::make_count_sql(b, false, false, ""), R"(select count(*) from "books" where "deleted_at" is null)");
  EXPECT_EQ(d::make_count_sql(b, false, true, ""), R"(select count(*) from "books")");
  EXPECT_EQ(d::make_count_sql(b, true, false, "a or b"),
            R"(select exists (select 1 from "books" where (a or b) and "deleted_at" is null))");
  EXPECT_EQ(d::make_count_sql(pgpx::model_info<author>(), false, false, "x"),
            R"(select count(*) from "authors" where (x))");
}

TEST(orm_sql, upsert_targets_members_or_a_constraint) {
  const auto& a = pgpx::model_info<author>();
  EXPECT_EQ(d::make_upsert_shape(a, {2}, "", true).sql,
            R"(insert into "authors" ("name", "email", "bio") values ($1, $2, $3) on conflict ("email") do nothing)"
            R"( returning "id", "created_at", (xmax = 0))");
  // A named constraint of the model: its columns are not updated.
  EXPECT_EQ(d::make_upsert_shape(a, {}, "authors_email_key", false).sql,
            R"(insert into "authors" ("name", "email", "bio") values ($1, $2, $3) on conflict on constraint)"
            R"( "authors_email_key" do update set "name" = excluded."name", "bio" = excluded."bio")"
            R"( returning "id", "created_at", (xmax = 0))");
  EXPECT_EQ(d::make_upsert_shape(pgpx::model_info<order_line>(), {}, "", false).sql,
            R"(insert into "shop"."order_lines" ("order_id", "line_no", "sku", "qty") values ($1, $2, $3, $4))"
            R"( on conflict ("order_id", "line_no") do update set "sku" = excluded."sku", "qty" = excluded."qty",)"
            R"( "row_version" = "order_lines"."row_version" + 1 returning "row_version", (xmax = 0))");
}

TEST(orm_sql, requests_that_cannot_be_written_are_refused_naming_the_model) {
  const auto& k = pgpx::model_info<crud_sql_models::keyless>();
  try {
    (void)d::make_write_shape(k, d::write_kind::update);
    FAIL();
  } catch (const pgpx::usage_error& e) {
    EXPECT_NE(e.message().find("keyless: the model has no primary key"), std::string::npos) << e.message();
  }
  EXPECT_THROW((void)d::make_upsert_shape(k, {}, "", false), pgpx::usage_error);
  EXPECT_NO_THROW((void)d::make_upsert_shape(k, {0}, "", false));
  try {
    (void)d::make_write_shape(pgpx::model_info<author>(), d::write_kind::soft_delete);
    FAIL();
  } catch (const pgpx::usage_error& e) {
    EXPECT_NE(e.message().find("no pgpx::deleted_at column"), std::string::npos) << e.message();
  }
  // The primary key and the managed columns cannot be set by an update.
  EXPECT_THROW((void)d::make_write_shape(pgpx::model_info<author>(), d::write_kind::update, {0}), pgpx::usage_error);
  EXPECT_THROW((void)d::make_write_shape(pgpx::model_info<order_line>(), d::write_kind::update, {4}),
               pgpx::usage_error);
  EXPECT_THROW((void)d::make_write_shape(pgpx::model_info<order_line>(), d::write_kind::update, {1}),
               pgpx::usage_error);
}

TEST(orm_sql, key_count_is_known_at_compile_time) {
  static_assert(d::key_count<author>() == 1);
  static_assert(d::key_count<book_tag>() == 2);
  static_assert(d::key_count<order_line>() == 2);
  static_assert(d::key_count<crud_sql_models::keyless>() == 0);
  SUCCEED();
}

}  // namespace
