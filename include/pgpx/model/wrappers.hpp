// pgpx/model/wrappers.hpp: facts about one column, written as the member's type.
//
//   struct author {
//     pgpx::identity<std::int64_t> id;                               // int8 generated always as identity, pkey
//     pgpx::varchar<80> name;                                        // varchar(80)
//     pgpx::unique<std::string> email;                               // unique
//     std::optional<std::string> bio;                                // nullable
//     pgpx::server_default<pgpx::timestamptz, "now()"> created_at;   // filled by the server
//   };
//   struct book {
//     pgpx::identity<std::int64_t> id;
//     pgpx::references<&author::id, pgpx::on_delete::cascade> author_id;  // foreign key
//     std::string title;
//     pgpx::deleted_at deleted_at;                                   // soft delete
//   };
//
// A wrapper behaves as its value: `a.name == "Ada"`, `std::int64_t id = a.id`, `++a.id`,
// `a.name.size()`. For a class type (std::string, std::vector, time points...) the wrapper
// derives from it; for a scalar it holds `value` and converts to it. Wrappers nest
// (`pgpx::key<pgpx::references<&book::id>>`) and `std::optional<W>` is a nullable column.
// Every wrapper has the size and alignment of its value, and its codec is its value's, so
// reading rows into a model costs what reading plain members costs.
//
// Mixins: a struct marked `pgpx::is_embedded<M> = true` is flattened into the model that
// holds it (pgpx/reflect/reflect.hpp): `pgpx::timestamps ts;` gives the columns created_at
// and updated_at, `pgpx::soft_delete sd;` the column deleted_at.
//
// The facts are read by pgpx::model_info<T>() (pgpx/model/model.hpp), which is what the
// DDL, the ORM and the templates use; nothing here touches SQL text.
#pragma once

#include <pgpx/reflect/reflect.hpp>
#include <pgpx/types/builtin.hpp>
#include <pgpx/types/chrono.hpp>
#include <pgpx/types/codec.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace pgpx {

/// A string usable as a template argument (`pgpx::server_default<T, "now()">`).
template <std::size_t N>
struct fixed_string {
  char chars[N]{};
  // NOLINTNEXTLINE(google-explicit-constructor, hicpp-explicit-conversions): used as a template argument
  consteval fixed_string(const char (&s)[N]) noexcept {
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  /// From a compile-time string_view of N - 1 characters (pgpx's own diagnostics).
  consteval fixed_string(std::in_place_t /*from_view*/, std::string_view s) noexcept {
    for (std::size_t i = 0; i + 1 < N && i < s.size(); ++i) chars[i] = s[i];
  }
  /// The text, without the terminating NUL.
  [[nodiscard]] constexpr auto view() const noexcept -> std::string_view { return {chars, N - 1}; }
};

/// What a foreign key does when the referenced row is deleted.
enum class on_delete { no_action, restrict, cascade, set_null, set_default };
/// What a foreign key does when the referenced key changes.
enum class on_update { no_action, restrict, cascade, set_null, set_default };

/// The role a column plays for the ORM beyond holding data.
enum class column_role {
  plain,       ///< an ordinary column
  deleted_at,  ///< soft delete: set by remove(), filtered out of queries (pgpx::deleted_at)
  version,     ///< optimistic lock counter (pgpx::version<T>)
  updated_at,  ///< set to now() by every ORM update (pgpx::updated_at)
};

/// The facts one member's type states, gathered through wrappers and std::optional.
/// A compile-time value: `pgpx::column_facts_of<M>()`.
struct column_facts {
  bool nullable = false;        ///< std::optional somewhere in the type
  bool identity = false;        ///< generated always as identity (never sent on insert)
  bool primary_key = false;     ///< part of the primary key (identity<> or key<>)
  bool unique = false;          ///< unique<>
  std::size_t max_length = 0;   ///< varchar<N>: N (0: no limit)
  std::string_view default_sql{};    ///< server_default<T, "expr">: the expression
  std::string_view generated_sql{};  ///< generated<T, "expr">: stored generated column
  column_role role = column_role::plain;
  bool reference = false;  ///< references<...>: a foreign key (details in model_info)
  bool checked = false;    ///< checked<T, rules...>: validated (pgpx/model/validate.hpp)
  on_delete delete_action = on_delete::no_action;
  on_update update_action = on_update::no_action;
};

namespace detail {

template <class T>
concept wrapper_type = requires { T::pgpx_is_wrapper; };

template <class T>
struct leaf_value {
  using type = T;
};
template <wrapper_type T>
struct leaf_value<T> {
  using type = typename leaf_value<typename T::pgpx_inner>::type;
};

/// The innermost value type of a wrapper (std::optional is kept: it is a value).
template <class T>
using leaf_value_t = typename leaf_value<T>::type;

template <class T>
inline constexpr bool derivable = std::is_class_v<T> && !std::is_final_v<T>;

/// What every wrapper builds on: for a class type, the type itself (as a base); for a
/// scalar, a `value` member with conversions.
template <class Inner, bool Derive = derivable<Inner>>
class column_holder;

template <class Inner>
class column_holder<Inner, true> : public Inner {
 public:
  /// The wrapped value's type.
  using value_type = Inner;
  using Inner::Inner;
  using Inner::operator=;
  column_holder() = default;
  // NOLINTBEGIN(google-explicit-constructor, hicpp-explicit-conversions): a wrapper is its value
  column_holder(const Inner& v) : Inner(v) {}
  column_holder(Inner&& v) noexcept(std::is_nothrow_move_constructible_v<Inner>) : Inner(std::move(v)) {}
  /// From another wrapper with the same innermost value (`book b{.author_id = a.id}`).
  template <wrapper_type W>
    requires(!std::is_base_of_v<Inner, W> && std::is_same_v<leaf_value_t<W>, leaf_value_t<Inner>>)
  column_holder(const W& w) : Inner(static_cast<const leaf_value_t<W>&>(w)) {}
  // NOLINTEND(google-explicit-constructor, hicpp-explicit-conversions)
  /// The value.
  [[nodiscard]] auto get() noexcept -> Inner& { return *this; }
  /// The value.
  [[nodiscard]] auto get() const noexcept -> const Inner& { return *this; }
};

template <class Inner>
class column_holder<Inner, false> {
 public:
  /// The wrapped value's type.
  using value_type = Inner;
  /// The value.
  Inner value{};

