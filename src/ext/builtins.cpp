// The built-in plugins: contrib extensions that Debian's PostgreSQL server package ships, and
// pgvector, PostGIS, pg_partman, hypopg. Each declares its extension, the versions pgpx knows
// to work, its settings and the types it adds; their codecs, builder functions and typed
// APIs are headers of their own (pgpx/ext/pgvector.hpp, postgis.hpp, hstore.hpp...).
#include <pgpx/ext/registry.hpp>
#include <pgpx/types/by_name.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pgpx::ext {

namespace detail {
// Referenced by registry.cpp so that a static link keeps this file (and its registrars).
extern const int builtin_plugins_anchor;
const int builtin_plugins_anchor = 0;
}  // namespace detail

namespace {

class contrib_plugin final : public plugin {
 public:
  contrib_plugin(std::string name, std::string description, version_range range, std::vector<std::string> types,
                 settings_spec spec = {}, std::string extension = {})
      : name_(std::move(name)),
        extension_(extension.empty() ? name_ : std::move(extension)),
        description_(std::move(description)),
        range_(std::move(range)),
        types_(std::move(types)),
        spec_(std::move(spec)) {}
  [[nodiscard]] auto name() const -> std::string_view override { return name_; }
  [[nodiscard]] auto extension() const -> std::string_view override { return extension_; }
  [[nodiscard]] auto description() const -> std::string_view override { return description_; }
  [[nodiscard]] auto supported() const -> version_range override { return range_; }
  [[nodiscard]] auto settings_schema() const -> settings_spec override { return spec_; }
  [[nodiscard]] auto type_names() const -> std::vector<std::string> override { return types_; }

 private:
  std::string name_;
  std::string extension_;
  std::string description_;
  version_range range_;
  std::vector<std::string> types_;
  settings_spec spec_;
};

auto trgm_settings() -> settings_spec {
  settings_spec s;
  s.keys.push_back({"similarity_threshold", setting_kind::floating, "the threshold of the % operator (0..1)",
                    std::nullopt, false, "pg_trgm.similarity_threshold"});
  s.keys.push_back({"word_similarity_threshold", setting_kind::floating,
                    "the threshold of the <% and %> operators (0..1)", std::nullopt, false,
                    "pg_trgm.word_similarity_threshold"});
  s.keys.push_back({"strict_word_similarity_threshold", setting_kind::floating,
                    "the threshold of the <<% and %>> operators (0..1)", std::nullopt, false,
                    "pg_trgm.strict_word_similarity_threshold"});
  return s;
}

auto pgvector_settings() -> settings_spec {
  settings_spec s;
  s.keys.push_back({"ef_search", setting_kind::integer, "HNSW search candidate list (1..1000, default 40)",
                    std::nullopt, false, "hnsw.ef_search"});
  s.keys.push_back({"probes", setting_kind::integer, "IVFFlat lists visited per search (default 1)", std::nullopt,
                    false, "ivfflat.probes"});
  return s;
}

const builtin_registrar pg_trgm{std::make_shared<contrib_plugin>(
    "pg_trgm", "trigram similarity of text, and GIN/GiST indexes for LIKE and similarity", version_range{"1.3", "2"},
    std::vector<std::string>{}, trgm_settings())};
const builtin_registrar hstore{std::make_shared<contrib_plugin>(
    "hstore", "sets of key/value pairs in one value", version_range{"1.4", "2"}, std::vector<std::string>{"hstore"})};
const builtin_registrar citext{std::make_shared<contrib_plugin>(
    "citext", "case-insensitive text", version_range{"1.4", "2"}, std::vector<std::string>{"citext"})};
const builtin_registrar pgcrypto{
    std::make_shared<contrib_plugin>("pgcrypto", "digests, HMAC, password hashing and PGP encryption",
                                     version_range{"1.3", "2"}, std::vector<std::string>{})};
const builtin_registrar ltree{std::make_shared<contrib_plugin>(
    "ltree", "hierarchical labels (a.b.c) and their queries", version_range{"1.1", "2"},
    std::vector<std::string>{"ltree", "lquery", "ltxtquery"})};
// Outside contrib: Debian packages (PostGIS, pg_partman, hypopg), npm/PGlite (pgvector), or
// nowhere we can reach (pg_bigm: its SQL is generated and tested as text).
const builtin_registrar pgvector{std::make_shared<contrib_plugin>(
    "pgvector", "vector similarity search: vector, halfvec, sparsevec, HNSW and IVFFlat indexes",
    version_range{"0.7", "1"}, std::vector<std::string>{"vector", "halfvec", "sparsevec"}, pgvector_settings(),
    "vector")};
const builtin_registrar postgis{
    std::make_shared<contrib_plugin>("postgis", "geometry and geography types, spatial functions and GiST indexes",
                                     version_range{"3.0", "4"}, std::vector<std::string>{"geometry", "geography"})};
const builtin_registrar pg_partman{std::make_shared<contrib_plugin>(
    "pg_partman", "time- and id-based partition sets: creation ahead of need and retention", version_range{"4.5", "6"},
    std::vector<std::string>{})};
const builtin_registrar hypopg{std::make_shared<contrib_plugin>("hypopg", "hypothetical indexes for the planner",
                                                                version_range{"1.3", "2"}, std::vector<std::string>{})};
const builtin_registrar pg_stat_statements{std::make_shared<contrib_plugin>(
    "pg_stat_statements", "statistics of normalised statements (needs shared_preload_libraries)",
    version_range{"1.8", "2"}, std::vector<std::string>{})};

// The core's errors for a type a database lacks name the extension that provides it.
auto hint_for_type(std::string_view type) -> std::string {
  const auto p = registry::global().plugin_for_type(type);
  if (p == nullptr) return {};
  return "install the extension that provides it: pgpx extension install " + std::string(p->extension());
}
[[maybe_unused]] const bool hint_installed = [] {
  pgpx::detail::set_missing_type_hint(&hint_for_type);
  return true;
}();

}  // namespace

}  // namespace pgpx::ext
