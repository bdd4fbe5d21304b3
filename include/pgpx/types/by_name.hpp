// pgpx/types/by_name.hpp: codecs that name their PostgreSQL type instead of a fixed OID.
//
// A built-in type has the same OID in every database, so its codec states it at compile
// time (codec<T>::param_oid, codec<T>::accepts). A type created at run time (an
// extension's `vector`, `hstore` or `citext`, a user's enum or domain) gets a different OID
// in every database. Its codec names the type instead, and derives from codec_by_name<T>:
//
//   struct vec3 { float x, y, z; };
//   template <> struct pgpx::codec<vec3> : pgpx::codec_by_name<vec3> {
//     static constexpr std::string_view name = "vec3";
//     static constexpr std::string_view pg_type = "vector";       // or "public.vector"
//     static constexpr pgpx::format param_format = pgpx::format::binary;
//     static void encode(const vec3& v, std::string& out);         // vector_send's format
//     static vec3 decode(std::string_view in, pgpx::oid t);         // vector_recv's format
//     static void to_text(const vec3& v, std::string& out);        // "[1,2,3]"
//   };
//
// An enum names its type with pgpx::enum_type<E> (pgpx/types/enum.hpp) and a composite with
// pgpx::composite_type<T> (pgpx/types/composite.hpp); both keep their text form and get the
// rest below.
//
// Each connection resolves the names the process uses to OIDs with one catalog query
// (to_regtype, so search_path and schema qualification work as in SQL), before its first
// statement after a new name appears, and again after it reconnects, after DDL that
// creates, drops or alters types or extensions, and after a column or parameter shows that
// its answer went stale. Then:
//   * a parameter of the type is sent with the type's real OID, so `select $1` needs no
//     cast and the server's binary input function reads it; a type the database lacks is an
//     error (SQLSTATE 42704) naming the type and the database, before anything is sent;
//   * a column is read only when its type is the named one (for a domain: the domain or its
//     base type); errors name the type, never an OID alone.
// Arrays of a named type (std::vector<vec3>) travel as text literals built with to_text()
// and are read in binary with each element's type checked by name.
//
// Cost: a process that uses no named type pays one integer comparison per statement.
//
// Thread safety: the registry of names is process-wide and safe to use from any thread; a
// connection's resolved catalog is that connection's (one thread at a time) and each
// result keeps the catalog it was produced with, immutable but for its staleness flag.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/types/codec.hpp>
#include <pgpx/types/oid.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace pgpx {

namespace detail {

/// Registers a type name for the whole process and returns its id (the same name twice
/// gives the same id). Never throws for a bad name: a name that is not a type name
/// (anything but letters, digits, `_`, `$`, `.`, spaces, `"` and `[]`) is kept and reported
/// as invalid when it is used. Thread-safe.
[[nodiscard]] PGPX_API auto register_type_name(std::string_view name) -> std::uint32_t;
/// How many names are registered (written by register_type_name; constant-initialised).
PGPX_API extern std::atomic<std::uint32_t> registered_type_count;
/// How many names are registered (ids 0..n-1). Thread-safe; one load (every statement asks).
[[nodiscard]] inline auto registered_type_names() noexcept -> std::uint32_t {
  return registered_type_count.load(std::memory_order_acquire);
}
/// The name of id `id` (registered). Thread-safe.
[[nodiscard]] PGPX_API auto registered_type_name(std::uint32_t id) -> std::string;
/// Whether `name` can be looked up (see register_type_name).
[[nodiscard]] PGPX_API auto valid_type_name(std::string_view name) noexcept -> bool;

/// Says how to get a type a database lacks ("install the extension that provides it: pgpx
/// extension install vector"), or "" when it does not know the type. The extension registry
/// (pgpx/ext/registry.hpp) installs one; types cannot include ext.
using missing_type_hint_fn = std::string (*)(std::string_view type);
/// Installs the hint function (nullptr: none). Thread-safe; meant for start-up.
PGPX_API void set_missing_type_hint(missing_type_hint_fn f) noexcept;
/// The hint for `type`, or "".
[[nodiscard]] PGPX_API auto missing_type_hint(std::string_view type) -> std::string;
/// `type "vector" does not exist in database "app"`: the one wording of a missing type, for
/// parameters and columns alike.
[[nodiscard]] PGPX_API auto missing_type_sentence(std::string_view type, std::string_view database) -> std::string;

/// The id of codec<T>::pg_type, registered when the program starts (before main) for
/// every named codec the program uses, so that connections resolve all of them at once.
template <class T>
inline const std::uint32_t type_name_id = register_type_name(codec<T>::pg_type);

template <class T>
auto named_type_id_of() -> std::uint32_t {
  return type_name_id<T>;
}

/**
 * The types one connection resolved by name: per registered id, the OID, its array type and
 * (for a domain) its base type. Immutable once built, except the staleness flag that tells
 * the connection to resolve again before its next statement.
 */
class PGPX_API type_catalog {
 public:
  /// One resolved name.
  struct entry {
    oid type = 0;        ///< the type's OID; 0 when the database has no such type
    oid array = 0;       ///< its array type
    oid base = 0;        ///< a domain's base type (followed to the end); `type` otherwise
    char kind = 0;       ///< pg_type.typtype: b base, e enum, d domain, c composite, r range...
  };

