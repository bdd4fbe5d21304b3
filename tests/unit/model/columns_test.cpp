// Which members map to which columns: model<T>::columns() renames and embedded members
// (mixins, pgpx::is_embedded), in reflection, column names and model_info<T>(), and the
// bad declarations refused when the description is built.
#include <pgpx/model/json.hpp>
#include <pgpx/model/model.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace columns_models {
struct line {
  pgpx::identity<std::int64_t> id;
  std::int32_t qty;
  std::string noteText;
};
struct audit {  // a user's mixin, itself holding a mixin
  std::optional<std::string> changed_by;
  pgpx::timestamps ts;
};
struct post {
  pgpx::identity<std::int64_t> id;
  pgpx::timestamps ts;
  std::string title;
  pgpx::soft_delete sd;
};
struct only_sd {
  std::int64_t id;
  pgpx::soft_delete sd;
};
struct doc {
  pgpx::key<std::int64_t> id;
  audit au;
};
struct twice_mixed {  // two mixins giving the same columns
  std::int64_t id;
  pgpx::timestamps a;
  pgpx::timestamps b;
};
struct renamed_leaf {
  std::int64_t id;
  pgpx::timestamps ts;
};
// Bad renames: each is refused when model_info<T>() is built.
struct clash {
  std::int64_t id;
  std::int32_t qty;
  std::int32_t quantity;
};
struct empty_name {
  std::int64_t id;
  std::int32_t qty;
};
struct renamed_twice {
  std::int64_t id;
  std::int32_t qty;
};
struct rename_mixin_itself {
  std::int64_t id;
  pgpx::timestamps ts;
};
struct too_long {
  std::int64_t id;
};
struct stamped {  // an embedded member named in table facts stands for its columns
  pgpx::identity<std::int64_t> id;
  std::string title;
  pgpx::timestamps ts;
};
struct renames_swap {  // two renames that swap names: no clash once both apply
  std::int32_t a;
  std::int32_t b;
};
}  // namespace columns_models

template <>
inline constexpr bool pgpx::is_embedded<columns_models::audit> = true;

template <>
struct pgpx::model<columns_models::line> {
  static constexpr auto naming = pgpx::naming::snake_case;
  static auto columns() { return std::tuple{pgpx::rename(&columns_models::line::qty, "quantity")}; }
};
template <>
struct pgpx::model<columns_models::renamed_leaf> {
  static auto columns() {
    return std::tuple{pgpx::rename(&columns_models::renamed_leaf::ts, &pgpx::timestamps::created_at, "made_at")};
  }
};
template <>
struct pgpx::model<columns_models::clash> {
  static auto columns() { return std::tuple{pgpx::rename(&columns_models::clash::qty, "quantity")}; }
};
template <>
struct pgpx::model<columns_models::empty_name> {
  static auto columns() { return std::tuple{pgpx::rename(&columns_models::empty_name::qty, "")}; }
};
template <>
struct pgpx::model<columns_models::renamed_twice> {
  static auto columns() {
    return std::tuple{pgpx::rename(&columns_models::renamed_twice::qty, "a"),
                      pgpx::rename(&columns_models::renamed_twice::qty, "b")};
  }
};
template <>
struct pgpx::model<columns_models::rename_mixin_itself> {
  static auto columns() { return std::tuple{pgpx::rename(&columns_models::rename_mixin_itself::ts, "when")}; }
};
template <>
struct pgpx::model<columns_models::too_long> {
  static auto columns() { return std::tuple{pgpx::rename(&columns_models::too_long::id, std::string(64, 'x'))}; }
};
template <>
struct pgpx::model<columns_models::stamped> {
  static auto uniques() {
    return std::tuple{pgpx::unique_of(&columns_models::stamped::title, &columns_models::stamped::ts)};
  }
  static auto indexes() { return std::tuple{pgpx::index(&columns_models::stamped::ts)}; }
};
template <>
struct pgpx::model<columns_models::renames_swap> {
  static auto columns() {
    return std::tuple{pgpx::rename(&columns_models::renames_swap::a, "b"),
                      pgpx::rename(&columns_models::renames_swap::b, "a")};
  }
};

namespace {

using namespace columns_models;

auto names_of(const pgpx::model_description& m) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (const auto& c : m.columns) out.push_back(c.name);
  return out;
}

