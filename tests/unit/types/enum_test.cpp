// Unit tests of pgpx/types/enum.hpp.
#include <pgpx/types/enum.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace app {
enum class mood { sad, ok, happy };
enum color { red, green = 7, blue = 255 };             // unscoped, no fixed underlying type
enum class level : std::int8_t { low = -128, mid = 0, high = 127 };
enum class code : std::uint16_t { small = 3, big = 1000 };  // 1000 lies outside the default range
enum class status { InProgress, Done, HTTPError };
enum class task_state { todo, in_progress, done };
enum class nothing_found : int { far_away = 5000 };
}  // namespace app

// Labels stated explicitly, with characters no identifier has.
template <>
inline constexpr std::array pgpx::enum_labels<app::task_state> = {
    pgpx::enum_label<app::task_state>{app::task_state::todo, "to do"},
    pgpx::enum_label<app::task_state>{app::task_state::in_progress, "in progress"},
    pgpx::enum_label<app::task_state>{app::task_state::done, "Done!"},
};

template <>
inline constexpr pgpx::naming pgpx::enum_naming<app::status> = pgpx::naming::snake_case;

template <>
struct pgpx::enum_range<app::code> {
  static constexpr long long min = 0;
  static constexpr long long max = 1024;
};

namespace {

using ::testing::HasSubstr;
using namespace std::string_literals;

enum class local_kind { alpha, beta };  // in an anonymous namespace

template <class E>
auto label(E v) -> std::string {
  std::string out;
  pgpx::codec<E>::to_text(v, out);
  return out;
}

template <class E>
auto from(std::string_view s, pgpx::oid type = 16385) -> E {
  return pgpx::codec<E>::decode(s, type);
}

TEST(enum_codec, reflects_enumerator_names) {
  EXPECT_EQ(label(app::mood::sad), "sad");
  EXPECT_EQ(label(app::mood::ok), "ok");
  EXPECT_EQ(label(app::mood::happy), "happy");
  EXPECT_EQ(from<app::mood>("happy"), app::mood::happy);
  EXPECT_EQ(from<app::mood>("sad"), app::mood::sad);
}

TEST(enum_codec, unscoped_enums_and_values_at_the_edges_of_the_range) {
  EXPECT_EQ(label(app::red), "red");
  EXPECT_EQ(label(app::green), "green");
  EXPECT_EQ(label(app::blue), "blue");
  EXPECT_EQ(from<app::color>("blue"), app::blue);
  EXPECT_EQ(label(app::level::low), "low");
  EXPECT_EQ(label(app::level::high), "high");
  EXPECT_EQ(from<app::level>("mid"), app::level::mid);
}

TEST(enum_codec, anonymous_namespace_enums) {
  EXPECT_EQ(label(local_kind::beta), "beta");
  EXPECT_EQ(from<local_kind>("alpha"), local_kind::alpha);
}

TEST(enum_codec, enum_range_widens_the_search) {
  EXPECT_EQ(label(app::code::small), "small");
  EXPECT_EQ(label(app::code::big), "big");
  EXPECT_EQ(from<app::code>("big"), app::code::big);
}

TEST(enum_codec, enum_naming_transforms_reflected_names) {
  EXPECT_EQ(label(app::status::InProgress), "in_progress");
  EXPECT_EQ(label(app::status::Done), "done");
  EXPECT_EQ(label(app::status::HTTPError), "http_error");
  EXPECT_EQ(from<app::status>("in_progress"), app::status::InProgress);
  EXPECT_THROW((void)from<app::status>("InProgress"), pgpx::conversion_error);
}

TEST(enum_codec, explicit_labels_are_used_exactly) {
  EXPECT_EQ(label(app::task_state::in_progress), "in progress");
  EXPECT_EQ(label(app::task_state::done), "Done!");
  EXPECT_EQ(from<app::task_state>("to do"), app::task_state::todo);
  EXPECT_THROW((void)from<app::task_state>("todo"), pgpx::conversion_error);
}

TEST(enum_codec, unknown_label_names_the_label_and_the_type) {
  try {
    (void)from<app::mood>("angry");
    FAIL() << "no error";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("\"angry\""));
    EXPECT_THAT(e.what(), HasSubstr("app::mood"));
  }
  EXPECT_THROW((void)from<app::mood>(""), pgpx::conversion_error);
  EXPECT_THROW((void)from<app::mood>("Happy"), pgpx::conversion_error);  // labels are case-sensitive
  EXPECT_THROW((void)from<app::mood>(std::string_view("happy\0", 6)), pgpx::conversion_error);
}

