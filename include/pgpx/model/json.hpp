// pgpx/model/json.hpp: models (and any reflectable struct) to and from nlohmann::json.
//
//   struct author { pgpx::identity<std::int64_t> id; pgpx::varchar<80> name;
//                   std::optional<std::string> bio; pgpx::timestamptz created_at; };
//   template <> struct pgpx::model<author> {
//     static constexpr auto json_naming = pgpx::naming::camel_case;           // createdAt
//     static constexpr auto json_rename() { return std::array{pgpx::json_name{"bio", "about"}}; }
//   };
//   nlohmann::json j = pgpx::to_json(a);    // {"id":1,"name":"Ada","about":null,"createdAt":"2024-01-31T12:00:00Z"}
//   author b = pgpx::from_json<author>(j);  // validates; throws pgpx::validation_error with every issue
//   auto r = pgpx::try_from_json<author>(j);  // the same, without throwing: r.value or r.issues
//   nlohmann::json k = a;                   // for models that declare a JSON fact (see json_enabled)
//
// Values: wrappers as their values; integers, floats and bool as JSON numbers and booleans;
// std::string; pgpx::numeric as its exact text ("19.990"); pgpx::bytea as base64; pgpx::uuid
// as its text; C++ enums as their PostgreSQL labels (pgpx/types/enum.hpp); timestamptz as
// RFC 3339 in UTC ("2024-01-31T12:00:00.5Z"), timestamp without the zone, date as
// "2024-01-31", time as "12:00:00", interval and std::chrono::duration as ISO 8601
// ("P1Y2M3DT4H", "PT1.5S"); nlohmann::json members as they are; std::vector as arrays;
// nested structs as objects; an empty std::optional as null.
//
// from_json collects every problem before it gives up, each an issue (pgpx/model/validate.hpp)
// whose loc is the JSON path (`["books", 2, "title"]`, path() `books[2].title`): a key that
// is missing (`missing`; a missing key is allowed for nullable members, which read as empty,
// and for columns the server fills (identity, server_default, generated, version,
// updated_at), which keep their default value), a key the struct does not have (`unknown_key`, unless
// json_options::unknown is unknown_keys::ignore), a value of the wrong JSON type
// (`wrong_type`), a number the member cannot hold (`out_of_range`), text that is not a
// timestamp, uuid, numeric, base64 or enum label (`invalid_format`, `unknown_label`), text
// PostgreSQL cannot store (`invalid_text`: a NUL byte or invalid UTF-8), then the
// validation rules of checked<> and varchar<N> (on every value, also inside arrays) and, for
// a struct whose members all read, model<T>::validate. Messages and contexts never echo a
// string value: only numbers, lengths and the JSON type names.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/model/model.hpp>
#include <pgpx/model/validate.hpp>
#include <pgpx/model/wrappers.hpp>
#include <pgpx/reflect/naming.hpp>
#include <pgpx/reflect/reflect.hpp>
#include <pgpx/types.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pgpx {

/// One renamed member for model<T>::json_rename(): the C++ member name and its JSON key.
struct json_name {
  std::string_view member;  ///< the C++ member name
  std::string_view json;    ///< the key in JSON
};

/// What from_json does with a key the struct has no member for.
enum class unknown_keys {
  refuse,  ///< an `unknown_key` issue (the default, as pydantic's extra='forbid')
  ignore,  ///< skipped silently
};

/// How from_json reads.
struct json_options {
  unknown_keys unknown = unknown_keys::refuse;  ///< keys without a member
  bool validate = true;  ///< run the validation rules (checked<>, varchar<N>, model<T>::validate)
};

/// What try_from_json gives: the value, or every issue found (never both).
template <class T>
struct json_read {
  std::optional<T> value;     ///< the struct, when there was no issue
  std::vector<issue> issues;  ///< every problem, in the order found
  /// True when the value was read.
  [[nodiscard]] explicit operator bool() const noexcept { return value.has_value(); }
};

/// True for the types `nlohmann::json j = x;` and `j.get<T>()` convert through pgpx: structs
/// whose model<T> declares `json_naming`, `json_rename()` or `static constexpr bool json =
/// true`. Specialise it to true for other structs (or to false to keep nlohmann's own).
template <class T>
inline constexpr bool json_enabled = [] {
  if constexpr (requires { model<T>::json; }) return static_cast<bool>(model<T>::json);
  else return requires { model<T>::json_naming; } || requires { model<T>::json_rename(); };
}();

