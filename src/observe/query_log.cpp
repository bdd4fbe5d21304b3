#include <pgpx/config/conninfo.hpp>
#include <pgpx/detail/strings.hpp>
#include <pgpx/error.hpp>
#include <pgpx/observe/log.hpp>
#include <pgpx/observe/query_log.hpp>
#include <pgpx/sql_text.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace pgpx::observe {
namespace {

// Values longer than this are cut in the log (a bytea or a JSON document can be megabytes).
constexpr std::size_t max_logged_value = 1024;

// ---- tokens from PostgreSQL's scanner: just enough to find "column <op> $n" -----------------

enum class tok { word, quoted_ident, param, op, punct, other };

struct token {
  tok kind = tok::other;
  std::string text;  // word: lowercased; quoted_ident: as written; op/punct: the characters
  std::size_t param = 0;
};

// libpg_query's tokens (pgpx/sql_text.hpp), in the shape the inference below reads.
auto tokenize(std::string_view sql) -> std::vector<token> {
  std::vector<token> out;
  for (auto& t : scan_sql(sql)) {
    token k;
    switch (t.what) {
      case sql_token::kind::word: k.kind = tok::word; break;
      case sql_token::kind::quoted_identifier: k.kind = tok::quoted_ident; break;
      case sql_token::kind::parameter:
        k.kind = tok::param;
        k.param = t.parameter;
        break;
      case sql_token::kind::op: k.kind = tok::op; break;
      case sql_token::kind::punct: k.kind = tok::punct; break;
      default: k.kind = tok::other;
    }
    k.text = std::move(t.text);
    out.push_back(std::move(k));
  }
  return out;
}

auto is_name(const token& t) noexcept -> bool { return t.kind == tok::word || t.kind == tok::quoted_ident; }

auto is_punct(const token& t, std::string_view p) noexcept -> bool { return t.kind == tok::punct && t.text == p; }

auto is_word(const token& t, std::string_view w) noexcept -> bool { return t.kind == tok::word && t.text == w; }

auto is_comparison(const token& t) noexcept -> bool {
  if (t.kind == tok::op) {
    static constexpr std::string_view ops[] = {"=", "<>", "!=", "<", ">", "<=", ">=", ":=", "=>"};
    return std::find(std::begin(ops), std::end(ops), t.text) != std::end(ops);
  }
  return is_word(t, "like") || is_word(t, "ilike");
}

class name_inference {
 public:
  name_inference(std::vector<token> tokens, std::size_t count) : t_(std::move(tokens)), names_(count) {}

  auto run() -> std::vector<std::string> {
    for (std::size_t i = 0; i < t_.size(); ++i) {
      if (t_[i].kind == tok::param) comparison(i);
      else if (is_word(t_[i], "in")) in_list(i);
      else if (is_word(t_[i], "insert") && is_word(at(i + 1), "into")) insert(i + 2);
    }
    return std::move(names_);
  }

 private:
  auto at(std::size_t i) const -> const token& {
    static const token none;
    return i < t_.size() ? t_[i] : none;
  }

  // A later name replaces an earlier one only when it looks secret: masking errs safe.
  void assign(std::size_t param, const std::string& name) {
    if (param < 1 || param > names_.size() || name.empty()) return;
    auto& slot = names_[param - 1];
    if (slot.empty() || (!is_secret_name(slot) && is_secret_name(name))) slot = name;
  }

  // The column ending at index j (going left): skips "::type" casts; "" when not a column.
  auto column_left(std::size_t j) const -> std::string {
    for (;;) {
      if (j >= t_.size()) return {};
      if (j >= 2 && t_[j].kind == tok::word && t_[j - 1].kind == tok::op && t_[j - 1].text == "::") {
        j -= 2;
        continue;
      }
      break;
    }
    if (!is_name(t_[j])) return {};
    return t_[j].text;
  }

  void comparison(std::size_t i) {
    const std::size_t p = t_[i].param;
    // column <op> $n
    if (i >= 2 && is_comparison(t_[i - 1])) {
      std::size_t j = i - 2;
      if ((is_word(t_[i - 1], "like") || is_word(t_[i - 1], "ilike")) && is_word(t_[j], "not") && j >= 1) --j;
      assign(p, column_left(j));
    }
    // $n <op> column (optionally qualified; not a function call)
    std::size_t k = i + 1;
    while (at(k).kind == tok::op && at(k).text == "::" && at(k + 1).kind == tok::word) k += 2;
    if (!is_comparison(at(k)) || !is_name(at(k + 1))) return;
    std::size_t m = k + 1;
    while (is_punct(at(m + 1), ".") && is_name(at(m + 2))) m += 2;
    if (is_punct(at(m + 1), "(")) return;
    assign(p, t_[m].text);
  }

  // column [not] in ($a, $b, ...)
  void in_list(std::size_t i) {
    if (i == 0 || !is_punct(at(i + 1), "(")) return;
    std::size_t j = i - 1;
    if (is_word(t_[j], "not")) {
      if (j == 0) return;
      --j;
    }
    const std::string column = column_left(j);
    if (column.empty()) return;
    int depth = 0;
    for (std::size_t k = i + 1; k < t_.size(); ++k) {
      if (is_punct(t_[k], "(")) ++depth;
      else if (is_punct(t_[k], ")") && --depth == 0) break;
      else if (depth == 1 && t_[k].kind == tok::param) assign(t_[k].param, column);
    }
  }

