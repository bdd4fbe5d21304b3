// pgpx/types/codec.hpp: the trait that maps a C++ type to PostgreSQL values.
//
// pgpx sends parameters and reads results in PostgreSQL's binary format. How a C++ type T
// is encoded and decoded is described by a specialisation of `pgpx::codec<T>`. pgpx ships
// codecs for the standard types (see pgpx/types/builtin.hpp and its siblings); users add
// their own by specialising the template:
//
//   struct cents { std::int64_t v; };
//   template <> struct pgpx::codec<cents> {
//     static constexpr std::string_view name = "cents";
//     static constexpr pgpx::oid param_oid = pgpx::oids::int8;
//     static constexpr pgpx::format param_format = pgpx::format::binary;
//     static bool accepts(pgpx::oid t) noexcept { return t == pgpx::oids::int8; }
//     static void encode(const cents& c, std::string& out) { pgpx::codec<std::int64_t>::encode(c.v, out); }
//     static cents decode(std::string_view in, pgpx::oid t) { return {pgpx::codec<std::int64_t>::decode(in, t)}; }
//     static void to_text(const cents& c, std::string& out) { out += std::to_string(c.v); }
//   };
//
// The members a codec provides:
//   name          a C++ type name for error messages
//   param_oid     the type OID sent with a parameter; 0 lets the server infer it
//   param_format  format::binary, or format::text when encode() writes the text form
//   accepts(t)    whether decode() understands the binary form of server type t
//   encode(v,out) appends the parameter bytes (binary, or text without a terminator)
//   decode(in,t)  builds a value from the binary bytes of a non-NULL value of type t;
//                 throws conversion_error on malformed or out-of-range input and never
//                 reads outside `in`
//   to_text(v,o)  appends PostgreSQL's text input form (used in literals and logs)
// Optional members:
//   nullable      true when the type can hold NULL; then is_null(v) and null() exist
//   borrows_result true when decoded values point into the result (std::string_view)
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/export.hpp>
#include <pgpx/types/convert.hpp>
#include <pgpx/types/oid.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>
#include <utility>

namespace pgpx {

namespace detail {
struct param_list_access;
/// The most parameters one statement can have: the protocol counts them in 16 bits.
inline constexpr std::size_t max_parameters = 65535;
/// Throws usage_error (naming the count) when a statement has more parameters than the
/// protocol can carry. Checked before anything is sent, so the connection stays usable.
PGPX_API void check_parameter_count(std::size_t count, std::string_view sql);
/// True for the server's error when the parameters sent do not match the statement's
/// placeholders ("bind message supplies 1 parameters, but prepared statement requires 2",
/// SQLSTATE 08P01 from exec_bind_message): a usage error that leaves the session usable,
/// although its SQLSTATE class is "connection exception". `routine` is the error's
/// PG_DIAG_SOURCE_FUNCTION field (not translated), `message` its primary message.
[[nodiscard]] PGPX_API auto is_parameter_mismatch(std::string_view sqlstate, std::string_view routine,
                                                  std::string_view message) noexcept -> bool;
/// The usage_error for a parameter mismatch the server reported (see is_parameter_mismatch).
[[nodiscard]] PGPX_API auto parameter_mismatch_error(std::string message, error_info info) -> error;
}  // namespace detail

/// The wire format of a value: PostgreSQL's text or binary representation.
enum class format : int { text = 0, binary = 1 };

/// The codec of T: specialise it to teach pgpx a type (see the header comment).
template <class T, class Enable = void>
struct codec;

/// True when pgpx knows how to send and receive T.
template <class T>
concept has_codec = requires(const T& v, std::string& out, std::string_view in, oid t) {
  { codec<T>::name } -> std::convertible_to<std::string_view>;
  { codec<T>::param_oid } -> std::convertible_to<oid>;
  { codec<T>::param_format } -> std::convertible_to<format>;
  { codec<T>::accepts(t) } -> std::convertible_to<bool>;
  codec<T>::encode(v, out);
  { codec<T>::decode(in, t) } -> std::same_as<T>;
  codec<T>::to_text(v, out);
};

/// True when T can represent NULL (std::optional and friends).
template <class T>
concept nullable_codec = has_codec<T> && requires(const T& v) {
  requires codec<T>::nullable;
  { codec<T>::is_null(v) } -> std::convertible_to<bool>;
  { codec<T>::null() } -> std::same_as<T>;
};

/// True when decoded values of T point into the result they came from.
template <class T>
inline constexpr bool borrows_result_v = [] {
  if constexpr (requires { codec<T>::borrows_result; }) return codec<T>::borrows_result;
  else return false;
}();

/// True when codec<T> names its PostgreSQL type (a non-empty `pg_type`; see
/// pgpx/types/by_name.hpp): its OID is resolved per connection.
template <class T>
inline constexpr bool is_named_type_v = [] {
  if constexpr (requires { codec<T>::pg_type; }) return !std::string_view(codec<T>::pg_type).empty();
  else return false;
}();

namespace detail {
/// The process-wide id of codec<T>::pg_type (defined in pgpx/types/by_name.hpp, which every
/// named codec includes).
template <class T>
auto named_type_id_of() -> std::uint32_t;

/// The named type a parameter of type T is sent as: T, or U for std::optional<U>; void when
/// neither names its type.
template <class T>
struct named_param {
  using type = std::conditional_t<is_named_type_v<T>, T, void>;
};
template <class T>
struct named_param<std::optional<T>> {
  using type = std::conditional_t<is_named_type_v<T>, T, void>;
};
}  // namespace detail

/// The C++ type name used in messages for T.
template <class T>
[[nodiscard]] constexpr auto type_name_of() noexcept -> std::string_view {
  if constexpr (has_codec<T>) return codec<T>::name;
  else return "(type without codec)";
}

/// std::optional<T> is NULL when empty.
template <class T>
struct codec<std::optional<T>> {
  static_assert(has_codec<T>, "pgpx: std::optional<T> needs a codec for T");
  static constexpr std::string_view name = codec<T>::name;
  static constexpr oid param_oid = codec<T>::param_oid;
  static constexpr format param_format = codec<T>::param_format;
  static constexpr bool nullable = true;
  static constexpr bool borrows_result = borrows_result_v<T>;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return codec<T>::accepts(t); }
  [[nodiscard]] static auto is_null(const std::optional<T>& v) noexcept -> bool { return !v.has_value(); }
  [[nodiscard]] static auto null() -> std::optional<T> { return std::nullopt; }
  static void encode(const std::optional<T>& v, std::string& out) { codec<T>::encode(*v, out); }
  [[nodiscard]] static auto decode(std::string_view in, oid t) -> std::optional<T> { return codec<T>::decode(in, t); }
  static void to_text(const std::optional<T>& v, std::string& out) {
    if (v) codec<T>::to_text(*v, out);
    else out += "NULL";
  }
};