namespace detail {

/// What parse_json_timestamp found.
enum class json_time_parse { ok, malformed, out_of_range };

/// Appends the base64 (RFC 4648, with padding) of `in`.
PGPX_API void base64_encode(const bytea& in, std::string& out);
/// Decodes base64 (padding optional, no white space); false when `in` is not base64.
[[nodiscard]] PGPX_API auto base64_decode(std::string_view in, bytea& out) -> bool;
/// RFC 3339 text of a timestamp in microseconds since 1970 ("Z" appended when `utc`), or
/// "infinity" / "-infinity" for the largest and smallest int64.
[[nodiscard]] PGPX_API auto format_json_timestamp(std::int64_t unix_usecs, bool utc) -> std::string;
/// Reads RFC 3339 ("2024-01-31T12:00:00.5Z", "...+02:00"; `t` and ` ` separate date and
/// time) into microseconds since 1970 in UTC. Without `utc` the text must have no offset.
/// malformed when the text is not such a timestamp; out_of_range beyond int64 microseconds.
[[nodiscard]] PGPX_API auto parse_json_timestamp(std::string_view in, bool utc, std::int64_t& unix_usecs)
    -> json_time_parse;
/// "YYYY-MM-DD" (a sign and more digits outside years 0 to 9999, "infinity", "-infinity").
[[nodiscard]] PGPX_API auto format_json_date(const date& d) -> std::string;
/// Reads what format_json_date writes; false when it is not a valid date.
[[nodiscard]] PGPX_API auto parse_json_date(std::string_view in, date& out) -> bool;
/// Reads "HH:MM[:SS[.ffffff]]" from 00:00 to 24:00:00; false otherwise.
[[nodiscard]] PGPX_API auto parse_json_time(std::string_view in, time_of_day& out) -> bool;
/// Reads an ISO 8601 duration as interval::to_string writes it ("P1Y2M3DT4H5M6.5S", signs
/// on any part, "PT0S"; weeks "P2W"); false otherwise (or when a field overflows).
[[nodiscard]] PGPX_API auto parse_json_interval(std::string_view in, interval& out) -> bool;
/// The issue for a JSON value of the wrong type: "must be <expected> (got <json type>)".
[[nodiscard]] PGPX_API auto json_wrong_type(const nlohmann::json& path, std::string_view expected,
                                            const nlohmann::json& got) -> issue;
/// An issue at `path` with the type, message and context given.
[[nodiscard]] PGPX_API auto json_issue(const nlohmann::json& path, std::string type, std::string msg,
                                       nlohmann::json ctx = nlohmann::json::object()) -> issue;
/// The issue for text PostgreSQL cannot store (NUL byte, invalid UTF-8), or nothing.
[[nodiscard]] PGPX_API auto json_text_issue(const nlohmann::json& path, std::string_view s) -> std::optional<issue>;
/// Throws the usage_error for a JSON name given to two members of `model`.
[[noreturn]] PGPX_API void throw_duplicate_json_name(std::string_view model, std::string_view name);

template <class T>
struct is_time_point : std::false_type {};
template <class Clock, class D>
struct is_time_point<std::chrono::time_point<Clock, D>> : std::true_type {};
template <class T>
struct is_duration : std::false_type {};
template <class R, class P>
struct is_duration<std::chrono::duration<R, P>> : std::true_type {};

/// The naming of T's JSON keys: model<T>::json_naming, else exact.
template <class T>
inline constexpr naming json_naming_of = [] {
  if constexpr (requires { model<T>::json_naming; }) return static_cast<naming>(model<T>::json_naming);
  else return naming::exact;
}();

/// The first diagnostic names the struct, the member and its type.
template <class T, fixed_string Member, class M>
struct unserialisable_member {
  static_assert(dependent_false<M>,
                "pgpx::to_json/from_json: this member's type has no JSON form (a reflectable struct, wrapper, "
                "optional, vector or one of the value types in pgpx/model/json.hpp)");
};

template <class V>
inline constexpr bool is_json_value = std::is_same_v<V, nlohmann::json> || std::is_same_v<V, nlohmann::ordered_json>;

/// True for the member types with a JSON form (a nested struct's members are checked when
/// it is converted).
template <class V>
inline constexpr bool json_serialisable = [] {
  if constexpr (is_std_optional<V>::value) return json_serialisable<typename V::value_type>;
  else if constexpr (wrapper_type<V>) return json_serialisable<typename V::pgpx_inner>;
  else if constexpr (is_std_vector<V>::value && !std::is_same_v<V, bytea>)
    return !std::is_same_v<V, std::vector<bool>> && json_serialisable<typename V::value_type>;
  else if constexpr (is_time_point<V>::value || is_duration<V>::value) return has_codec<V>;
  else
    return is_json_value<V> || std::is_arithmetic_v<V> || std::is_same_v<V, std::string> || std::is_same_v<V, bytea> ||
           std::is_same_v<V, numeric> || std::is_same_v<V, uuid> || std::is_same_v<V, time_of_day> ||
           std::is_same_v<V, interval> || std::is_same_v<V, date> ||
           (std::is_enum_v<V> && !std::is_same_v<V, std::byte>) || reflect::reflectable<V>;
}();

/// Refuses, at compile time and naming it, a member of T without a JSON form.
template <class T>
consteval auto check_json_members() -> bool {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          using M = std::remove_cvref_t<decltype(reflect::get<I>(std::declval<T&>()))>;
          if constexpr (!json_serialisable<M>) (void)sizeof(unserialisable_member<T, member_fixed_name<T, I>, M>);
        }(),
        ...);
  }(std::make_index_sequence<reflect::field_count<T>>{});
  return true;
}