  constexpr column_holder() = default;
  // NOLINTBEGIN(google-explicit-constructor, hicpp-explicit-conversions): a wrapper is its value
  constexpr column_holder(const Inner& v) noexcept(std::is_nothrow_copy_constructible_v<Inner>) : value(v) {}
  /// From another wrapper with the same innermost value (`book b{.author_id = a.id}`).
  template <wrapper_type W>
    requires std::is_same_v<leaf_value_t<W>, Inner>
  constexpr column_holder(const W& w) : value(static_cast<const Inner&>(w)) {}
  constexpr operator Inner&() & noexcept { return value; }
  constexpr operator const Inner&() const& noexcept { return value; }
  // NOLINTEND(google-explicit-constructor, hicpp-explicit-conversions)
  /// The value.
  [[nodiscard]] constexpr auto get() noexcept -> Inner& { return value; }
  /// The value.
  [[nodiscard]] constexpr auto get() const noexcept -> const Inner& { return value; }
  /// The value.
  [[nodiscard]] constexpr auto operator*() noexcept -> Inner& { return value; }
  /// The value.
  [[nodiscard]] constexpr auto operator*() const noexcept -> const Inner& { return value; }

  // Compound assignment and increments work on the value (the built-in ones do not apply
  // user conversions to their left operand).
  template <class U>
  constexpr auto operator+=(const U& u) -> column_holder& {
    value += u;
    return *this;
  }
  template <class U>
  constexpr auto operator-=(const U& u) -> column_holder& {
    value -= u;
    return *this;
  }
  template <class U>
  constexpr auto operator*=(const U& u) -> column_holder& {
    value *= u;
    return *this;
  }
  template <class U>
  constexpr auto operator/=(const U& u) -> column_holder& {
    value /= u;
    return *this;
  }
  constexpr auto operator++() -> column_holder& {
    ++value;
    return *this;
  }
  constexpr auto operator++(int) -> Inner { return value++; }
  constexpr auto operator--() -> column_holder& {
    --value;
    return *this;
  }
  constexpr auto operator--(int) -> Inner { return value--; }
};

template <class T>
struct is_std_optional : std::false_type {};
template <class T>
struct is_std_optional<std::optional<T>> : std::true_type {};

template <auto MemberPointer>
struct member_pointer_traits;
template <class C, class M, M C::*MP>
struct member_pointer_traits<MP> {
  using class_type = C;
  using member_type = M;
};

}  // namespace detail

// Each wrapper declares pgpx_is_wrapper, pgpx_inner (the type it wraps) and pgpx_apply (its
// fact). They are not for users; pgpx::column_facts_of<M>() reads them.
#define PGPX_WRAPPER_BODY(Name, Inner)            \
  using base_type = detail::column_holder<Inner>; \
  using base_type::base_type;                     \
  Name() = default;                               \
  static constexpr bool pgpx_is_wrapper = true;   \
  using pgpx_inner = Inner

/// The primary key, generated by the server (`generated always as identity`): never sent
/// on insert, filled by RETURNING.
template <class T>
struct identity : detail::column_holder<T> {
  PGPX_WRAPPER_BODY(identity, T);
  static constexpr void pgpx_apply(column_facts& f) noexcept {
    f.identity = true;
    f.primary_key = true;
  }
};

/// A primary key column (or part of a composite key, in declaration order) given by the
/// application.
template <class T>
struct key : detail::column_holder<T> {
  PGPX_WRAPPER_BODY(key, T);
  static constexpr void pgpx_apply(column_facts& f) noexcept { f.primary_key = true; }
};

/// Text of at most N characters (code points): `varchar(N)`.
template <std::size_t N>
struct varchar : detail::column_holder<std::string> {
  static_assert(N > 0 && N <= 10485760, "pgpx::varchar<N>: PostgreSQL allows 1 to 10485760 characters");
  PGPX_WRAPPER_BODY(varchar, std::string);
  static constexpr void pgpx_apply(column_facts& f) noexcept { f.max_length = N; }
};

/// A column with a unique constraint (`<table>_<column>_key`).
template <class T>
struct unique : detail::column_holder<T> {
  PGPX_WRAPPER_BODY(unique, T);
  static constexpr void pgpx_apply(column_facts& f) noexcept { f.unique = true; }
};

/// A column whose default is a SQL expression evaluated by the server (`now()`,
/// `gen_random_uuid()`): left out of inserts and filled by RETURNING.
template <class T, fixed_string Expr>
struct server_default : detail::column_holder<T> {
  PGPX_WRAPPER_BODY(server_default, T);
  static constexpr void pgpx_apply(column_facts& f) noexcept { f.default_sql = Expr.view(); }
};

/// A stored generated column (`generated always as (expr) stored`): never sent, always read.
template <class T, fixed_string Expr>
struct generated : detail::column_holder<T> {
  PGPX_WRAPPER_BODY(generated, T);
  static constexpr void pgpx_apply(column_facts& f) noexcept { f.generated_sql = Expr.view(); }
};

/// A foreign key to the column `Target` (`&author::id`) of another model (or the same one).
/// Its value type is the target's. The target must be a primary key or unique column.
template <auto Target, on_delete OnDelete = on_delete::no_action, on_update OnUpdate = on_update::no_action>
struct references
    : detail::column_holder<detail::leaf_value_t<typename detail::member_pointer_traits<Target>::member_type>> {
  using pgpx_target_class = typename detail::member_pointer_traits<Target>::class_type;
  static constexpr auto pgpx_target = Target;
  PGPX_WRAPPER_BODY(references, detail::leaf_value_t<typename detail::member_pointer_traits<Target>::member_type>);
  static constexpr void pgpx_apply(column_facts& f) noexcept {
    f.reference = true;
    f.delete_action = OnDelete;
    f.update_action = OnUpdate;
  }
};

/// The soft-delete column: NULL while the row is live; remove() sets it, queries leave
/// such rows out unless asked (`with_deleted()`).
struct deleted_at : detail::column_holder<std::optional<timestamptz>> {
  PGPX_WRAPPER_BODY(deleted_at, std::optional<timestamptz>);
  static constexpr void pgpx_apply(column_facts& f) noexcept { f.role = column_role::deleted_at; }
};

/// An optimistic-lock counter: every ORM update checks and increments it.
template <class T = std::int64_t>
struct version : detail::column_holder<T> {
  static_assert(std::is_integral_v<T>, "pgpx::version<T>: the counter must be an integer");
  PGPX_WRAPPER_BODY(version, T);
  static constexpr void pgpx_apply(column_facts& f) noexcept {
    f.role = column_role::version;
    f.default_sql = "1";
  }
};

/// A timestamp every ORM update sets to now() (defaults to now() on insert).
struct updated_at : detail::column_holder<timestamptz> {
  PGPX_WRAPPER_BODY(updated_at, timestamptz);
  static constexpr void pgpx_apply(column_facts& f) noexcept {
    f.role = column_role::updated_at;
    f.default_sql = "now()";
  }
};

/// A column whose value must pass every rule (pgpx/model/validate.hpp: not_empty,
/// min_length, max_length, between, at_least, at_most, email, predicate): checked in C++
/// before every ORM write, and by a CHECK constraint (`<table>_<column>_check`) in the DDL.
template <class T, class... Rules>
struct checked : detail::column_holder<T> {
  static_assert(sizeof...(Rules) > 0, "pgpx::checked<T, rules...> needs at least one rule");
  PGPX_WRAPPER_BODY(checked, T);
  /// The rules, for validation and DDL.
  using pgpx_rules = std::tuple<Rules...>;
  static constexpr void pgpx_apply(column_facts& f) noexcept { f.checked = true; }
};

#undef PGPX_WRAPPER_BODY

/// True for pgpx's column wrappers.
template <class T>
inline constexpr bool is_column_wrapper = detail::wrapper_type<T>;

/// The facts the member type M states (through wrappers and std::optional), at compile time.
template <class M>
[[nodiscard]] consteval auto column_facts_of() -> column_facts {
  column_facts f{};
  if constexpr (detail::is_std_optional<M>::value) {
    f = column_facts_of<typename M::value_type>();
    f.nullable = true;
  } else if constexpr (detail::wrapper_type<M>) {
    f = column_facts_of<typename M::pgpx_inner>();
    M::pgpx_apply(f);
  }
  return f;
}

/// The codec of a wrapper: its value's, unchanged (same OIDs, formats, bytes).
template <class W>
struct codec<W, std::enable_if_t<detail::wrapper_type<W>>> {
  using inner = typename W::pgpx_inner;
  static_assert(has_codec<inner>, "pgpx: the value type of this column wrapper has no pgpx::codec");
  static constexpr std::string_view name = codec<inner>::name;
  /// The inner codec's PostgreSQL type name when it names one (pgpx/types/by_name.hpp), so
  /// that a wrapped named type (unique<citext::text>) is resolved and checked by name too.
  static constexpr std::string_view pg_type = [] {
    if constexpr (requires { codec<inner>::pg_type; }) return std::string_view(codec<inner>::pg_type);
    else return std::string_view();
  }();
  static constexpr oid param_oid = codec<inner>::param_oid;
  static constexpr format param_format = codec<inner>::param_format;
  static constexpr bool nullable = nullable_codec<inner>;
  static constexpr bool borrows_result = borrows_result_v<inner>;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return codec<inner>::accepts(t); }
  template <class I = inner>
    requires nullable_codec<I>
  [[nodiscard]] static auto is_null(const W& v) noexcept -> bool {
    return codec<I>::is_null(static_cast<const I&>(v));
  }
  template <class I = inner>
    requires nullable_codec<I>
  [[nodiscard]] static auto null() -> W {
    return W(codec<I>::null());
  }
  static void encode(const W& v, std::string& out) { codec<inner>::encode(static_cast<const inner&>(v), out); }
  [[nodiscard]] static auto decode(std::string_view in, oid t) -> W { return W(codec<inner>::decode(in, t)); }
  /// Fills the wrapper's value in place (a string member gets its bytes once, as a plain one).
  static void decode_into(W& out, std::string_view in, oid t) {
    if constexpr (requires(inner& o) { codec<inner>::decode_into(o, in, t); }) {
      codec<inner>::decode_into(static_cast<inner&>(out), in, t);
    } else {
      static_cast<inner&>(out) = codec<inner>::decode(in, t);
    }
  }
  static void to_text(const W& v, std::string& out) { codec<inner>::to_text(static_cast<const inner&>(v), out); }
};

/// A mixin (pgpx::is_embedded): `pgpx::timestamps ts;` in a model gives the columns
/// created_at (set by the server on insert) and updated_at (now() on insert and on every
/// ORM update).
struct timestamps {
  server_default<timestamptz, "now()"> created_at;  ///< `timestamptz not null default now()`
  pgpx::updated_at updated_at;  ///< set to now() by every ORM update
};
/// A mixin (pgpx::is_embedded): `pgpx::soft_delete sd;` gives the soft-delete column
/// deleted_at (see pgpx::deleted_at).
struct soft_delete {
  pgpx::deleted_at deleted_at;  ///< NULL while the row is live
};
template <>
inline constexpr bool is_embedded<timestamps> = true;
template <>
inline constexpr bool is_embedded<soft_delete> = true;

}  // namespace pgpx