TEST(enum_codec, a_value_without_a_label_cannot_be_sent) {
  std::string out;
  try {
    pgpx::codec<app::mood>::encode(static_cast<app::mood>(42), out);
    FAIL() << "no error";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("42"));
    EXPECT_THAT(e.what(), HasSubstr("app::mood"));
  }
  // Enumerators outside the searched range are not found.
  EXPECT_THROW((void)label(static_cast<app::code>(2000)), pgpx::conversion_error);
}

TEST(enum_codec, parameters_are_text_labels_of_unspecified_type) {
  EXPECT_EQ(pgpx::codec<app::mood>::param_oid, pgpx::oids::unspecified);
  EXPECT_EQ(pgpx::codec<app::mood>::param_format, pgpx::format::text);
  pgpx::param_list p;
  p.add(app::mood::happy).add(std::optional<app::mood>{}).add(app::task_state::in_progress);
  ASSERT_EQ(p.size(), 3U);
  EXPECT_STREQ(p.values()[0], "happy");
  EXPECT_EQ(p.lengths()[0], 5);
  EXPECT_EQ(p.formats()[0], 0);
  EXPECT_EQ(p.values()[1], nullptr);
  EXPECT_STREQ(p.values()[2], "in progress");
}

TEST(enum_codec, accepts_runtime_types_and_text) {
  using c = pgpx::codec<app::mood>;
  EXPECT_TRUE(c::accepts(16385));
  EXPECT_TRUE(c::accepts(pgpx::oids::text));
  EXPECT_TRUE(c::accepts(pgpx::oids::varchar));
  EXPECT_TRUE(c::accepts(pgpx::oids::name));
  EXPECT_FALSE(c::accepts(pgpx::oids::int4));
  EXPECT_FALSE(c::accepts(pgpx::oids::bytea));
  EXPECT_FALSE(c::accepts(pgpx::oids::text_array));
}

TEST(enum_codec, names_the_cpp_type) {
  EXPECT_EQ(pgpx::codec<app::mood>::name, "app::mood");
  EXPECT_EQ(pgpx::codec<app::color>::name, "app::color");
  EXPECT_THAT(std::string(pgpx::codec<local_kind>::name), HasSubstr("local_kind"));
}

TEST(enum_codec, arrays_of_enums) {
  // select array_send(array['sad','happy']::mood[])   (mood[] = 16384, mood = 16385)
  const std::string bytes = "\0\0\0\1\0\0\0\0\0\0\x40\x01\0\0\0\2\0\0\0\1\0\0\0\3sad\0\0\0\5happy"s;
  const auto v = pgpx::codec<std::vector<app::mood>>::decode(bytes, 16384);
  EXPECT_EQ(v, (std::vector<app::mood>{app::mood::sad, app::mood::happy}));
  // Enum arrays travel as text literals for the server to type.
  EXPECT_EQ(pgpx::codec<std::vector<app::mood>>::param_format, pgpx::format::text);
  EXPECT_EQ(pgpx::codec<std::vector<app::mood>>::param_oid, pgpx::oids::unspecified);
  std::string out;
  pgpx::codec<std::vector<std::optional<app::task_state>>>::encode({app::task_state::todo, std::nullopt}, out);
  EXPECT_EQ(out, R"({"to do",NULL})");
  // An unknown label inside an array names the element.
  const std::string angry = "\0\0\0\1\0\0\0\0\0\0\x40\x01\0\0\0\1\0\0\0\1\0\0\0\5angry"s;
  try {
    (void)pgpx::codec<std::vector<app::mood>>::decode(angry, 16384);
    FAIL() << "no error";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("array element [0]"));
    EXPECT_THAT(e.what(), HasSubstr("angry"));
  }
}

TEST(enum_codec, helpers) {
  EXPECT_EQ(pgpx::enum_to_label(app::mood::ok), "ok");
  EXPECT_EQ(pgpx::enum_from_label<app::mood>("ok"), app::mood::ok);
}

static_assert(pgpx::has_codec<app::mood>);
static_assert(pgpx::has_codec<app::color>);
static_assert(!pgpx::has_codec<std::byte>, "std::byte is bytes, not an enum with labels");
static_assert(pgpx::detail::reflected_enum<app::mood>::size == 3);
static_assert(pgpx::detail::reflected_enum<app::color>::size == 3);
static_assert(pgpx::detail::reflected_enum<app::level>::size == 3);
static_assert(pgpx::detail::reflected_enum<app::nothing_found>::size == 0);
static_assert(pgpx::detail::reflected_enum<app::mood>::name(2) == "happy");

}  // namespace