/// Every model<T>::json_rename() entry must name a member of T (checked at compile time).
template <class T>
consteval auto json_renames_valid() -> bool {
  if constexpr (requires { model<T>::json_rename(); }) {
    for (const json_name& r : model<T>::json_rename()) {
      bool found = false;
      for (const auto name : reflect::field_names<T>) found = found || name == r.member;
      if (!found) return false;
    }
  }
  return true;
}

/// The JSON keys of T's members, in member order (built once per type).
template <class T>
auto json_keys() -> const std::array<std::string, reflect::field_count<T>>& {
  static_assert(json_renames_valid<T>(), "pgpx: model<T>::json_rename() names a member T does not have");
  static const auto keys = [] {
    std::array<std::string, reflect::field_count<T>> out;
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = reflect::apply_naming(reflect::field_names<T>[i], json_naming_of<T>);
      if constexpr (requires { model<T>::json_rename(); }) {
        for (const json_name& r : model<T>::json_rename())
          if (r.member == reflect::field_names<T>[i]) out[i] = std::string(r.json);
      }
    }
    for (std::size_t i = 0; i < out.size(); ++i)
      for (std::size_t k = i + 1; k < out.size(); ++k)
        if (out[i] == out[k]) throw_duplicate_json_name(type_name_v<T>, out[i]);
    return out;
  }();
  return keys;
}

template <class V>
auto value_to_json(const V& v) -> nlohmann::json;

/// A reflectable struct as a JSON object (nlohmann::json keeps its keys sorted).
template <class T>
auto struct_to_json(const T& x) -> nlohmann::json {
  static_assert(check_json_members<T>());
  nlohmann::json out = nlohmann::json::object();
  const auto& keys = json_keys<T>();
  std::size_t i = 0;
  reflect::for_each_field(x, [&](std::string_view, const auto& field) { out[keys[i++]] = value_to_json(field); });
  return out;
}