/// std::nullopt as a parameter is NULL of unspecified type.
template <>
struct codec<std::nullopt_t> {
  static constexpr std::string_view name = "std::nullopt_t";
  static constexpr oid param_oid = oids::unspecified;
  static constexpr format param_format = format::text;
  static constexpr bool nullable = true;
  [[nodiscard]] static auto accepts(oid) noexcept -> bool { return false; }
  [[nodiscard]] static auto is_null(const std::nullopt_t&) noexcept -> bool { return true; }
  [[nodiscard]] static auto null() -> std::nullopt_t { return std::nullopt; }
  static void encode(const std::nullopt_t&, std::string&) {}
  [[nodiscard]] static auto decode(std::string_view, oid) -> std::nullopt_t { return std::nullopt; }
  static void to_text(const std::nullopt_t&, std::string& out) { out += "NULL"; }
};

/// Decodes one field of type T: NULL becomes codec<T>::null() for nullable types and a
/// conversion_error otherwise. `data` is the binary value of server type `type`.
template <class T>
[[nodiscard]] auto decode_field(const char* data, int length, bool is_null, oid type) -> T {
  if (is_null) {
    if constexpr (nullable_codec<T>) {
      return codec<T>::null();
    } else {
      throw conversion_error(std::string("NULL cannot be stored in ") + std::string(codec<T>::name) +
                             "; use std::optional");
    }
  }
  return codec<T>::decode(std::string_view(data, static_cast<std::size_t>(length)), type);
}

/// Decodes a field into an existing object. A codec with `decode_into(T&, view, oid)`
/// fills `out` in place (no temporary, no move: a string member gets its bytes once);
/// otherwise the value is decoded and assigned. Same errors as decode_field.
template <class T>
void decode_field_into(T& out, const char* data, int length, bool is_null, oid type) {
  if constexpr (requires(T& o, std::string_view v, oid t) { codec<T>::decode_into(o, v, t); }) {
    if (!is_null) {
      codec<T>::decode_into(out, std::string_view(data, static_cast<std::size_t>(length)), type);
      return;
    }
  }
  out = decode_field<T>(data, length, is_null, type);
}