// Reflection sees embedded members flattened, and a struct without them as declared.
static_assert(pgpx::reflect::field_count<post> == 5);
static_assert(pgpx::reflect::field_names<post>[1] == "created_at");
static_assert(pgpx::reflect::field_names<post>[2] == "updated_at");
static_assert(pgpx::reflect::field_names<post>[4] == "deleted_at");
static_assert(pgpx::reflect::field_count<doc> == 4);  // nested mixins flatten too
static_assert(std::is_same_v<pgpx::reflect::field_type<2, post>, pgpx::updated_at>);
static_assert(pgpx::reflect::has_embedded<post> && !pgpx::reflect::has_embedded<line>);
static_assert(pgpx::reflect::has_embedded<only_sd>);  // as many leaves as members, still embedded
static_assert(pgpx::reflect::field_count<only_sd> == 2);
static_assert(pgpx::reflect::field_count<line> == 3);

TEST(columns, embedded_members_are_read_and_written_in_place) {
  post p;
  p.title = "t";
  const pgpx::timestamptz at{std::chrono::microseconds{5}};
  pgpx::reflect::get<1>(p) = pgpx::server_default<pgpx::timestamptz, "now()">(at);
  EXPECT_EQ(p.ts.created_at, at);
  std::vector<std::string> seen;
  pgpx::reflect::for_each_field(p, [&](std::string_view n, auto&) { seen.emplace_back(n); });
  EXPECT_EQ(seen, (std::vector<std::string>{"id", "created_at", "updated_at", "title", "deleted_at"}));
  // Member pointers find leaves by address and type; an embedded member itself is no leaf.
  EXPECT_EQ(pgpx::reflect::index_of(&post::title), 3U);
  EXPECT_EQ(pgpx::reflect::index_of(&post::ts, &pgpx::timestamps::updated_at), 2U);
  EXPECT_EQ(pgpx::reflect::index_of(&post::sd, &pgpx::soft_delete::deleted_at), 4U);
  EXPECT_EQ(pgpx::reflect::index_of(&post::ts), static_cast<std::size_t>(-1));
  EXPECT_EQ(pgpx::reflect::index_of(&doc::au, &audit::changed_by), 1U);
}

TEST(columns, json_sees_a_mixins_members_as_flat_keys_and_ignores_column_renames) {
  post p;
  p.id = 3;
  p.title = "t";
  p.ts.created_at = pgpx::timestamptz{std::chrono::seconds{1}};
  p.sd.deleted_at = pgpx::timestamptz{std::chrono::seconds{2}};
  const nlohmann::json j = pgpx::to_json(p);
  EXPECT_TRUE(j.contains("created_at"));
  EXPECT_TRUE(j.contains("deleted_at"));
  EXPECT_FALSE(j.contains("ts"));
  const post back = pgpx::from_json<post>(j);
  EXPECT_EQ(back.ts.created_at, p.ts.created_at);
  ASSERT_TRUE(back.sd.deleted_at.has_value());
  EXPECT_EQ(back.sd.deleted_at.value(), p.sd.deleted_at.value());
  EXPECT_EQ(back.title, "t");
  line l;
  l.qty = 4;
  EXPECT_EQ(pgpx::to_json(l).at("qty"), 4);  // JSON keys follow json_rename, not columns()
}

TEST(columns, a_rename_replaces_the_name_everywhere_the_naming_strategy_would_apply) {
  // Row mapping and COPY read these names; the strategy still applies to the others.
  EXPECT_EQ(pgpx::reflect::column_names<line>()[1], "quantity");
  EXPECT_EQ(pgpx::reflect::column_names<line>()[2], "note_text");
  const auto& m = pgpx::model_info<line>();
  EXPECT_EQ(names_of(m), (std::vector<std::string>{"id", "quantity", "note_text"}));
  EXPECT_EQ(m.columns[1].member, "qty");
  EXPECT_EQ(m.find_column("quantity"), &m.columns[1]);
  EXPECT_EQ(m.find_column("qty"), nullptr);
  EXPECT_EQ(m.find_member("qty"), &m.columns[1]);
  // Renames apply together: two that swap names do not clash.
  EXPECT_EQ(names_of(pgpx::model_info<renames_swap>()), (std::vector<std::string>{"b", "a"}));
}

