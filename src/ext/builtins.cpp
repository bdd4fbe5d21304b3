// The built-in plugins for contrib extensions that Debian's PostgreSQL server package ships.
// Each declares its extension, the versions pgpx knows to work, and the types it adds; the
// codecs and builder functions for them come with issue 13's prebuilt plugins.
#include <pgpx/ext/registry.hpp>

#include <memory>
#include <string>
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
                 settings_spec spec = {})
      : name_(std::move(name)),
        description_(std::move(description)),
        range_(std::move(range)),
        types_(std::move(types)),
        spec_(std::move(spec)) {}
  [[nodiscard]] auto name() const -> std::string_view override { return name_; }
  [[nodiscard]] auto extension() const -> std::string_view override { return name_; }
  [[nodiscard]] auto description() const -> std::string_view override { return description_; }
  [[nodiscard]] auto supported() const -> version_range override { return range_; }
  [[nodiscard]] auto settings_schema() const -> settings_spec override { return spec_; }
  [[nodiscard]] auto type_names() const -> std::vector<std::string> override { return types_; }

 private:
  std::string name_;
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

}  // namespace

}  // namespace pgpx::ext
