// model_info<T>(): tables, columns, SQL types, keys, references, constraint and index names
// of the spec's example models, and the run-time refusals of a description.
#include "support/orm_models.hpp"

#include <pgpx/model/model.hpp>
#include <pgpx/types/composite.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace model_named {
struct addr {  // a composite that names its type
  std::string street;
  std::optional<std::string> city;
};
struct resident {
  pgpx::identity<std::int64_t> id;
  addr home;
  std::vector<addr> past;
  std::optional<addr> holiday;
};
}  // namespace model_named

template <>
inline constexpr bool pgpx::is_composite<model_named::addr> = true;
template <>
inline constexpr std::string_view pgpx::composite_type<model_named::addr> = "address";

namespace {

using namespace orm_models;

auto names_of(const pgpx::model_description& m) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& c : m.columns) out.push_back(c.name);
  return out;
}

TEST(model_info, tables_are_named_by_a_fixed_rule_or_as_declared) {
  EXPECT_EQ(pgpx::model_info<author>().table, "authors");
  EXPECT_EQ(pgpx::model_info<category>().table, "categories");
  EXPECT_EQ(pgpx::model_info<book_tag>().table, "book_tags");
  EXPECT_EQ(pgpx::model_info<job_archive>().table, "jobs_archive");
  EXPECT_EQ(pgpx::model_info<order_line>().schema, "shop");
  EXPECT_EQ(pgpx::detail::default_table_name("ns::box"), "boxes");
  EXPECT_EQ(pgpx::detail::default_table_name("status"), "statuses");
  EXPECT_EQ(pgpx::detail::default_table_name("(anonymous namespace)::OrderLine"), "order_lines");
  EXPECT_EQ(pgpx::detail::default_table_name("key"), "keys");  // a vowel before y: +s
  EXPECT_EQ(pgpx::detail::default_table_name("match"), "matches");
  EXPECT_EQ(pgpx::detail::default_table_name("wish"), "wishes");
}

TEST(model_info, columns_carry_types_and_facts_in_member_order) {
  const auto& a = pgpx::model_info<author>();
  EXPECT_EQ(names_of(a), (std::vector<std::string>{"id", "name", "email", "bio", "created_at"}));
  EXPECT_EQ(a.columns[0].type, "int8");
  EXPECT_TRUE(a.columns[0].facts.identity);
  EXPECT_FALSE(a.columns[0].sent_on_insert());
  EXPECT_EQ(a.columns[1].type, "varchar(80)");
  EXPECT_TRUE(a.columns[1].sent_on_insert());
  EXPECT_EQ(a.columns[2].unique_name, "authors_email_key");
  EXPECT_TRUE(a.columns[3].facts.nullable);
  EXPECT_EQ(a.columns[4].type, "timestamptz");
  EXPECT_EQ(a.columns[4].facts.default_sql, "now()");
  EXPECT_TRUE(a.columns[4].filled_by_server());
  EXPECT_EQ(a.primary_key, (std::vector<std::size_t>{0}));
  EXPECT_EQ(a.primary_key_name, "authors_pkey");

  const auto& b = pgpx::model_info<book>();
  EXPECT_EQ(b.columns[3].type, "int4");
  EXPECT_EQ(b.columns[4].type, "text[]");
  EXPECT_EQ(b.columns[5].type, "jsonb");
  EXPECT_EQ(b.columns[6].type, "timestamptz");
  EXPECT_TRUE(b.columns[6].facts.nullable);
  EXPECT_EQ(b.soft_delete_column(), &b.columns[6]);
  EXPECT_EQ(b.version_column(), nullptr);
  EXPECT_EQ(b.find_member("title"), &b.columns[2]);
  EXPECT_EQ(b.find_column("nope"), nullptr);
}

