// src/tmpl/filter_table_impl.hpp: the one table of filters (private).
//
// Every filter is defined once, in filter_table.cpp: its name, its arguments, the kinds of
// value it accepts, an optional compile-time check and its implementation. The checker
// (compile.cpp) resolves each `x | name(...)` against this table and stores the entry in the
// expression; the renderer calls the entry's implementation. A name missing from the table
// is UnknownFilter on both sides, with the same message.
#pragma once

#include "ast_impl.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::tmpl::detail {

/// A set of value kinds (bit i is value_kind i).
using kind_set = std::uint16_t;

/// The set holding `k`.
[[nodiscard]] constexpr auto kind_bit(value_kind k) noexcept -> kind_set {
  return static_cast<kind_set>(1U << static_cast<unsigned>(k));
}
/// Every kind of value.
inline constexpr kind_set any_kind = 0x3FF;
/// Every kind but engine-made SQL and macros.
inline constexpr kind_set plain_value = any_kind & ~(kind_bit(value_kind::fragment) | kind_bit(value_kind::callable));

/// One argument of a filter: found at its position, or by its name as a keyword.
struct filter_param {
  std::string_view name;      ///< the keyword name (empty: unused slot)
  bool keyword_only = false;  ///< only `name=...` is read, never a position
};

struct filter_call;  // a filter being applied (filter_table.cpp)
struct rv;           // an evaluated expression (render_impl.hpp)

/// A filter: everything the checker and the renderer know about it.
struct filter_def {
  std::string_view name;
  /// What the subject may be (checked before `apply` runs; the message is
  /// "filter 'name' needs <accepts_text>, got <kind>").
  kind_set accepts = any_kind;
  std::string_view accepts_text;
  /// Arguments, in positional order (unused slots have an empty name).
  std::array<filter_param, 2> params{};
  /// Any number of positional arguments (oneof).
  bool variadic = false;
  /// False for default/d: the subject may be undefined.
  bool needs_defined = true;
  /// How the value reaches the SQL, for the documentation: "bound", "interpolated",
  /// "fragment" (engine-made SQL with its own parameters) or "value" (bound like any value).
  std::string_view output;
  /// Compile-time validation of the call (null: none); throws template_error.
  void (*check)(const expr& e, const source_text& src, template_impl& t) = nullptr;
  /// The implementation.
  rv (*apply)(filter_call& c) = nullptr;
};

/// Every filter, in the order of docs/templates.md (binding, interpolation, value filters).
[[nodiscard]] PGPX_API auto filter_table() noexcept -> std::span<const filter_def>;
/// The filter called `name`, or nullptr.
[[nodiscard]] PGPX_API auto find_filter(std::string_view name) noexcept -> const filter_def*;
/// The names of every filter, sorted (for suggestions).
[[nodiscard]] PGPX_API auto filter_names() -> const std::vector<std::string>&;
/// "unknown filter 'x'" with a did-you-mean when a known name is close: the one message
/// the checker and the renderer give.
[[nodiscard]] auto unknown_filter_brief(std::string_view name) -> std::string;

}  // namespace pgpx::tmpl::detail