  // insert into t [as a] (c1, c2, ...) [overriding ... value] values (...), (...)
  void insert(std::size_t k) {
    if (!is_name(at(k))) return;
    ++k;
    while (is_punct(at(k), ".") && is_name(at(k + 1))) k += 2;
    if (is_word(at(k), "as")) k += 2;
    if (!is_punct(at(k), "(")) return;
    ++k;
    std::vector<std::string> columns;
    for (;;) {
      if (!is_name(at(k))) return;
      columns.push_back(at(k).text);
      ++k;
      if (is_punct(at(k), ",")) {
        ++k;
        continue;
      }
      if (is_punct(at(k), ")")) break;
      return;  // something other than a plain column list
    }
    ++k;
    if (is_word(at(k), "overriding")) k += 3;
    if (!is_word(at(k), "values")) return;
    ++k;
    while (is_punct(at(k), "(")) {
      int depth = 1;
      std::size_t item = 0;
      ++k;
      for (; k < t_.size(); ++k) {
        const token& t = t_[k];
        if (is_punct(t, "(")) ++depth;
        else if (is_punct(t, ")")) {
          if (--depth == 0) break;
        } else if (is_punct(t, ",") && depth == 1) ++item;
        else if (t.kind == tok::param && item < columns.size()) assign(t.param, columns[item]);
      }
      ++k;
      if (!is_punct(at(k), ",")) break;
      ++k;
    }
  }

  std::vector<token> t_;
  std::vector<std::string> names_;
};

using detail::replace_all;

auto shorten(const std::string& value) -> std::string {
  if (value.size() <= max_logged_value) return value;
  const std::size_t cut = detail::utf8_floor(value, max_logged_value);
  return value.substr(0, cut) + "...(" + std::to_string(value.size()) + " bytes)";
}

}  // namespace

auto infer_parameter_names(std::string_view sql, std::size_t count) -> std::vector<std::string> {
  if (count == 0) return {};
  return name_inference(tokenize(sql), count).run();
}

auto parameter_names(std::string_view sql, const param_list& params) -> std::vector<std::string> {
  const auto& given = params.names();
  const bool complete = given.size() >= params.size() &&
                        std::all_of(given.begin(), given.begin() + static_cast<std::ptrdiff_t>(params.size()),
                                    [](const std::string& s) { return !s.empty(); });
  std::vector<std::string> names =
      complete ? std::vector<std::string>(params.size()) : infer_parameter_names(sql, params.size());
  for (std::size_t i = 0; i < given.size() && i < names.size(); ++i)
    if (!given[i].empty()) names[i] = given[i];
  return names;
}

auto loggable_parameters(std::string_view sql, const param_list& params, bool show_secrets) -> nlohmann::json {
  auto out = nlohmann::json::array();
  const auto& texts = params.texts();
  if (params.empty() || texts.size() != params.size()) return out;
  const auto names = parameter_names(sql, params);
  const int* lengths = params.lengths();
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (lengths[i] < 0) out.push_back(nullptr);
    else if (!show_secrets && is_secret_name(names[i])) out.push_back(std::string(redacted_marker));
    else out.push_back(shorten(texts[i]));
  }
  return out;
}

auto make_query_log_hook(const query_log_options& options) -> std::shared_ptr<const query_hook> {
  auto lg = options.logger ? options.logger : query_logger();
  auto hook = std::make_shared<query_hook>();
  hook->wants_parameters = options.parameters || lg->should_log(spdlog::level::trace);
  const bool parameters = options.parameters;
  const bool secrets = options.secrets;

  hook->on_query = [lg, parameters, secrets](const query_event& e) noexcept {
    try {
      if (!lg->should_log(spdlog::level::debug)) return;
      nlohmann::json f = nlohmann::json::object();
      // Literals in the text (ALTER ROLE ... PASSWORD '...') are masked unless secrets are asked for.
      f["sql"] = secrets ? std::string(e.sql) : mask_literals(e.sql).text();
      f["duration_ms"] =
          static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(e.duration).count()) / 1000.0;
      f["rows"] = e.rows;
      if (e.prepared) f["prepared"] = true;
      const bool have_texts = e.params != nullptr && !e.params->empty() && e.params->texts().size() == e.params->size();
      if (have_texts && (parameters || lg->should_log(spdlog::level::trace)))
        f["params"] = loggable_parameters(e.sql, *e.params, secrets);
      if (e.failure != nullptr) {
        std::string err = e.failure->what();
        // The server may quote a value back (DETAIL: Key (password)=(...) already exists).
        if (!secrets && have_texts) {
          const auto names = parameter_names(e.sql, *e.params);
          for (std::size_t i = 0; i < names.size(); ++i)
            if (is_secret_name(names[i]) && e.params->texts()[i].size() >= 3)
              replace_all(err, e.params->texts()[i], redacted_marker);
        }
        f["error"] = redact(err);
        if (!e.failure->sqlstate().empty()) f["sqlstate"] = e.failure->sqlstate();
      }
      log_event(*lg, log_level::debug, e.failure != nullptr ? "query failed" : "query", f);
    } catch (...) {
      // A hook never throws.
    }
  };

  hook->on_notice = [](std::string_view severity, std::string_view message) noexcept {
    try {
      const bool warning = severity.find("WARN") != std::string_view::npos;
      auto main = logger();
      nlohmann::json f = nlohmann::json::object();
      f["source"] = "server";
      log_event(*main, warning ? log_level::warn : log_level::info, std::string(severity) + ": " + redact(message), f);
    } catch (...) {
      // A hook never throws.
    }
  };
  return hook;
}

}  // namespace pgpx::observe
