// Extension version strings compare per component, numerically (pgpx/ext/version.hpp).
#include <pgpx/ext/version.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using pgpx::ext::compare_versions;
using pgpx::ext::version_range;

auto sign(int c) -> int { return (c > 0) - (c < 0); }

// `a` sorts before `b` (order < 0), equal to it (0) or after it (> 0), in both directions.
void expect_order(std::string_view a, std::string_view b, int order) {
  SCOPED_TRACE(std::string(a) + " vs " + std::string(b));
  EXPECT_EQ(sign(compare_versions(a, b)), sign(order));
  EXPECT_EQ(sign(compare_versions(b, a)), -sign(order));
}

TEST(ext_version, numeric_components_compare_as_numbers) {
  expect_order("1.10", "1.9", 1);
  expect_order("2", "1.99.99", 1);
  expect_order("0.10.0", "0.9.9", 1);
  expect_order("1.6", "1.6", 0);
  expect_order("01.06", "1.6", 0);  // leading zeros are not digits of value
}

TEST(ext_version, missing_components_count_as_zero) {
  expect_order("1.0", "1", 0);
  expect_order("1", "1.0.0", 0);
  expect_order("1.0.1", "1", 1);
}

TEST(ext_version, words_sort_before_numbers_and_mark_pre_releases) {
  expect_order("1.0beta", "1.0", -1);
  expect_order("1.0beta", "1.0.1", -1);
  expect_order("3.4.0alpha", "3.4.0beta", -1);
  expect_order("3.4.0dev", "3.3.9", 1);
  expect_order("1.0-rc1", "1.0rc1", 0);  // separators only separate
}

TEST(ext_version, range_is_half_open) {
  const version_range r{"1.4", "2"};
  EXPECT_FALSE(r.contains("1.3"));
  EXPECT_TRUE(r.contains("1.4"));
  EXPECT_TRUE(r.contains("1.10"));
  EXPECT_FALSE(r.contains("2"));
  EXPECT_FALSE(r.contains("2.0"));
  EXPECT_TRUE(r.contains("1.99"));
  EXPECT_EQ(r.to_string(), "[1.4, 2)");
  EXPECT_TRUE(version_range{}.contains("0.0.1"));
  EXPECT_EQ(version_range{}.to_string(), "any");
  EXPECT_EQ((version_range{"0.5", ""}.to_string()), ">= 0.5");
  EXPECT_FALSE((version_range{"0.5", ""}.contains("0.4.9")));
  EXPECT_EQ((version_range{"", "1"}.to_string()), "< 1");
}

}  // namespace
