#include <pgpx/reflect/naming.hpp>
#include <pgpx/reflect/reflect.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

struct wrapper {
  long v;
};

struct author {
  std::int64_t id;
  std::string name;
  std::optional<std::string> bio;
  std::vector<std::string> tags;
  wrapper created_at = {42};
};

struct camel {
  int userId;
  std::string displayName;
  double HTTPStatus;
};

struct one {
  int only;
};

static_assert(pgpx::reflect::field_count<author> == 5);
static_assert(pgpx::reflect::field_names<author>[0] == "id");
static_assert(pgpx::reflect::field_names<author>[4] == "created_at");
static_assert(pgpx::reflect::field_names<one>[0] == "only");
static_assert(std::is_same_v<pgpx::reflect::field_type<2, author>, std::optional<std::string>>);
static_assert(pgpx::reflect::reflectable<author>);
static_assert(!pgpx::reflect::reflectable<int>);
static_assert(!pgpx::reflect::reflectable<std::string>);

TEST(reflect, names_and_values_are_visited_in_declaration_order) {
  author a{7, "Ada", std::nullopt, {"x"}};
  std::vector<std::string> names;
  int visited = 0;
  pgpx::reflect::for_each_field(a, [&](std::string_view n, auto& v) {
    names.emplace_back(n);
    ++visited;
    if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) v += "!";
  });
  EXPECT_EQ(names, (std::vector<std::string>{"id", "name", "bio", "tags", "created_at"}));
  EXPECT_EQ(visited, 5);
  EXPECT_EQ(a.name, "Ada!");
  EXPECT_EQ(pgpx::reflect::get<4>(a).v, 42);
  pgpx::reflect::get<0>(a) = 9;
  EXPECT_EQ(a.id, 9);
}

TEST(reflect, camel_case_names_survive) {
  EXPECT_EQ(pgpx::reflect::field_names<camel>[0], "userId");
  EXPECT_EQ(pgpx::reflect::field_names<camel>[2], "HTTPStatus");
}

TEST(naming, snake_case_splits_words_and_acronyms) {
  using pgpx::naming;
  using pgpx::reflect::apply_naming;
  EXPECT_EQ(apply_naming("createdAt", naming::snake_case), "created_at");
  EXPECT_EQ(apply_naming("CreatedAt", naming::snake_case), "created_at");
  EXPECT_EQ(apply_naming("HTTPStatus", naming::snake_case), "http_status");
  EXPECT_EQ(apply_naming("userID", naming::snake_case), "user_id");
  EXPECT_EQ(apply_naming("already_snake", naming::snake_case), "already_snake");
  EXPECT_EQ(apply_naming("v2Field", naming::snake_case), "v2_field");
}

TEST(naming, camel_case_joins_words) {
  using pgpx::naming;
  using pgpx::reflect::apply_naming;
  EXPECT_EQ(apply_naming("created_at", naming::camel_case), "createdAt");
  EXPECT_EQ(apply_naming("_private", naming::camel_case), "private");
  EXPECT_EQ(apply_naming("a_b_c", naming::camel_case), "aBC");
  EXPECT_EQ(apply_naming("id", naming::camel_case), "id");
  EXPECT_EQ(apply_naming("Exact", naming::exact), "Exact");
}

TEST(naming, snake_camel_matches_either_spelling) {
  using pgpx::naming;
  using pgpx::reflect::apply_naming;
  using pgpx::reflect::column_matches;
  EXPECT_EQ(apply_naming("createdAt", naming::snake_camel), "created_at");
  EXPECT_TRUE(column_matches("created_at", "created_at", naming::snake_camel));
  EXPECT_TRUE(column_matches("createdAt", "created_at", naming::snake_camel));
  EXPECT_TRUE(column_matches("CreatedAt", "created_at", naming::snake_camel));
  EXPECT_FALSE(column_matches("createdat", "created_at", naming::snake_camel));
  EXPECT_FALSE(column_matches("createdAt", "created_at", naming::snake_case));
  EXPECT_FALSE(column_matches("created_at", "createdAt", naming::exact));
}

}  // namespace

template <>
inline constexpr auto pgpx::naming_of<camel> = pgpx::naming::snake_case;

namespace {
TEST(naming, column_names_use_the_type_strategy) {
  const auto& cols = pgpx::reflect::column_names<camel>();
  EXPECT_EQ(cols[0], "user_id");
  EXPECT_EQ(cols[1], "display_name");
  EXPECT_EQ(cols[2], "http_status");
}
}  // namespace