/**
 * An ordered list of encoded query parameters.
 *
 * Values are encoded when added; the list owns the bytes (except std::string values, whose
 * NUL-terminated buffer is borrowed, so they must outlive the execution). A list can be
 * cleared and reused without allocating again.
 *
 *   pgpx::param_list p;
 *   p.add(42).add(std::string("ada")).add_null();
 *   cx.execute_params("insert into t values ($1, $2, $3)", p);
 *
 * Thread safety: none; one list per thread.
 */
class param_list {
 public:
  /// Appends one value, encoded by codec<T>. Returns *this for chaining. A std::string
  /// lvalue is borrowed, not copied (it must outlive the statement); see the overload below.
  template <class T>
  auto add(const T& value) -> param_list& {
    using U = std::remove_cvref_t<T>;
    if constexpr (std::is_array_v<U>) {
      static_assert(std::is_same_v<std::remove_cv_t<std::remove_extent_t<U>>, char>,
                    "pgpx: arrays other than string literals cannot be parameters; use std::vector");
      return add(std::string_view(value));
    } else if constexpr (std::is_pointer_v<U>) {
      static_assert(std::is_same_v<std::remove_cv_t<std::remove_pointer_t<U>>, char>,
                    "pgpx: pointers other than const char* cannot be parameters");
      if (value == nullptr) return add_null();
      return add(std::string_view(value));
    } else {
      static_assert(has_codec<U>, "pgpx: this type has no pgpx::codec specialisation; see pgpx/types/codec.hpp");
      if constexpr (nullable_codec<U>) {
        if (codec<U>::is_null(value)) {
          add_null(codec<U>::param_oid);
          note_named<U>();
          if (capture_text_) texts_.back() = "NULL";
          return *this;
        }
      }
      if constexpr (std::is_same_v<U, std::string>) {
        check_text(value.data(), value.size());
        if (!own_values_) {
          // Zero copy: std::string is NUL-terminated, the text format needs exactly that.
          push(codec<U>::param_oid, format::text, borrowed_value, static_cast<int>(value.size()), value.c_str());
        } else {
          const std::size_t start = buf_.size();
          buf_.append(value).push_back('\0');
          push(codec<U>::param_oid, format::text, static_cast<std::ptrdiff_t>(start), static_cast<int>(value.size()),
               nullptr);
        }
      } else {
        const std::size_t start = buf_.size();
        try {
          codec<U>::encode(value, buf_);
        } catch (const conversion_error& e) {
          buf_.resize(start);
          detail::rethrow_at(position(), e);
        }
        const auto len = buf_.size() - start;
        if constexpr (codec<U>::param_format == format::text) {
          check_text(buf_.data() + start, len, start);
          buf_.push_back('\0');
        }
        push(codec<U>::param_oid, codec<U>::param_format, static_cast<std::ptrdiff_t>(start), static_cast<int>(len),
             nullptr);
      }
      note_named<U>();
      if (capture_text_) codec<U>::to_text(value, texts_.back());
      return *this;
    }
  }

  /// Appends a temporary std::string by copying it: borrowing it, as add(const T&) does with
  /// an lvalue, would leave the list pointing into a string that is gone.
  template <class S>
    requires std::same_as<S, std::string>
  auto add(S&& value) -> param_list& {  // NOLINT(cppcoreguidelines-missing-std-forward): copied
    const bool owned = std::exchange(own_values_, true);
    try {
      add(static_cast<const std::string&>(value));
    } catch (...) {
      own_values_ = owned;
      throw;
    }
    own_values_ = owned;
    return *this;
  }

  /// Appends a NULL, optionally typed.
  auto add_null(oid type = oids::unspecified) -> param_list& {
    push(type, format::text, -1, -1, nullptr);
    if (capture_text_) texts_.back() = "NULL";
    return *this;
  }

  /// Appends a value given in PostgreSQL's text form, typed or left for the server to infer.
  auto add_text(std::string_view text, oid type = oids::unspecified) -> param_list& {
    check_text(text.data(), text.size());
    const std::size_t start = buf_.size();
    buf_.append(text);
    buf_.push_back('\0');
    push(type, format::text, static_cast<std::ptrdiff_t>(start), static_cast<int>(text.size()), nullptr);
    if (capture_text_) texts_.back().assign(text);
    return *this;
  }

  /// Appends a value already encoded in PostgreSQL's binary format for `type`.
  auto add_binary(std::string_view bytes, oid type) -> param_list& {
    const std::size_t start = buf_.size();
    buf_.append(bytes);
    push(type, format::binary, static_cast<std::ptrdiff_t>(start), static_cast<int>(bytes.size()), nullptr);
    return *this;
  }

  /// Names the most recently added parameter (used to mask secrets in logs).
  auto name_last(std::string name) -> param_list& {
    if (names_.size() < oids_.size()) names_.resize(oids_.size());
    names_.back() = std::move(name);
    return *this;
  }