template <class V>
auto value_to_json(const V& v) -> nlohmann::json {
  if constexpr (is_std_optional<V>::value) {
    return v ? value_to_json(*v) : nlohmann::json(nullptr);
  } else if constexpr (wrapper_type<V>) {
    return value_to_json(static_cast<const typename V::pgpx_inner&>(v));
  } else if constexpr (is_json_value<V>) {
    return nlohmann::json(v);
  } else if constexpr (std::is_same_v<V, bool> || std::is_arithmetic_v<V> || std::is_same_v<V, std::string>) {
    return nlohmann::json(v);
  } else if constexpr (std::is_same_v<V, bytea>) {
    std::string s;
    base64_encode(v, s);
    return s;
  } else if constexpr (std::is_same_v<V, numeric> || std::is_same_v<V, uuid> || std::is_same_v<V, time_of_day> ||
                       std::is_same_v<V, interval>) {
    return v.to_string();
  } else if constexpr (std::is_same_v<V, date>) {
    return format_json_date(v);
  } else if constexpr (is_time_point<V>::value) {
    constexpr bool utc = codec<V>::utc;
    std::int64_t us = 0;
    if (v == V::max()) us = std::numeric_limits<std::int64_t>::max();
    else if (v == V::min()) us = std::numeric_limits<std::int64_t>::min();
    else if (!duration_to_usecs(v.time_since_epoch(), us)) throw_out_of_range("time point", "JSON");
    return format_json_timestamp(us, utc);
  } else if constexpr (is_duration<V>::value) {
    std::string s;
    codec<V>::to_text(v, s);
    return s;
  } else if constexpr (std::is_enum_v<V>) {
    return enum_to_label(v);
  } else if constexpr (is_std_vector<V>::value) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : v) out.push_back(value_to_json(e));
    return out;
  } else if constexpr (reflect::reflectable<V>) {
    return struct_to_json(v);
  } else {
    static_assert(json_serialisable<V>, "pgpx::to_json: this type has no JSON form");
    return {};
  }
}

/// Reading state: the path of the value being read and the issues found so far.
struct json_reader {
  nlohmann::json path = nlohmann::json::array();  ///< names and indices
  std::vector<issue> found;                        ///< every problem
  json_options options;                            ///< what to refuse

  /// Records a wrong JSON type at the current path; returns false.
  auto wrong_type(std::string_view expected, const nlohmann::json& got) -> bool {
    found.push_back(json_wrong_type(path, expected, got));
    return false;
  }
  /// Records an issue at the current path; returns false.
  auto fail(std::string type, std::string msg, nlohmann::json ctx = nlohmann::json::object()) -> bool {
    found.push_back(json_issue(path, std::move(type), std::move(msg), std::move(ctx)));
    return false;
  }
  /// Records the rule failures of a value at the current path.
  void failures(std::vector<rule_failure> fs) {
    for (auto& f : fs) found.push_back(json_issue(path, std::move(f.type), std::move(f.msg), std::move(f.ctx)));
  }
};

/// Reads one value; with `Rules`, a wrapper runs the validation rules of every wrapper in it
/// (the wrappers inside it read with Rules false, so that each rule runs once).
template <class V, bool Rules = true>
auto read_value(const nlohmann::json& j, V& out, json_reader& r) -> bool;

/// Reads an integer member, refusing what V (and PostgreSQL's int8) cannot hold.
template <class V>
auto read_integer_json(const nlohmann::json& j, V& out, json_reader& r) -> bool {
  constexpr auto lo = static_cast<long long>(std::numeric_limits<V>::min());
  constexpr auto hi = static_cast<long long>(
      std::min<unsigned long long>(std::numeric_limits<V>::max(), std::numeric_limits<long long>::max()));
  const auto range = [&](const nlohmann::json& got) {
    return r.fail("out_of_range",
                  "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " (got " + got.dump() + ")",
                  {{"min", lo}, {"max", hi}, {"got", got}});
  };
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<unsigned long long>(hi)) return range(j);
    out = static_cast<V>(u);
    return true;
  }
  if (j.is_number_integer()) {
    const auto s = j.get<std::int64_t>();
    if (s < lo || s > hi) return range(j);
    out = static_cast<V>(s);
    return true;
  }
  return r.wrong_type("an integer", j);
}

