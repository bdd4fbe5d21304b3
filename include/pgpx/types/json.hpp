// pgpx/types/json.hpp: codecs for nlohmann::json <-> json and jsonb.
//
//   nlohmann::json meta = {{"tags", {"sql", "c++"}}, {"pages", 320}};
//   cx.execute("update books set meta = $1 where id = $2", meta, id);   // json or jsonb column
//   auto m = cx.query_value<nlohmann::json>("select meta from books where id = $1", id);
//
// | C++                                   | sent as                          | decoded from |
// |---------------------------------------|----------------------------------|--------------|
// | nlohmann::json, nlohmann::ordered_json | JSON text, type inferred by the server | json, jsonb |
//
// Values are sent as text with an unspecified type, so the same C++ value works for json
// and jsonb parameters. Numbers follow nlohmann::json: integers beyond 64 bits and decimals
// are read as double, so keep exact decimals in JSON strings (or use pgpx::numeric columns).
#pragma once

#include <pgpx/types/codec.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace pgpx {
namespace detail {

/// The shared codec of nlohmann's basic_json instantiations.
template <class Json>
struct json_codec {
  static constexpr oid param_oid = oids::unspecified;
  static constexpr format param_format = format::text;
  [[nodiscard]] static auto accepts(oid t) noexcept -> bool { return t == oids::json || t == oids::jsonb; }
  static void encode(const Json& v, std::string& out) { to_text(v, out); }
  [[nodiscard]] static auto decode(std::string_view in, oid t) -> Json {
    if (t == oids::jsonb) {
      // jsonb_send writes a version byte, then the text; version 1 is the only one.
      if (in.empty()) throw conversion_error("malformed binary jsonb value: empty");
      if (in.front() != '\1')
        throw conversion_error("unsupported jsonb binary version " +
                               std::to_string(static_cast<unsigned char>(in.front())));
      in.remove_prefix(1);
    }
    try {
      return Json::parse(in.begin(), in.end());
    } catch (const typename Json::exception& e) {
      throw conversion_error(std::string("malformed ") + (t == oids::jsonb ? "jsonb" : "json") + " value: " + e.what());
    }
  }
  static void to_text(const Json& v, std::string& out) {
    try {
      out += v.dump();
    } catch (const typename Json::exception& e) {
      // dump() throws on strings that are not valid UTF-8; PostgreSQL would refuse them too.
      throw conversion_error(std::string("cannot send JSON value: ") + e.what());
    }
  }
};

}  // namespace detail

/// nlohmann::json <-> json and jsonb (sent as text; the server infers json or jsonb).
template <>
struct codec<nlohmann::json> : detail::json_codec<nlohmann::json> {
  static constexpr std::string_view name = "nlohmann::json";
};

/// nlohmann::ordered_json <-> json and jsonb; keeps the member order it was given
/// (a jsonb value arrives in jsonb's own order: shorter keys first).
template <>
struct codec<nlohmann::ordered_json> : detail::json_codec<nlohmann::ordered_json> {
  static constexpr std::string_view name = "nlohmann::ordered_json";
};

}  // namespace pgpx