  /// Removes the values from position `n` on (keeps the first n); no effect when n >= size().
  void truncate(std::size_t n) noexcept {
    if (n >= oids_.size()) return;
    std::size_t bytes = buf_.size();
    for (std::size_t i = n; i < offsets_.size(); ++i)
      if (offsets_[i] >= 0 && static_cast<std::size_t>(offsets_[i]) < bytes)
        bytes = static_cast<std::size_t>(offsets_[i]);
    buf_.resize(bytes);
    oids_.resize(n);
    formats_.resize(n);
    lengths_.resize(n);
    offsets_.resize(n);
    values_.resize(n);
    if (texts_.size() > n) texts_.resize(n);
    if (names_.size() > n) names_.resize(n);
    while (!named_.empty() && named_.back().index >= n) named_.pop_back();
    if (first_ > n) first_ = n;
  }

  /// Numbers the following values from $1 again in error messages (a batch keeps many
  /// statements' parameters in one list); clear() resets it.
  void start_statement() noexcept { first_ = oids_.size(); }

  /// Makes room for `n` values of `bytes` encoded bytes in all, so that adding them does
  /// not allocate again.
  void reserve(std::size_t n, std::size_t bytes = 0) {
    buf_.reserve(bytes);
    oids_.reserve(n);
    formats_.reserve(n);
    lengths_.reserve(n);
    offsets_.reserve(n);
    values_.reserve(n);
  }

  /// Removes every value, keeping the allocated storage.
  void clear() noexcept {
    first_ = 0;
    buf_.clear();
    oids_.clear();
    formats_.clear();
    lengths_.clear();
    offsets_.clear();
    values_.clear();
    texts_.clear();
    names_.clear();
    named_.clear();
  }

  /// When set, std::string values are copied instead of borrowed, so the list stays valid
  /// after they are gone (batches keep their parameters until they run).
  void own_values(bool on) noexcept { own_values_ = on; }

  /// Copies the std::string values borrowed so far into the list's own storage and owns
  /// every later value too, so the list (and its copies) stays valid after the strings are
  /// gone. Used by pgpx::statement, which keeps its parameters.
  void make_owning() {
    own_values_ = true;
    for (std::size_t i = 0; i < offsets_.size(); ++i) {
      if (offsets_[i] != borrowed_value) continue;
      const std::size_t start = buf_.size();
      buf_.append(values_[i], static_cast<std::size_t>(lengths_[i])).push_back('\0');
      offsets_[i] = static_cast<std::ptrdiff_t>(start);
    }
  }
  /// Whether std::string values are copied (own_values(true) or make_owning()).
  [[nodiscard]] auto owning_values() const noexcept -> bool { return own_values_; }

  /// When set, add() also records each value's text form for query logs (costs time).
  void capture_text(bool on) noexcept { capture_text_ = on; }
  /// Whether text forms are recorded.
  [[nodiscard]] auto capturing_text() const noexcept -> bool { return capture_text_; }

  /// When set (the default), text values must be valid UTF-8, the client encoding pgpx
  /// connects with; invalid text is a conversion_error before anything is sent. Turn it off
  /// only for a connection opened with another client_encoding. NUL bytes are always refused.
  void check_utf8(bool on) noexcept { check_utf8_ = on; }
  /// Whether text values are checked to be UTF-8.
  [[nodiscard]] auto checking_utf8() const noexcept -> bool { return check_utf8_; }

  /// Number of parameters.
  [[nodiscard]] auto size() const noexcept -> std::size_t { return oids_.size(); }
  /// True when there are no parameters.
  [[nodiscard]] auto empty() const noexcept -> bool { return oids_.empty(); }
  /// Parameter type OIDs, in order (0 = unspecified).
  [[nodiscard]] auto types() const noexcept -> const oid* { return oids_.data(); }
  /// Parameter formats (0 text, 1 binary), in order.
  [[nodiscard]] auto formats() const noexcept -> const int* { return formats_.data(); }
  /// Parameter lengths in bytes (-1 for NULL), in order.
  [[nodiscard]] auto lengths() const noexcept -> const int* { return lengths_.data(); }

  /// Pointers to the parameter values (nullptr for NULL); valid until the list changes.
  [[nodiscard]] auto values() const noexcept -> const char* const* {
    for (std::size_t i = 0; i < values_.size(); ++i)
      if (offsets_[i] >= 0) values_[i] = buf_.data() + offsets_[i];
    return values_.data();
  }
  /// Text forms of the values when capture_text(true) was set before adding, else empty.
  [[nodiscard]] auto texts() const noexcept -> const std::vector<std::string>& { return texts_; }
  /// Parameter names given with name_last(); shorter than size() when some are unnamed.
  [[nodiscard]] auto names() const noexcept -> const std::vector<std::string>& { return names_; }