/// Reads a time point of V's clock from RFC 3339 text.
template <class V>
auto read_time_point_json(const nlohmann::json& j, V& out, json_reader& r) -> bool {
  constexpr bool utc = codec<V>::utc;
  const char* expected = utc ? "an RFC 3339 timestamp with an offset" : "an RFC 3339 timestamp without an offset";
  if (!j.is_string()) return r.wrong_type("a timestamp string", j);
  const auto& s = j.get_ref<const std::string&>();
  std::int64_t us = 0;
  const auto parsed = parse_json_timestamp(s, utc, us);
  if (parsed == json_time_parse::malformed)
    return r.fail("invalid_format", std::string("must be ") + expected, {{"expected", expected}, {"length", s.size()}});
  const auto range = [&] { return r.fail("out_of_range", "is outside the range of the member's time point type"); };
  if (parsed == json_time_parse::out_of_range) return range();
  if (us == std::numeric_limits<std::int64_t>::max()) out = V::max();
  else if (us == std::numeric_limits<std::int64_t>::min()) out = V::min();
  else {
    typename V::duration d{};
    std::int64_t pg = 0;  // PostgreSQL's range first, then the member type's
    if (__builtin_sub_overflow(us, pg_epoch_unix_usecs, &pg) || pg < min_timestamp || pg >= end_timestamp ||
        !usecs_to_duration(us, d) || V(d) == V::max() || V(d) == V::min())
      return range();
    out = V(d);
  }
  return true;
}

/// Reads text with a parser that throws conversion_error (numeric, uuid).
template <class V, class Parse>
auto read_parsed_json(const nlohmann::json& j, V& out, json_reader& r, std::string_view expected, Parse parse) -> bool {
  if (!j.is_string()) return r.wrong_type(std::string(expected) + " string", j);
  const auto& s = j.get_ref<const std::string&>();
  try {
    out = parse(s);
  } catch (const conversion_error&) {
    return r.fail("invalid_format", "must be " + std::string(expected),
                  {{"expected", std::string(expected)}, {"length", s.size()}});
  }
  return true;
}

/// Reads a reflectable struct from a JSON object: every member, unknown keys, then (when
/// every member read) model<T>::validate.
template <class T>
auto read_struct(const nlohmann::json& j, T& out, json_reader& r) -> bool {
  static_assert(check_json_members<T>());
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (check_rules_apply<T, I>(), ...);
  }(std::make_index_sequence<reflect::field_count<T>>{});
  if (!j.is_object()) return r.wrong_type("an object", j);
  const auto& keys = json_keys<T>();
  const std::size_t before = r.found.size();
  bool ok = true;
  std::size_t i = 0;
  reflect::for_each_field(out, [&](std::string_view, auto& field) {
    using M = std::remove_cvref_t<decltype(field)>;
    const std::string& key = keys[i++];
    r.path.push_back(key);
    const auto it = j.find(key);
    if (it == j.end()) {
      // Nullable members read as empty; server-filled ones (identity, defaults, generated)
      // keep their default value, so an object without them can be inserted.
      constexpr column_facts f = column_facts_of<M>();
      if constexpr (f.nullable || f.identity || !f.default_sql.empty() || !f.generated_sql.empty()) field = M{};
      else ok = r.fail("missing", "is required");
    } else {
      ok = read_value(*it, field, r) && ok;
    }
    r.path.erase(r.path.size() - 1);
  });
  if (r.options.unknown == unknown_keys::refuse) {
    for (const auto& item : j.items()) {
      bool known = false;
      for (const auto& k : keys) known = known || k == item.key();
      if (known) continue;
      r.path.push_back(item.key());
      r.fail("unknown_key", "is not a member of " + std::string(type_name_v<T>));
      r.path.erase(r.path.size() - 1);
      ok = false;
    }
  }
  if constexpr (requires(issues& is) { model<T>::validate(out, is); }) {
    if (r.options.validate && r.found.size() == before) {
      issues more;
      model<T>::validate(out, more);
      for (auto& is : more.take()) {
        // A location that starts with a member name is given in the member's JSON key.
        if (!is.loc.empty() && is.loc.front().is_string()) {
          const auto name = is.loc.front().template get<std::string>();
          for (std::size_t k = 0; k < keys.size(); ++k)
            if (reflect::field_names<T>[k] == name) is.loc.front() = keys[k];
        }
        nlohmann::json loc = r.path;
        for (auto& part : is.loc) loc.push_back(std::move(part));
        is.loc = std::move(loc);
        r.found.push_back(std::move(is));
        ok = false;
      }
    }
  }
  return ok && r.found.size() == before;
}