TEST(columns, a_mixins_members_are_columns_with_their_facts) {
  const auto& m = pgpx::model_info<post>();
  EXPECT_EQ(names_of(m), (std::vector<std::string>{"id", "created_at", "updated_at", "title", "deleted_at"}));
  EXPECT_EQ(m.columns[1].type, "timestamptz");
  EXPECT_EQ(m.columns[1].facts.default_sql, "now()");
  EXPECT_FALSE(m.columns[1].sent_on_insert());
  EXPECT_EQ(m.columns[2].facts.role, pgpx::column_role::updated_at);
  EXPECT_EQ(m.columns[4].member_index, 4U);
  ASSERT_NE(m.soft_delete_column(), nullptr);
  EXPECT_EQ(m.soft_delete_column()->name, "deleted_at");
  EXPECT_TRUE(m.columns[4].facts.nullable);
  EXPECT_EQ(m.primary_key, (std::vector<std::size_t>{0}));

  const auto& d = pgpx::model_info<doc>();
  EXPECT_EQ(names_of(d), (std::vector<std::string>{"id", "changed_by", "created_at", "updated_at"}));
  EXPECT_TRUE(d.columns[1].facts.nullable);

  const auto& r = pgpx::model_info<renamed_leaf>();
  EXPECT_EQ(names_of(r), (std::vector<std::string>{"id", "made_at", "updated_at"}));
  EXPECT_EQ(r.columns[1].member, "created_at");
}

TEST(columns, an_embedded_member_in_a_table_fact_stands_for_its_columns_in_order) {
  const auto& m = pgpx::model_info<stamped>();
  ASSERT_EQ(m.uniques.size(), 1U);
  EXPECT_EQ(m.uniques[0].columns, (std::vector<std::size_t>{1, 2, 3}));
  EXPECT_EQ(m.uniques[0].name, "stampeds_title_created_at_updated_at_key");
  ASSERT_EQ(m.indexes.size(), 1U);
  EXPECT_EQ(m.indexes[0].columns, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(pgpx::reflect::indexes_of(&stamped::ts), (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(pgpx::reflect::indexes_of(&stamped::title), (std::vector<std::size_t>{1}));
  EXPECT_EQ(pgpx::reflect::indexes_of(&doc::au), (std::vector<std::size_t>{1, 2, 3}));
  EXPECT_EQ(pgpx::reflect::indexes_of(&audit::ts), (std::vector<std::size_t>{1, 2}));
}

auto message_of(const pgpx::model_description& (*build)()) -> std::string {
  try {
    (void)build();
  } catch (const pgpx::usage_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(columns, bad_renames_and_clashing_mixins_are_usage_errors_naming_the_member) {
  const std::string c = message_of(&pgpx::model_info<clash>);
  EXPECT_NE(c.find("member \"qty\" is renamed to \"quantity\", the column name of member \"quantity\""),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("clash>::columns()"), std::string::npos) << c;
  const std::string e = message_of(&pgpx::model_info<empty_name>);
  EXPECT_NE(e.find("member \"qty\" is renamed to an empty name"), std::string::npos) << e;
  const std::string t = message_of(&pgpx::model_info<renamed_twice>);
  EXPECT_NE(t.find("member \"qty\" is renamed twice"), std::string::npos) << t;
  const std::string l = message_of(&pgpx::model_info<too_long>);
  EXPECT_NE(l.find("member \"id\" is renamed to"), std::string::npos) << l;
  EXPECT_NE(l.find("64 bytes"), std::string::npos) << l;
  const std::string mi = message_of(&pgpx::model_info<rename_mixin_itself>);
  EXPECT_NE(mi.find("rename number 1 (to \"when\") is not of a column"), std::string::npos) << mi;
  // The same refusal from row mapping's names, which read the same declaration.
  EXPECT_THROW((void)pgpx::reflect::column_names<clash>(), pgpx::usage_error);
  // Two mixins giving the same column: the description names both members' column.
  const std::string two = message_of(&pgpx::model_info<twice_mixed>);
  EXPECT_NE(two.find("two members map to the column \"created_at\" (members created_at and created_at"),
            std::string::npos)
      << two;
}

}  // namespace