 private:
  friend struct detail::param_list_access;
  // Types, formats and lengths of the parameters from `first` on (batches keep many
  // statements' parameters in one list).
  [[nodiscard]] auto types_from(std::size_t first) const noexcept -> const oid* { return oids_.data() + first; }
  [[nodiscard]] auto formats_from(std::size_t first) const noexcept -> const int* { return formats_.data() + first; }
  [[nodiscard]] auto lengths_from(std::size_t first) const noexcept -> const int* { return lengths_.data() + first; }
  // Text-format values are NUL-terminated for libpq, so an embedded NUL would silently cut
  // the value short; PostgreSQL text cannot hold NUL anyway, nor bytes that are not valid in
  // the client encoding. Refuse them before sending (detail::check_text, as every write path).
  void check_text(const char* data, std::size_t len, std::size_t rollback_to = std::string::npos) {
    try {
      detail::check_text(std::string_view(data, len), check_utf8_);
    } catch (const conversion_error& e) {
      if (rollback_to != std::string::npos) buf_.resize(rollback_to);
      detail::rethrow_at(position(), e);
    }
  }

  // Records that the parameter just added is of a named type, whose OID the sending
  // connection resolves.
  template <class U>
  void note_named() {
    if constexpr (!std::is_void_v<typename detail::named_param<U>::type>)
      named_.push_back({static_cast<std::uint32_t>(oids_.size() - 1),
                        detail::named_type_id_of<typename detail::named_param<U>::type>()});
  }

  // "parameter $n" of the value being added, counted from the statement's first.
  [[nodiscard]] auto position() const -> std::string {
    return "parameter $" + std::to_string(oids_.size() - first_ + 1);
  }

  void push(oid t, format f, std::ptrdiff_t offset, int len, const char* borrowed) {
    oids_.push_back(t);
    formats_.push_back(static_cast<int>(f));
    lengths_.push_back(len);
    offsets_.push_back(offset);
    values_.push_back(borrowed);
    if (capture_text_) texts_.emplace_back();
  }

  static constexpr std::ptrdiff_t borrowed_value = -2;  // offsets_ of a borrowed std::string

  std::string buf_;
  std::vector<oid> oids_;
  std::vector<int> formats_;
  std::vector<int> lengths_;
  std::vector<std::ptrdiff_t> offsets_;  // >= 0: offset in buf_; < 0: borrowed or NULL
  mutable std::vector<const char*> values_;
  std::vector<std::string> texts_;
  std::vector<std::string> names_;
  // The parameters whose type is named (pgpx/types/by_name.hpp): their OIDs are resolved by
  // the connection that sends them. Empty unless a named type was added.
  struct named_param_ref {
    std::uint32_t index;  // the parameter's position in the list
    std::uint32_t id;     // detail::register_type_name's id
  };
  std::vector<named_param_ref> named_;
  bool capture_text_ = false;
  bool own_values_ = false;
  bool check_utf8_ = true;
  std::size_t first_ = 0;  // see start_statement()
};

namespace detail {
/// Access to param_list's members that batches use (many statements' parameters in one
/// list). Not part of the API.
struct param_list_access {
  [[nodiscard]] static auto types_from(const param_list& p, std::size_t first) noexcept -> const oid* {
    return p.types_from(first);
  }
  [[nodiscard]] static auto formats_from(const param_list& p, std::size_t first) noexcept -> const int* {
    return p.formats_from(first);
  }
  [[nodiscard]] static auto lengths_from(const param_list& p, std::size_t first) noexcept -> const int* {
    return p.lengths_from(first);
  }
  /// The parameters whose types are named: (position, name id) pairs, by position.
  [[nodiscard]] static auto named(const param_list& p) noexcept -> const auto& { return p.named_; }
  /// Marks the last parameter of `p` as of the named type `id` (a copied value keeps it).
  static void mark_last_named(param_list& p, std::uint32_t id) {
    p.named_.push_back({static_cast<std::uint32_t>(p.size() - 1), id});
  }
  /// Copies the named-type marks of `src` to `dst`, whose values from `dst_first` on are
  /// src's values in order.
  static void copy_named(param_list& dst, const param_list& src, std::size_t dst_first) {
    for (const auto& ref : src.named_)
      dst.named_.push_back({static_cast<std::uint32_t>(dst_first + ref.index), ref.id});
  }
};
}  // namespace detail

}  // namespace pgpx