template <class V, bool Rules>
auto read_value(const nlohmann::json& j, V& out, json_reader& r) -> bool {
  if constexpr (is_std_optional<V>::value) {
    if (j.is_null()) {
      out = std::nullopt;
      return true;
    }
    typename V::value_type inner{};
    if (!read_value<typename V::value_type, Rules>(j, inner, r)) return false;
    out = std::move(inner);
    return true;
  } else if constexpr (wrapper_type<V>) {
    // The outermost wrapper checks the rules of every wrapper inside it (checked<>, varchar<N>).
    if (!read_value<typename V::pgpx_inner, false>(j, static_cast<typename V::pgpx_inner&>(out), r)) return false;
    constexpr column_facts f = column_facts_of<V>();
    if constexpr (Rules && (f.max_length > 0 || f.checked)) {
      if (r.options.validate) {
        auto fs = member_failures(out);
        if (!fs.empty()) {
          r.failures(std::move(fs));
          return false;
        }
      }
    }
    return true;
  } else if constexpr (is_json_value<V>) {
    out = V(j);
    return true;
  } else if constexpr (std::is_same_v<V, bool>) {
    if (!j.is_boolean()) return r.wrong_type("a boolean", j);
    out = j.get<bool>();
    return true;
  } else if constexpr (std::is_integral_v<V>) {
    return read_integer_json(j, out, r);
  } else if constexpr (std::is_floating_point_v<V>) {
    if (!j.is_number()) return r.wrong_type("a number", j);
    const auto d = j.get<double>();
    if constexpr (sizeof(V) < sizeof(double)) {
      if (d > static_cast<double>(std::numeric_limits<V>::max()) ||
          d < -static_cast<double>(std::numeric_limits<V>::max()))
        return r.fail("out_of_range", "must fit in a float4 (got " + j.dump() + ")", {{"got", d}});
    }
    out = static_cast<V>(d);
    return true;
  } else if constexpr (std::is_same_v<V, std::string>) {
    if (!j.is_string()) return r.wrong_type("a string", j);
    const auto& s = j.get_ref<const std::string&>();
    if (auto bad = json_text_issue(r.path, s)) {
      r.found.push_back(std::move(*bad));
      return false;
    }
    out = s;
    return true;
  } else if constexpr (std::is_same_v<V, bytea>) {
    if (!j.is_string()) return r.wrong_type("a base64 string", j);
    const auto& s = j.get_ref<const std::string&>();
    if (!base64_decode(s, out))
      return r.fail("invalid_format", "must be base64", {{"expected", "base64"}, {"length", s.size()}});
    return true;
  } else if constexpr (std::is_same_v<V, numeric>) {
    // Numbers are accepted too: integers exactly, others by their shortest decimal text.
    if (j.is_number_integer() || j.is_number_unsigned()) {
      out = j.is_number_unsigned() ? numeric(j.get<std::uint64_t>()) : numeric(j.get<std::int64_t>());
      return true;
    }
    if (j.is_number_float()) {
      try {
        out = numeric(j.dump());
        return true;
      } catch (const conversion_error&) {
        return r.fail("invalid_format", "must be a finite decimal", {{"expected", "decimal"}});
      }
    }
    return read_parsed_json(j, out, r, "a decimal", [](const std::string& s) { return numeric(s); });
  } else if constexpr (std::is_same_v<V, uuid>) {
    return read_parsed_json(j, out, r, "a uuid", [](const std::string& s) { return uuid::parse(s); });
  } else if constexpr (std::is_same_v<V, date>) {
    if (!j.is_string()) return r.wrong_type("a date string", j);
    const auto& s = j.get_ref<const std::string&>();
    if (!parse_json_date(s, out))
      return r.fail("invalid_format", "must be a date YYYY-MM-DD", {{"expected", "date"}, {"length", s.size()}});
    return true;
  } else if constexpr (std::is_same_v<V, time_of_day>) {
    if (!j.is_string()) return r.wrong_type("a time string", j);
    const auto& s = j.get_ref<const std::string&>();
    if (!parse_json_time(s, out))
      return r.fail("invalid_format", "must be a time HH:MM:SS", {{"expected", "time"}, {"length", s.size()}});
    return true;
  } else if constexpr (is_time_point<V>::value) {
    return read_time_point_json(j, out, r);
  } else if constexpr (std::is_same_v<V, interval> || is_duration<V>::value) {
    if (!j.is_string()) return r.wrong_type("an ISO 8601 duration string", j);
    const auto& s = j.get_ref<const std::string&>();
    interval iv;
    if (!parse_json_interval(s, iv))
      return r.fail("invalid_format", "must be an ISO 8601 duration",
                    {{"expected", "ISO 8601 duration"}, {"length", s.size()}});
    if constexpr (std::is_same_v<V, interval>) {
      out = iv;
    } else {
      // Through the codec's own rules (no months, range of V).
      std::string bin;
      write_interval(iv, bin);
      try {
        out = codec<V>::decode(bin, oids::interval);
      } catch (const conversion_error&) {
        return r.fail("out_of_range", "must be a duration without months that the member's type can hold");
      }
    }
    return true;
  } else if constexpr (std::is_enum_v<V>) {
    if (!j.is_string()) return r.wrong_type("a label string", j);
    const auto& table = enum_table<V>::get();
    const auto& s = j.get_ref<const std::string&>();
    for (std::size_t i = 0; i < table.labels.size(); ++i) {
      if (table.labels[i] == s) {
        out = table.values[i];
        return true;
      }
    }
    return r.fail("unknown_label", "must be one of the labels of " + std::string(type_name_v<V>),
                  {{"expected", table.labels}});
  } else if constexpr (is_std_vector<V>::value) {
    if (!j.is_array()) return r.wrong_type("an array", j);
    out.clear();
    out.resize(j.size());
    bool ok = true;
    for (std::size_t i = 0; i < j.size(); ++i) {
      r.path.push_back(i);
      ok = read_value(j[i], out[i], r) && ok;
      r.path.erase(r.path.size() - 1);
    }
    return ok;
  } else if constexpr (reflect::reflectable<V>) {
    return read_struct(j, out, r);
  } else {
    static_assert(json_serialisable<V>, "pgpx::from_json: this type has no JSON form");
    return false;
  }
}

}  // namespace detail

