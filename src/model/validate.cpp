// Validation: issues, the error, UTF-8 lengths and the built-in rules' shared texts.
#include <pgpx/model/validate.hpp>

#include <string>
#include <utility>

namespace pgpx {

auto issue::path() const -> std::string {
  std::string out;
  for (const auto& part : loc) {
    if (part.is_number()) {
      out += "[" + part.dump() + "]";
    } else {
      if (!out.empty()) out += '.';
      out += part.is_string() ? part.get<std::string>() : part.dump();
    }
  }
  return out;
}

void issues::add(std::string_view field, std::string type, std::string msg, nlohmann::json ctx) {
  issue i;
  i.loc.push_back(std::string(field));
  i.type = std::move(type);
  i.msg = std::move(msg);
  i.ctx = std::move(ctx);
  list_.push_back(std::move(i));
}

namespace {

auto describe(const std::string& model, const std::vector<issue>& found, std::string_view outcome) -> std::string {
  std::string out = model + ": " + std::to_string(found.size()) + " invalid field" + (found.size() == 1 ? "" : "s") +
                    ", " + std::string(outcome);
  for (const auto& i : found) out += "\n  " + i.path() + ": " + i.type + ": " + i.msg;
  return out;
}

}  // namespace

validation_error::validation_error(std::string model, std::vector<issue> issues, std::string_view outcome)
    : error(error_kind::validation, describe(model, issues, outcome)),
      model_(std::move(model)),
      issues_(std::move(issues)) {}

auto validation_error::to_json() const -> nlohmann::json {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& i : issues_) out.push_back({{"loc", i.loc}, {"type", i.type}, {"msg", i.msg}, {"ctx", i.ctx}});
  return out;
}

auto email::accepts(std::string_view s) noexcept -> bool {
  // '^[^@ ]+@[^@ ]+[.][^@ ]+$', and no control characters.
  const auto at = s.find('@');
  if (at == std::string_view::npos || at == 0) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ') return false;
  }
  const std::string_view domain = s.substr(at + 1);
  if (domain.find('@') != std::string_view::npos) return false;
  // A dot with at least one character on each side.
  for (std::size_t i = 1; i + 1 < domain.size(); ++i)
    if (domain[i] == '.') return true;
  return false;
}

namespace detail {

auto utf8_length(std::string_view s) noexcept -> std::optional<std::size_t> {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    char32_t cp = 0;
    const std::size_t len = s[i] == '\0' ? 1 : utf8_at(s, i, cp);  // NUL counts (the codec refuses it)
    if (len == 0) return std::nullopt;
    i += len;
  }
  return n;
}

auto invalid_utf8() -> rule_failure { return rule_failure{"invalid_utf8", "must be valid UTF-8"}; }

auto length_failure(std::string type, std::string bound, std::size_t limit, std::size_t got, bool text)
    -> rule_failure {
  const std::string unit = text ? " character" : " element";
  const std::string key = type == "too_short" ? "min_length" : "max_length";
  return rule_failure{std::move(type),
                      "must have " + bound + " " + std::to_string(limit) + unit + (limit == 1 ? "" : "s") + " (got " +
                          std::to_string(got) + ")",
                      {{key, limit}, {"got", got}}};
}

}  // namespace detail
}  // namespace pgpx