TEST(model_info, references_resolve_to_their_target_column) {
  const auto& b = pgpx::model_info<book>();
  const auto& fk = b.columns[1];
  ASSERT_TRUE(fk.reference.has_value());
  EXPECT_EQ(fk.type, "int8");  // the target's type
  EXPECT_EQ(&fk.reference->target(), &pgpx::model_info<author>());
  EXPECT_EQ(fk.reference->target().columns[fk.reference->target_column].name, "id");
  EXPECT_EQ(fk.reference->delete_action, pgpx::on_delete::cascade);
  EXPECT_EQ(fk.reference->constraint_name, "books_author_id_fkey");
  // A self reference, nullable.
  const auto& c = pgpx::model_info<category>();
  ASSERT_TRUE(c.columns[1].reference.has_value());
  EXPECT_EQ(&c.columns[1].reference->target(), &c);
  EXPECT_TRUE(c.columns[1].facts.nullable);
  // A composite key of two references, in declaration order.
  const auto& bt = pgpx::model_info<book_tag>();
  EXPECT_EQ(bt.primary_key, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(bt.columns[1].reference->target().table, "tags");
}

TEST(model_info, table_facts_give_keys_uniques_and_indexes_with_postgres_names) {
  const auto& b = pgpx::model_info<book>();
  ASSERT_EQ(b.indexes.size(), 2u);
  EXPECT_EQ(b.indexes[0].name, "books_author_id_title_idx");
  EXPECT_EQ(b.indexes[0].columns, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(b.indexes[1].name, "books_tags_idx");
  EXPECT_EQ(b.indexes[1].method, "gin");
  const auto& l = pgpx::model_info<order_line>();
  EXPECT_EQ(l.primary_key, (std::vector<std::size_t>{0, 1}));
  ASSERT_EQ(l.uniques.size(), 1u);
  EXPECT_EQ(l.uniques[0].name, "order_lines_order_id_sku_key");
  ASSERT_EQ(l.indexes.size(), 1u);
  EXPECT_EQ(l.indexes[0].name, "lines_by_sku");
  EXPECT_TRUE(l.indexes[0].unique);
  EXPECT_EQ(l.indexes[0].include, (std::vector<std::size_t>{3}));
  EXPECT_EQ(l.version_column(), &l.columns[4]);
  EXPECT_EQ(l.columns[4].facts.default_sql, "1");
}

TEST(model_info, enum_columns_name_their_type_and_carry_its_labels_once) {
  const auto& p = pgpx::model_info<person>();
  EXPECT_EQ(p.columns[1].type, "mood");
  EXPECT_EQ(p.columns[2].type, "mood[]");
  EXPECT_TRUE(p.columns[3].facts.nullable);
  ASSERT_EQ(p.enums.size(), 1u);
  EXPECT_EQ(p.enums[0].name, "mood");
  EXPECT_EQ(p.enums[0].labels, (std::vector<std::string>{"sad", "ok", "happy"}));
  EXPECT_EQ(pgpx::detail::default_enum_type_name("app::OrderStatus"), "order_status");
}

TEST(model_info, named_composite_columns_take_the_composites_type_name) {
  const auto& r = pgpx::model_info<model_named::resident>();
  ASSERT_EQ(r.columns.size(), 4u);
  EXPECT_EQ(r.columns[1].type, "address");  // pgpx::composite_type<addr>
  EXPECT_EQ(r.columns[2].type, "address[]");
  EXPECT_EQ(r.columns[3].type, "address");
  EXPECT_TRUE(r.columns[3].facts.nullable);
  EXPECT_TRUE(r.enums.empty());  // the type itself is the user's to create
}

struct a_model_whose_index_name_is_far_too_long_for_postgres {
  pgpx::identity<std::int64_t> id;
  std::string a_rather_long_column_name_for_an_index;
};
struct two_names {
  pgpx::identity<std::int64_t> id;
  std::string x;
};
struct nullable_key {
  std::optional<std::int64_t> id;
};
struct clash {
  std::int64_t userId;
  std::int64_t user_id;
};

}  // namespace

template <>
struct pgpx::model<a_model_whose_index_name_is_far_too_long_for_postgres> {
  static auto indexes() {
    return std::tuple{
        pgpx::index(&a_model_whose_index_name_is_far_too_long_for_postgres::a_rather_long_column_name_for_an_index)};
  }
};
template <>
struct pgpx::model<two_names> {
  static auto indexes() { return std::tuple{pgpx::index(&two_names::x), pgpx::index(&two_names::x)}; }
};
template <>
struct pgpx::model<clash> {
  static constexpr auto naming = pgpx::naming::snake_case;
};
template <>
struct pgpx::model<nullable_key> {
  static constexpr auto primary_key = pgpx::key_of(&nullable_key::id);
};

namespace {

TEST(model_info, wrong_facts_are_usage_errors_naming_the_model) {
  try {
    (void)pgpx::model_info<a_model_whose_index_name_is_far_too_long_for_postgres>();
    ADD_FAILURE() << "a 64+ byte generated name was accepted";
  } catch (const pgpx::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find(".name("), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("a_model_whose_index_name"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)pgpx::model_info<two_names>(), pgpx::usage_error);
  EXPECT_THROW((void)pgpx::model_info<nullable_key>(), pgpx::usage_error);
  try {
    (void)pgpx::model_info<clash>();
    ADD_FAILURE() << "two members mapping to user_id were accepted";
  } catch (const pgpx::usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("\"user_id\""), std::string::npos) << e.what();
  }
}

}  // namespace