/**
 * `x` as JSON: an object whose keys are T's members (under model<T>::json_naming and
 * json_rename()), in member order, values as described in the header comment. Throws
 * conversion_error for a value without a JSON form (an enum value without a label, a time
 * point beyond PostgreSQL's range).
 */
template <reflect::reflectable T>
[[nodiscard]] auto to_json(const T& x) -> nlohmann::json {
  return detail::struct_to_json(x);
}

/**
 * Reads a T from `j`, or lists why not: every missing or unknown key, wrong type, value out
 * of range or malformed, and validation rule failure, with its JSON path. Never throws for
 * bad input.
 */
template <reflect::reflectable T>
[[nodiscard]] auto try_from_json(const nlohmann::json& j, json_options options = {}) -> json_read<T> {
  detail::json_reader r;
  r.options = options;
  T out{};
  json_read<T> result;
  if (detail::read_struct(j, out, r) && r.found.empty()) result.value = std::move(out);
  result.issues = std::move(r.found);
  return result;
}

/**
 * Reads a T from `j`; throws validation_error listing every issue (see try_from_json), the
 * paths in JSON keys (`books[2].title`). String values are never echoed.
 */
template <reflect::reflectable T>
[[nodiscard]] auto from_json(const nlohmann::json& j, json_options options = {}) -> T {
  auto r = try_from_json<T>(j, options);
  if (!r.value) throw validation_error(std::string(detail::type_name_v<T>), std::move(r.issues), "not read from JSON");
  return std::move(*r.value);
}

}  // namespace pgpx

/// `nlohmann::json j = x;` and `j.get<T>()` for the structs of pgpx::json_enabled<T>:
/// pgpx::to_json and pgpx::from_json (which throws pgpx::validation_error).
template <class T>
  requires pgpx::json_enabled<T>
struct nlohmann::adl_serializer<T, void> {
  /// pgpx::to_json(x).
  static void to_json(nlohmann::json& j, const T& x) { j = pgpx::to_json(x); }
  /// pgpx::from_json<T>(j).
  static auto from_json(const nlohmann::json& j) -> T { return pgpx::from_json<T>(j); }
};
