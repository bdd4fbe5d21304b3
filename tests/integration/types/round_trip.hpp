// tests/integration/types/round_trip.hpp: checks shared by the codec round-trip tests.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/types.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace pgpx::test::round_trip {

// --- helpers -------------------------------------------------------------------------------

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

/// Equality that tells NaN from NaN-free values and -0 from +0, element-wise in containers.
template <class T>
auto same(const T& a, const T& b) -> bool {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
  } else if constexpr (is_optional<T>::value) {
    return a.has_value() == b.has_value() && (!a || same(*a, *b));
  } else if constexpr (is_vector<T>::value && !std::is_same_v<T, pgpx::bytea>) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  } else {
    return a == b;
  }
}

/// The codec's text form of a value, for failure messages.
template <class T>
auto show(const T& v) -> std::string {
  std::string out;
  try {
    pgpx::codec<T>::to_text(v, out);
  } catch (const std::exception& e) {
    out = std::string("<no text form: ") + e.what() + ">";
  }
  if (out.size() > 300) out = out.substr(0, 300) + "... (" + std::to_string(out.size()) + " chars)";
  return out;
}

template <class T>
auto same_value(const char* got_expr, const char* want_expr, const T& got, const T& want)
    -> ::testing::AssertionResult {
  if (same(got, want)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << got_expr << "\n    is   " << show(got) << "\n"
                                       << want_expr << "\n    is   " << show(want);
}

#define PGPX_EXPECT_SAME(got, want) EXPECT_PRED_FORMAT2(same_value, got, want)

/// A SQL string literal of `text` (standard_conforming_strings is on).
inline auto sql_literal(std::string_view text) -> std::string {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

inline int table_counter = 0;

/// Checks `value` against PostgreSQL type `type`, whose text output for it is `text`:
///  (a) the server's literal `'text'::type` decodes to `value`;
///  (b) `value` sent as `$1::type` comes back equal, and `$1::type::text` is `text`;
///  (c) `value` inserted into a column of `type` reads back equal and prints as `text`.
template <class T>
void expect_round_trip(pgpx::connection& cx, const std::string& type, const T& value, std::string_view text) {
  SCOPED_TRACE("type " + type + ", text " + std::string(text.substr(0, 200)));
  PGPX_EXPECT_SAME(cx.query_value<T>("select " + sql_literal(text) + "::" + type), value);
  PGPX_EXPECT_SAME(cx.query_value<T>("select $1::" + type, value), value);
  EXPECT_EQ(cx.query_value<std::string>("select $1::" + type + "::text", value), text);
  const std::string table = "round_trip_" + std::to_string(++table_counter);
  cx.execute_script("create temp table " + table + " (v " + type + ")");
  EXPECT_EQ(cx.execute("insert into " + table + " (v) values ($1)", value), 1u);
  PGPX_EXPECT_SAME(cx.query_value<T>("select v from " + table), value);
  EXPECT_EQ(cx.query_value<std::string>("select v::text from " + table), text);
}

/// Runs `f` and returns the conversion_error it throws (fails the test when it throws none).
template <class F>
auto conversion_failure(F&& f) -> std::string {
  try {
    f();
  } catch (const pgpx::conversion_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a conversion_error, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected a conversion_error, got no exception";
  return {};
}

}  // namespace pgpx::test::round_trip