  /// A catalog of `entries` (index = id) for database `database`.
  type_catalog(std::vector<entry> entries, std::string database);

  /// The entry of id `id`, or nullptr when this catalog predates the name.
  [[nodiscard]] auto find(std::uint32_t id) const noexcept -> const entry* {
    return id < entries_.size() ? &entries_[id] : nullptr;
  }
  /// How many ids this catalog covers.
  [[nodiscard]] auto size() const noexcept -> std::uint32_t { return static_cast<std::uint32_t>(entries_.size()); }
  /// The database the names were resolved in (for messages).
  [[nodiscard]] auto database() const noexcept -> const std::string& { return database_; }
  /// The registered name whose type, array type or base type is `t`, or "".
  [[nodiscard]] auto name_of(oid t) const -> std::string;
  /// Whether the connection must resolve again before its next statement.
  [[nodiscard]] auto stale() const noexcept -> bool { return stale_.load(std::memory_order_relaxed); }
  /// Asks the connection to resolve again before its next statement.
  void mark_stale() const noexcept { stale_.store(true, std::memory_order_relaxed); }

 private:
  std::vector<entry> entries_;
  std::string database_;
  mutable std::atomic<bool> stale_{false};
};

/// The catalog the current thread decodes with (set by row mapping from the result being
/// read; nullptr outside).
[[nodiscard]] PGPX_API auto active_type_catalog() noexcept -> const type_catalog*&;

/// Sets the thread's active catalog for a scope, restoring the previous one after.
class types_scope {
 public:
  explicit types_scope(const type_catalog* c) noexcept : saved_(active_type_catalog()) { active_type_catalog() = c; }
  ~types_scope() { active_type_catalog() = saved_; }
  types_scope(const types_scope&) = delete;
  auto operator=(const types_scope&) -> types_scope& = delete;

 private:
  const type_catalog* saved_;
};

/// Whether a column or element of server type `t` is the type named by id `id`, under the
/// active catalog. A non-built-in `t` that does not match marks the catalog stale (the type
/// may have been dropped and created again).
[[nodiscard]] PGPX_API auto named_type_accepts(std::uint32_t id, oid t) noexcept -> bool;
/// A sentence for errors about id `id` under the active catalog: what it resolved to, or
/// that the database lacks it ("; type \"vector\" does not exist in database \"app\" ...").
[[nodiscard]] PGPX_API auto named_type_note(std::uint32_t id) -> std::string;
/// A description of server type `t` for messages: the registered name when the active
/// catalog knows it, else describe_type(t).
[[nodiscard]] PGPX_API auto describe_type_in_catalog(oid t) -> std::string;

/// True when reading T may involve a named type (T, its optional, its array elements, a
/// composite's members...), so row mapping must make the result's catalog active.
template <class T, class = void>
struct uses_named : std::bool_constant<is_named_type_v<T>> {};
template <class T>
struct uses_named<std::optional<T>> : uses_named<T> {};
template <class T>
struct uses_named<std::vector<T>, std::enable_if_t<!std::is_same_v<T, std::byte>>> : uses_named<T> {};
template <class T>
inline constexpr bool uses_named_v = uses_named<T>::value;

}  // namespace detail

/**
 * The base of a codec that names its type (see the header comment): provides param_oid
 * (resolved per connection when sent) and accepts() (a check by name against the catalog
 * of the result being read). The deriving codec provides name, pg_type, param_format,
 * encode, decode and to_text.
 */
template <class T>
struct codec_by_name {
  /// Resolved per connection when the parameter is sent.
  static constexpr oid param_oid = oids::unspecified;
  /// Whether server type `t` is codec<T>::pg_type in the database the value came from.
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool {
    return detail::named_type_accepts(detail::type_name_id<T>, t);
  }
};

}  // namespace pgpx
