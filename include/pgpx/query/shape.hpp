// pgpx/query/shape.hpp: a builder statement made once, with argument slots, then only bound.
//
//   static const pgpx::shape<book(std::int64_t, std::int32_t)> cheap_books{
//       pgpx::select<book>()
//           .where(pgpx::col(&book::author_id) == pgpx::arg<std::int64_t>(0) &&
//                  pgpx::col(&book::price_cents) < pgpx::arg<std::int32_t>(1))
//           .order_by(&book::id).limit(20)};
//   auto rows = cx.query(cheap_books(author_id, 500));   // a pgpx::statement<book>
//
// The builder renders the SQL once, when the shape is made; each call only encodes its
// arguments into the parameter list (the other values are copied as they were encoded),
// which costs what a hand-written statement costs. `pgpx::arg<T>(n)` stands where a value
// would (comparisons, function arguments, SET values, ...); T must be the shape's n-th
// argument type. Every argument must be used at least once; one may be used several times.
//
// Thread safety: a shape is immutable once made; call it from any thread.
#pragma once

#include <pgpx/core/statement.hpp>
#include <pgpx/error.hpp>
#include <pgpx/query/expr.hpp>
#include <pgpx/query/select.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

/// Argument `n` of a pgpx::shape, as an expression of T's value type (a bound parameter).
/// Throws usage_error when n is beyond what one statement can hold.
template <class T>
[[nodiscard]] auto arg(std::size_t n)
    -> expr<typename query::detail::value_of<T>::type, query::detail::value_of<T>::nullable> {
  return expr<typename query::detail::value_of<T>::type, query::detail::value_of<T>::nullable>(
      query::detail::slot_node<T>(n));
}

template <class Signature>
class shape;

/**
 * A statement whose rows read into R, made once from a builder whose values are partly
 * pgpx::arg<A>(n) slots; calling it with the arguments gives the pgpx::statement<R>.
 * Construction renders the builder (throwing what its statement() throws) and throws
 * usage_error when an argument is unused, numbered beyond A..., or given another type than
 * the signature says. A call throws conversion_error for a value its codec refuses.
 */
template <class R, class... A>
class shape<R(A...)> {
 public:
  /// Renders `query` (any builder with `row_type` R: select, insert, update, delete).
  template <class Query>
  explicit shape(const Query& query) {
    static_assert(std::is_same_v<typename Query::row_type, R>,
                  "pgpx::shape<R(A...)>: R must be the row type of the query (what its statement() reads into)");
    (void)query.statement();  // the builder's own checks, as for any statement
    query::detail::rendered r = query::detail::render(*query.data());
    sql_ = std::move(r.sql);
    const param_list& p = r.params;
    const char* const* values = p.values();
    const auto& named = pgpx::detail::param_list_access::named(p);
    std::vector<bool> used(sizeof...(A), false);
    source_.assign(p.size(), -1);
    for (const auto& [index, slot] : r.slots) {
      if (static_cast<std::size_t>(slot) >= sizeof...(A))
        throw usage_error("pgpx::shape: pgpx::arg(" + std::to_string(slot) + ") but the shape has " +
                          std::to_string(sizeof...(A)) + " argument(s)");
      if (p.types()[index] != arg_types()[static_cast<std::size_t>(slot)])
        throw usage_error("pgpx::shape: pgpx::arg(" + std::to_string(slot) +
                          ") is of another type than the shape's argument " + std::to_string(slot));
      source_[index] = slot;
      used[static_cast<std::size_t>(slot)] = true;
    }
    for (std::size_t k = 0; k < used.size(); ++k)
      if (!used[k])
        throw usage_error("pgpx::shape: argument " + std::to_string(k) + " is not used (no pgpx::arg(" +
                          std::to_string(k) + ") in the query)");
    fixed_.reserve(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
      fixed_value f;
      f.type = p.types()[i];
      f.format = p.formats()[i];
      f.null = p.lengths()[i] < 0;
      if (!f.null) f.bytes.assign(values[i], static_cast<std::size_t>(p.lengths()[i]));
      for (const auto& ref : named)
        if (ref.index == i) f.named = ref.id;
      bytes_ += f.bytes.size() + 1;
      fixed_.push_back(std::move(f));
    }
  }

  /// The statement with these arguments.
  [[nodiscard]] auto operator()(const A&... args) const -> statement<R> {
    const std::tuple<const A&...> t{args...};
    param_list p;
    p.own_values(true);
    p.reserve(fixed_.size(), bytes_);
    for (std::size_t i = 0; i < fixed_.size(); ++i) {
      if (source_[i] >= 0) {
        adders()[static_cast<std::size_t>(source_[i])](p, t);
        continue;
      }
      const fixed_value& f = fixed_[i];
      if (f.null) p.add_null(f.type);
      else if (f.format == 1) p.add_binary(f.bytes, f.type);
      else p.add_text(f.bytes, f.type);
      if (f.named != no_named) pgpx::detail::param_list_access::mark_last_named(p, f.named);
    }
    return statement<R>(sql_, std::move(p));
  }

  /// The SQL text, made once.
  [[nodiscard]] auto sql() const noexcept -> const std::string& { return sql_; }

 private:
  static constexpr std::uint32_t no_named = query::detail::encoded_value::no_named_type;
  struct fixed_value {
    std::string bytes;
    oid type = 0;
    int format = 0;
    bool null = false;
    std::uint32_t named = no_named;
  };
  using args_t = std::tuple<const A&...>;
  using adder = void (*)(param_list&, const args_t&);

  template <std::size_t K>
  static void add_arg(param_list& p, const args_t& t) {
    p.add(std::get<K>(t));
  }
  static auto adders() -> const std::array<adder, sizeof...(A)>& {
    static constexpr std::array<adder, sizeof...(A)> a = []<std::size_t... K>(std::index_sequence<K...>) {
      return std::array<adder, sizeof...(A)>{&add_arg<K>...};
    }(std::index_sequence_for<A...>{});
    return a;
  }
  // The OID each argument type encodes to (what its arg<> slot must carry).
  static auto arg_types() -> std::array<oid, sizeof...(A)> {
    std::array<oid, sizeof...(A)> out{};
    [[maybe_unused]] std::size_t k = 0;
    ((out[k++] =
          [] {
            query::detail::encoded_value v;
            query::detail::encode_value(A{}, v);
            return v.type;
          }()),
     ...);
    return out;
  }

  std::string sql_;
  std::vector<fixed_value> fixed_;
  std::vector<int> source_;  // per parameter: -1 a fixed value, else the argument number
  std::size_t bytes_ = 0;
};

}  // namespace pgpx
