#include <pgpx/config/config.hpp>
#include <pgpx/detail/strings.hpp>

#include <libpq-fe.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <system_error>
#include <tuple>

namespace pgpx {
namespace detail {

struct position {
  int line = 0;
  int column = 0;
};

// Logging keys as written in one [log] table; unset fields leave the lower level's value.
struct partial_log {
  std::optional<log_level> level;
  std::optional<log_format> format;
  std::optional<bool> queries;
  std::optional<bool> parameters;
  std::optional<bool> secrets;

  void apply_to(log_settings& s) const {
    if (level) s.level = *level;
    if (format) s.format = *format;
    if (queries) s.queries = *queries;
    if (parameters) s.parameters = *parameters;
    if (secrets) s.secrets = *secrets;
  }
};

// One connection key of an environment block: a plain libpq value, or a secret (url,
// password, sslpassword...) given literally or through a provider.
struct conn_key {
  std::string key;
  std::string value;
  std::optional<secret_source> secret;
  position at;
};

struct env_block {
  std::string name;
  position at;
  std::optional<conn_key> url;
  std::vector<conn_key> keys;
  std::optional<bool> protect;
  std::optional<std::chrono::milliseconds> connect_timeout;
  std::optional<std::chrono::milliseconds> statement_timeout;
  std::optional<std::size_t> statement_cache;
  std::optional<std::string> application_name;
  partial_log log;
  std::vector<diagnostic> errors;    // make loading fail when this block is selected
  std::vector<diagnostic> warnings;  // reported by validate() and config::warnings()

  [[nodiscard]] auto has_connection() const -> bool { return url.has_value() || !keys.empty(); }
};

struct config_model {
  std::filesystem::path file;
  std::string label;  // the file name, as source() shows it: "pgpx.toml"
  std::vector<env_block> envs;
  std::optional<std::string> default_env;
  position default_env_at;
  partial_log log;
  std::vector<diagnostic> errors;  // file-level: always make loading fail

  [[nodiscard]] auto find(std::string_view name) const -> const env_block* {
    for (const auto& e : envs)
      if (e.name == name) return &e;
    return nullptr;
  }
  [[nodiscard]] auto names() const -> std::vector<std::string> {
    std::vector<std::string> out;
    out.reserve(envs.size());
    for (const auto& e : envs) out.push_back(e.name);
    return out;
  }
};

}  // namespace detail

namespace {

using detail::config_model;
using detail::conn_key;
using detail::env_block;
using detail::partial_log;
using detail::position;
using std::chrono::milliseconds;

constexpr std::string_view warning_prefix = "warning: ";
constexpr std::string_view config_file_name = "pgpx.toml";
// The libpq variables that, when set, make libpq the connection source.
constexpr std::string_view libpq_variables[] = {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"};
// The keys of an environment block that are pgpx settings rather than libpq keywords.
constexpr std::string_view pgpx_env_keys[] = {
    "url", "protected", "connect_timeout", "statement_timeout", "statement_cache", "application_name", "log"};
constexpr std::string_view log_keys[] = {"level", "format", "queries", "parameters", "secrets"};

auto lower(std::string_view s) -> std::string {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

auto in_quotes(std::string_view s) -> std::string { return "\"" + std::string(s) + "\""; }

auto join(const std::vector<std::string>& items, std::string_view sep) -> std::string {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

auto trim(std::string_view s) -> std::string_view {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

auto config_diag(std::string message, std::string where = {}, position at = {}) -> diagnostic {
  return diagnostic{error_kind::config, std::move(message), std::move(where), at.line, at.column};
}

// The keywords this libpq understands (PQconndefaults), read once.
auto libpq_keywords() -> const std::set<std::string, std::less<>>& {
  static const std::set<std::string, std::less<>> keys = [] {
    std::set<std::string, std::less<>> out;
    if (PQconninfoOption* opts = PQconndefaults(); opts != nullptr) {
      for (auto* o = opts; o->keyword != nullptr; ++o) out.emplace(o->keyword);
      PQconninfoFree(opts);
    }
    return out;
  }();
  return keys;
}

// Keys whose values are secrets: they accept a provider table, and a plain string in the file
// earns a warning.
auto is_secret_key(std::string_view key) -> bool { return key == "url" || is_secret_name(key); }

using detail::edit_distance;

// " (did you mean "host"?)" when a candidate is close enough, else "".
template <class Range>
auto suggestion(std::string_view key, const Range& candidates) -> std::string {
  std::string best;
  std::size_t best_d = 3;  // at most two edits
  for (const auto& c : candidates) {
    const std::string_view cv(c);
    const auto d = edit_distance(lower(key), cv);
    if (d < best_d && d < cv.size()) {
      best_d = d;
      best = std::string(cv);
    }
  }
  return best.empty() ? std::string() : " (did you mean " + in_quotes(best) + "?)";
}

auto type_name(const toml::node& n) -> std::string_view {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

auto pos_of(const toml::source_region& r) -> position {
  return position{static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

auto describe_durations_hint() -> std::string_view {
  return "expected a number of milliseconds or a number with a unit (ms, s, min, h, d), e.g. \"250ms\", \"5s\", "
         "\"2min\"";
}

// A duration given as a string ("5s") or an integer number of milliseconds.
auto duration_from(const toml::node& v) -> outcome<milliseconds> {
  if (const auto* s = v.as_string()) return try_parse_duration(s->get());
  if (const auto* i = v.as_integer()) {
    if (i->get() < 0) return config_diag("a duration cannot be negative");
    return milliseconds(i->get());
  }
  return config_diag(std::string("expected a duration such as \"5s\" or an integer of milliseconds, found ") +
                     std::string(type_name(v)));
}

// Walks a parsed pgpx.toml into a config_model, recording every problem with its position.
class model_builder {
 public:
  explicit model_builder(config_model& m) : m_(m) {}

  void build(const toml::table& root) {
    for (auto&& [k, v] : root) {
      const std::string key(k.str());
      const position at = pos_of(k.source());
      if (key == "project") {
        project(v, at);
      } else if (key == "log") {
        if (const auto* t = v.as_table()) log_table(*t, "[log]", m_.log, m_.errors);
        else m_.errors.push_back(here(at, "[log] must be a table, found " + std::string(type_name(v))));
      } else if (key == "env") {
        envs(v, at);
      }
      // Other top-level tables ([migrations], [codegen]...) belong to other parts of pgpx.
    }
  }

 private:
  auto here(position at, std::string message) const -> diagnostic {
    return config_diag(std::move(message), m_.file.string(), at);
  }

  void project(const toml::node& v, position at) {
    const auto* t = v.as_table();
    if (t == nullptr) {
      m_.errors.push_back(here(at, "[project] must be a table, found " + std::string(type_name(v))));
      return;
    }
    if (const auto* d = t->get("default_env")) {
      const position dat = pos_of(d->source());
      if (const auto* s = d->as_string(); s != nullptr && !s->get().empty()) {
        m_.default_env = s->get();
        m_.default_env_at = dat;
      } else {
        m_.errors.push_back(here(dat, "[project] default_env must be a non-empty string naming an [env.<name>] block"));
      }
    }
  }

  void envs(const toml::node& v, position at) {
    const auto* t = v.as_table();
    if (t == nullptr) {
      m_.errors.push_back(
          here(at, "env must be a table of environment blocks [env.<name>], found " + std::string(type_name(v))));
      return;
    }
    for (auto&& [k, node] : *t) {
      const std::string name(k.str());
      const position kat = pos_of(k.source());
      if (const auto* block = node.as_table()) {
        env(name, kat, *block);
      } else {
        m_.errors.push_back(here(kat, "[env." + name + "] must be a table, found " + std::string(type_name(node))));
      }
    }
    // toml++ keeps keys sorted; report environments in the order the file defines them.
    std::stable_sort(m_.envs.begin(), m_.envs.end(), [](const env_block& a, const env_block& b) {
      return std::tie(a.at.line, a.at.column) < std::tie(b.at.line, b.at.column);
    });
  }

  void log_table(const toml::table& t, const std::string& ctx, partial_log& out, std::vector<diagnostic>& errors) {
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      const position at = pos_of(k.source());
      const auto fail = [&](const std::string& what) { errors.push_back(here(at, ctx + " " + key + ": " + what)); };
      const auto boolean = [&](std::optional<bool>& dst) {
        if (const auto* b = v.as_boolean()) dst = b->get();
        else fail("expected true or false, found " + std::string(type_name(v)));
      };
      if (key == "level") {
        const auto* s = v.as_string();
        const auto lvl = s != nullptr ? parse_log_level(s->get()) : std::nullopt;
        if (lvl) out.level = lvl;
        else fail("expected one of trace, debug, info, warn, error, off");
      } else if (key == "format") {
        const auto* s = v.as_string();
        const auto fmt = s != nullptr ? parse_log_format(s->get()) : std::nullopt;
        if (fmt) out.format = fmt;
        else fail("expected \"text\" or \"json\"");
      } else if (key == "queries") {
        boolean(out.queries);
      } else if (key == "parameters") {
        boolean(out.parameters);
      } else if (key == "secrets") {
        boolean(out.secrets);
      } else {
        errors.push_back(here(at, "unknown key " + in_quotes(key) + " in " + ctx + suggestion(key, log_keys) +
                                      "; expected level, format, queries, parameters or secrets"));
      }
    }
  }

  // A secret value: a plain string, or { env = ... } / { file = ... } / { command = [...] }.
  auto secret_value(const toml::node& v, const std::string& label, position at, std::vector<diagnostic>& errors)
      -> std::optional<secret_source> {
    if (const auto* s = v.as_string()) return secret_source::from_literal(s->get());
    const auto* t = v.as_table();
    if (t == nullptr) {
      errors.push_back(here(at, label +
                                    ": expected a string or a secret provider ({ env = \"VAR\" }, { file = "
                                    "\"path\" } or { command = [\"program\", ...] }), found " +
                                    std::string(type_name(v))));
      return std::nullopt;
    }
    std::optional<secret_source> src;
    std::optional<milliseconds> timeout;
    int providers = 0;
    bool ok = true;
    for (auto&& [k, node] : *t) {
      const std::string key(k.str());
      const position kat = pos_of(k.source());
      const auto fail = [&](const std::string& what) {
        errors.push_back(here(kat, label + " " + key + ": " + what));
        ok = false;
      };
      if (key == "env" || key == "file") {
        ++providers;
        if (const auto* s = node.as_string()) {
          src = key == "env" ? secret_source::from_env(s->get()) : secret_source::from_file(s->get());
        } else {
          fail("expected a string, found " + std::string(type_name(node)));
        }
      } else if (key == "command") {
        ++providers;
        const auto* arr = node.as_array();
        std::vector<std::string> argv;
        bool all_strings = arr != nullptr;
        if (arr != nullptr) {
          for (const auto& item : *arr) {
            if (const auto* s = item.as_string()) argv.push_back(s->get());
            else all_strings = false;
          }
        }
        if (!all_strings) fail("expected an array of strings: the program and its arguments (no shell is used)");
        else src = secret_source::from_command(std::move(argv));
      } else if (key == "timeout") {
        auto d = duration_from(node);
        if (d) timeout = *d;
        else fail(d.diag().message);
      } else {
        errors.push_back(here(kat, label + ": unknown key " + in_quotes(key) + " in a secret provider" +
                                       suggestion(key, std::vector<std::string>{"env", "file", "command", "timeout"}) +
                                       "; expected env, file or command (and timeout with command)"));
        ok = false;
      }
    }
    if (providers != 1) {
      errors.push_back(here(at, label + ": a secret provider needs exactly one of env, file or command"));
      return std::nullopt;
    }
    if (!ok || !src) return std::nullopt;
    if (timeout) {
      if (src->provider != secret_provider::command) {
        errors.push_back(here(at, label + ": timeout applies only to command"));
        return std::nullopt;
      }
      src->timeout = *timeout;
    }
    bool valid = true;
    for (const auto& d : src->check()) {
      errors.push_back(here(at, label + ": " + d.message));
      valid = false;
    }
    if (!valid) return std::nullopt;
    return src;
  }

  void env(const std::string& name, position at, const toml::table& t) {
    env_block b;
    b.name = name;
    b.at = at;
    const std::string ctx = "[env." + name + "]";
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      const position kat = pos_of(k.source());
      const auto fail = [&](const std::string& what) { b.errors.push_back(here(kat, ctx + " " + key + ": " + what)); };
      if (key == "url") {
        if (auto src = secret_value(v, ctx + " url", kat, b.errors)) {
          if (src->provider == secret_provider::literal) {
            auto parsed = conninfo::try_parse(src->literal.reveal());
            if (!parsed) fail(parsed.diag().message);
            else if (parsed->has("password") || parsed->has("sslpassword"))
              b.warnings.push_back(here(kat, std::string(warning_prefix) + ctx +
                                                 " url contains a password in plain text; use { env = \"...\" }, "
                                                 "{ file = \"...\" } or { command = [...] } instead"));
          }
          b.url = conn_key{key, {}, std::move(*src), kat};
        }
      } else if (key == "protected") {
        if (const auto* x = v.as_boolean()) b.protect = x->get();
        else fail("expected true or false, found " + std::string(type_name(v)));
      } else if (key == "connect_timeout" || key == "statement_timeout") {
        auto d = duration_from(v);
        if (!d) fail(d.diag().message);
        else if (key == "connect_timeout" && d->count() == 0)
          fail("must be positive: connecting always has a deadline");
        else (key == "connect_timeout" ? b.connect_timeout : b.statement_timeout) = *d;
      } else if (key == "statement_cache") {
        const auto* i = v.as_integer();
        if (i == nullptr || i->get() < 0) fail("expected a non-negative integer (0 disables the cache)");
        else b.statement_cache = static_cast<std::size_t>(i->get());
      } else if (key == "application_name") {
        if (const auto* s = v.as_string()) b.application_name = s->get();
        else fail("expected a string, found " + std::string(type_name(v)));
      } else if (key == "log") {
        if (const auto* lt = v.as_table()) log_table(*lt, ctx + " log", b.log, b.errors);
        else fail("expected a table, found " + std::string(type_name(v)));
      } else if (libpq_keywords().count(key) != 0) {
        conn_key ck{key, {}, std::nullopt, kat};
        if (is_secret_key(key)) {
          auto src = secret_value(v, ctx + " " + key, kat, b.errors);
          if (!src) continue;
          if (src->provider == secret_provider::literal)
            b.warnings.push_back(here(kat, std::string(warning_prefix) + ctx + " " + key +
                                               " is written in the file in plain text; use { env = \"...\" }, "
                                               "{ file = \"...\" } or { command = [...] } instead"));
          ck.secret = std::move(*src);
        } else if (const auto* s = v.as_string()) {
          ck.value = s->get();
        } else if (const auto* i = v.as_integer()) {
          ck.value = std::to_string(i->get());
        } else {
          fail("expected a string or an integer, found " + std::string(type_name(v)));
          continue;
        }
        if (!ck.secret) {
          try {  // the same value checks as a URL gets (port, sslmode, timeouts...)
            conninfo probe;
            probe.set(key, ck.value);
          } catch (const error& e) {
            fail(e.message());
            continue;
          }
        }
        b.keys.push_back(std::move(ck));
      } else {
        std::vector<std::string> candidates(std::begin(pgpx_env_keys), std::end(pgpx_env_keys));
        candidates.insert(candidates.end(), libpq_keywords().begin(), libpq_keywords().end());
        b.errors.push_back(here(kat, "unknown key " + in_quotes(key) + " in " + ctx + suggestion(key, candidates) +
                                         "; expected a pgpx setting (url, protected, connect_timeout, "
                                         "statement_timeout, statement_cache, application_name, log) or a libpq "
                                         "connection keyword (host, port, dbname, user, password, sslmode...)"));
      }
    }
    // toml++ keeps keys sorted: apply connection keywords in the order the file gives them.
    std::stable_sort(b.keys.begin(), b.keys.end(), [](const conn_key& x, const conn_key& y) {
      return std::tie(x.at.line, x.at.column) < std::tie(y.at.line, y.at.column);
    });
    m_.envs.push_back(std::move(b));
  }

  config_model& m_;
};

auto read_text(const std::filesystem::path& file) -> outcome<std::string> {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code ec(errno, std::generic_category());
    return config_diag("cannot read the configuration file: " + ec.message(), file.string());
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// toml++ describes some errors with the offending character ("saw 'x'"); on a line that holds
// a secret, even one character is too much.
auto safe_toml_description(std::string_view description, std::string_view text, int line) -> std::string {
  std::string desc(description);
  std::string_view line_text;
  {
    int n = 1;
    std::size_t start = 0;
    while (n < line && start < text.size()) {
      const auto nl = text.find('\n', start);
      if (nl == std::string_view::npos) {
        start = text.size();
        break;
      }
      start = nl + 1;
      ++n;
    }
    const auto end = text.find('\n', start);
    line_text = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  }
  if (is_secret_name(line_text) || lower(line_text).find("url") != std::string::npos) {
    if (const auto saw = desc.find(", saw "); saw != std::string::npos) desc.erase(saw);
  }
  return redact(desc);
}

auto parse_model(const std::filesystem::path& file) -> outcome<std::shared_ptr<config_model>> {
  auto text = read_text(file);
  if (!text) return text.diag();
  toml::table root;
  try {
    root = toml::parse(std::string_view(*text), std::string_view(file.string()));
  } catch (const toml::parse_error& e) {
    const position at = pos_of(e.source());
    return config_diag("invalid TOML: " + safe_toml_description(e.description(), *text, at.line), file.string(), at);
  }
  auto m = std::make_shared<config_model>();
  m->file = file;
  m->label = file.filename().string();
  model_builder(*m).build(root);
  return m;
}

auto start_directory(const config_options& o) -> std::filesystem::path {
  std::error_code ec;
  std::filesystem::path base = o.start_dir;
  if (base.empty()) base = std::filesystem::current_path(ec);
  else if (base.is_relative()) base = std::filesystem::absolute(base, ec);
  return base.lexically_normal();
}

// The file named by the options, or pgpx.toml found in start or one of its parents.
auto find_config_file(const config_options& o, const std::filesystem::path& start)
    -> outcome<std::optional<std::filesystem::path>> {
  std::error_code ec;
  if (o.file) {
    std::filesystem::path p = *o.file;
    if (p.is_relative()) p = start / p;
    p = p.lexically_normal();
    if (!std::filesystem::exists(p, ec)) return config_diag("configuration file not found", p.string());
    if (!std::filesystem::is_regular_file(p, ec)) return config_diag("not a regular file", p.string());
    return std::optional<std::filesystem::path>(p);
  }
  for (std::filesystem::path dir = start; !dir.empty(); dir = dir.parent_path()) {
    const auto candidate = dir / config_file_name;
    if (std::filesystem::is_regular_file(candidate, ec)) return std::optional<std::filesystem::path>(candidate);
    if (dir == dir.parent_path()) break;
  }
  return std::optional<std::filesystem::path>();
}

auto get_nonempty(const getenv_function& getenv, std::string_view name) -> std::optional<std::string> {
  auto v = getenv(name);
  if (v && v->empty()) return std::nullopt;  // VAR= counts as unset, as docker-compose leaves it
  return v;
}

struct env_choice {
  std::string name = "development";
  std::string source = "default";
};

auto choose_env(const config_options& o, const getenv_function& getenv, const config_model* m) -> outcome<env_choice> {
  env_choice c;
  position at;
  if (o.env && !o.env->empty()) {
    c = {*o.env, "--env"};
  } else if (auto v = get_nonempty(getenv, "PGPX_ENV")) {
    c = {*v, "PGPX_ENV"};
  } else if (m != nullptr && m->default_env) {
    c = {*m->default_env, m->label + " [project] default_env"};
    at = m->default_env_at;
  }
  if (m != nullptr && c.source != "default" && m->find(c.name) == nullptr) {
    const auto names = m->names();
    return config_diag("unknown environment " + in_quotes(c.name) + " (selected by " + c.source +
                           "); known environments: " + (names.empty() ? std::string("(none)") : join(names, ", ")),
                       m->file.string(), at);
  }
  return c;
}

auto log_overrides_from_env(const getenv_function& getenv, log_settings& s) -> std::optional<diagnostic> {
  if (auto v = get_nonempty(getenv, "PGPX_LOG")) {
    const auto lvl = parse_log_level(*v);
    if (!lvl)
      return config_diag("unknown log level " + in_quotes(*v) + "; expected trace, debug, info, warn, error or off",
                         "PGPX_LOG");
    s.level = *lvl;
  }
  if (auto v = get_nonempty(getenv, "PGPX_LOG_FORMAT")) {
    const auto fmt = parse_log_format(*v);
    if (!fmt) return config_diag("unknown log format " + in_quotes(*v) + "; expected text or json", "PGPX_LOG_FORMAT");
    s.format = *fmt;
  }
  return std::nullopt;
}

auto set_libpq_variables(const getenv_function& getenv) -> std::vector<std::string> {
  std::vector<std::string> out;
  for (auto name : libpq_variables)
    if (get_nonempty(getenv, name)) out.emplace_back(name);
  return out;
}

// The embedded cluster's conninfo file: absent -> nullopt; present -> its first line, parsed.
auto read_embedded_url(const std::filesystem::path& file) -> outcome<std::optional<conninfo>> {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::optional<conninfo>();
  auto text = read_text(file);
  if (!text) return text.diag();
  std::string_view content(*text);
  content = content.substr(0, content.find('\n'));
  content = trim(content);
  if (content.empty()) return config_diag("the embedded cluster's conninfo file is empty", file.string());
  auto ci = conninfo::try_parse(content, file.string());
  if (!ci) return ci.diag();
  return std::optional<conninfo>(std::move(*ci));
}

// Every diagnostic of a parsed file that does not depend on the environment.
auto model_diagnostics(const config_model& m) -> std::vector<diagnostic> {
  std::vector<diagnostic> out = m.errors;
  if (m.default_env && m.find(*m.default_env) == nullptr) {
    const auto names = m.names();
    out.push_back(
        config_diag("[project] default_env names an unknown environment " + in_quotes(*m.default_env) +
                        "; known environments: " + (names.empty() ? std::string("(none)") : join(names, ", ")),
                    m.file.string(), m.default_env_at));
  }
  for (const auto& e : m.envs) {
    out.insert(out.end(), e.errors.begin(), e.errors.end());
    out.insert(out.end(), e.warnings.begin(), e.warnings.end());
  }
  std::stable_sort(out.begin(), out.end(), [](const diagnostic& a, const diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return out;
}

using detail::replace_all;

}  // namespace

// ---- log levels and durations ----------------------------------------------------------

auto to_string(log_level level) noexcept -> std::string_view {
  switch (level) {
    case log_level::trace: return "trace";
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    case log_level::off: return "off";
  }
  return "unknown";
}

auto to_string(log_format format) noexcept -> std::string_view { return format == log_format::json ? "json" : "text"; }

auto parse_log_level(std::string_view text) noexcept -> std::optional<log_level> {
  std::string t;
  for (char c : trim(text)) {
    if (t.size() > 16) return std::nullopt;
    t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (t == "trace") return log_level::trace;
  if (t == "debug") return log_level::debug;
  if (t == "info") return log_level::info;
  if (t == "warn" || t == "warning") return log_level::warn;
  if (t == "error") return log_level::error;
  if (t == "off") return log_level::off;
  return std::nullopt;
}

auto parse_log_format(std::string_view text) noexcept -> std::optional<log_format> {
  std::string t;
  for (char c : trim(text)) {
    if (t.size() > 8) return std::nullopt;
    t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (t == "text") return log_format::text;
  if (t == "json") return log_format::json;
  return std::nullopt;
}

auto try_parse_duration(std::string_view text) -> outcome<milliseconds> {
  const auto fail = [&](std::string_view why = {}) {
    std::string msg = "invalid duration " + in_quotes(text) + ": ";
    msg += why.empty() ? describe_durations_hint() : why;
    return config_diag(std::move(msg));
  };
  const std::string_view t = trim(text);
  std::size_t i = 0;
  std::uint64_t whole = 0;
  bool digits = false;
  constexpr auto max_value = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) != 0) {
    const auto d = static_cast<std::uint64_t>(t[i] - '0');
    if (whole > (max_value - d) / 10) return fail("too large");
    whole = whole * 10 + d;
    digits = true;
    ++i;
  }
  std::uint64_t frac = 0;
  std::uint64_t frac_scale = 1;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) != 0) {
      if (frac_scale < 1'000'000'000) {
        frac = frac * 10 + static_cast<std::uint64_t>(t[i] - '0');
        frac_scale *= 10;
      }
      digits = true;
      ++i;
    }
  }
  if (!digits) return fail();
  while (i < t.size() && t[i] == ' ') ++i;
  const std::string unit = lower(t.substr(i));
  std::uint64_t factor = 0;
  if (unit.empty() || unit == "ms") factor = 1;
  else if (unit == "s" || unit == "sec") factor = 1000;
  else if (unit == "min") factor = 60'000;
  else if (unit == "h") factor = 3'600'000;
  else if (unit == "d") factor = 86'400'000;
  else return fail();
  if (whole > max_value / factor) return fail("too large");
  const std::uint64_t ms = whole * factor + frac * factor / frac_scale;
  return milliseconds(static_cast<milliseconds::rep>(ms));
}

auto parse_duration(std::string_view text) -> milliseconds { return try_parse_duration(text).value(); }

auto format_duration(milliseconds d) -> std::string {
  if (d.count() < 0) return "-" + format_duration(-d);
  const auto n = d.count();
  if (n == 0) return "0ms";
  if (n % 86'400'000 == 0) return std::to_string(n / 86'400'000) + "d";
  if (n % 3'600'000 == 0) return std::to_string(n / 3'600'000) + "h";
  if (n % 60'000 == 0) return std::to_string(n / 60'000) + "min";
  if (n % 1000 == 0) return std::to_string(n / 1000) + "s";
  return std::to_string(n) + "ms";
}

// ---- config ------------------------------------------------------------------------------

config::config() = default;

auto config::load(const config_options& options) -> config { return try_load(options).value(); }

auto config::try_load(const config_options& options) -> outcome<config> {
  const getenv_function getenv = options.getenv ? options.getenv : getenv_function(process_getenv);
  config cfg;
  const auto start = start_directory(options);
  auto found = find_config_file(options, start);
  if (!found) return found.diag();
  cfg.file_ = *found;
  cfg.project_dir_ = cfg.file_ ? cfg.file_->parent_path() : start;

  std::shared_ptr<config_model> model;
  if (cfg.file_) {
    auto parsed = parse_model(*cfg.file_);
    if (!parsed) return parsed.diag();
    model = std::move(*parsed);
    if (!model->errors.empty()) return model->errors.front();
  }

  auto chosen = choose_env(options, getenv, model.get());
  if (!chosen) return chosen.diag();
  cfg.env_name_ = chosen->name;
  cfg.env_source_ = chosen->source;
  const env_block* block = model ? model->find(cfg.env_name_) : nullptr;
  if (block != nullptr && !block->errors.empty()) return block->errors.front();

  // Settings besides the connection: file, then environment block, then PGPX_LOG*.
  if (model) model->log.apply_to(cfg.log_);
  if (block != nullptr) {
    block->log.apply_to(cfg.log_);
    if (block->protect) cfg.protected_ = *block->protect;
    if (block->connect_timeout) cfg.connect_timeout_ = *block->connect_timeout;
    if (block->statement_timeout) cfg.statement_timeout_ = *block->statement_timeout;
    if (block->statement_cache) cfg.statement_cache_ = *block->statement_cache;
    if (block->application_name) cfg.application_name_ = *block->application_name;
    cfg.warnings_ = block->warnings;
  }
  if (auto d = log_overrides_from_env(getenv, cfg.log_)) return *d;

  // The connection, by precedence.
  const auto take = [&cfg](std::string_view text, const std::string& source) -> std::optional<diagnostic> {
    auto ci = conninfo::try_parse(text, source);
    if (!ci) return ci.diag();
    cfg.connection_ = std::move(*ci);
    cfg.source_ = source;
    cfg.uses_embedded_ = false;
    return std::nullopt;
  };
  bool from_libpq_env = false;
  if (options.url) {
    if (trim(*options.url).empty()) return config_diag("the connection string is empty", "--url");
    if (auto d = take(*options.url, "--url")) return *d;
  } else if (auto v = get_nonempty(getenv, "PGPX_DATABASE_URL")) {
    if (auto d = take(*v, "PGPX_DATABASE_URL")) return *d;
  } else if (auto w = get_nonempty(getenv, "DATABASE_URL")) {
    if (auto d = take(*w, "DATABASE_URL")) return *d;
  } else if (auto vars = set_libpq_variables(getenv); !vars.empty()) {
    cfg.source_ = "libpq environment (" + join(vars, ", ") + ")";
    cfg.uses_embedded_ = false;
    from_libpq_env = true;
  } else if (block != nullptr && block->has_connection()) {
    const secret_context ctx{getenv, cfg.project_dir_};
    const std::string ctx_name = "[env." + block->name + "]";
    conninfo ci;
    const auto here = [&](const conn_key& k, const std::string& message) {
      return config_diag(ctx_name + " " + k.key + ": " + message, model->file.string(), k.at);
    };
    if (block->url) {
      auto value = try_resolve_secret(*block->url->secret, ctx);
      if (!value) return here(*block->url, value.diag().message);
      auto parsed = conninfo::try_parse(value->reveal());
      if (!parsed) {
        std::string msg = parsed.diag().message;
        if (block->url->secret->provider != secret_provider::literal)
          msg += " (from " + block->url->secret->describe() + ")";
        return here(*block->url, msg);
      }
      ci = std::move(*parsed);
      if (block->url->secret->provider != secret_provider::literal)
        cfg.secret_origins_.emplace_back("url", block->url->secret->describe());
    }
    for (const auto& k : block->keys) {
      std::string value = k.value;
      if (k.secret) {
        auto s = try_resolve_secret(*k.secret, ctx);
        if (!s) return here(k, s.diag().message);
        value = s->reveal();
        if (k.secret->provider != secret_provider::literal)
          cfg.secret_origins_.emplace_back(k.key, k.secret->describe());
      }
      try {
        ci.set(k.key, std::move(value));
      } catch (const error& e) {
        return here(k, e.message());
      }
    }
    cfg.connection_ = std::move(ci);
    cfg.source_ = model->label + " " + ctx_name;
    cfg.uses_embedded_ = false;
  } else {
    auto embedded = read_embedded_url(cfg.embedded_url_file());
    if (!embedded) return embedded.diag();
    if (*embedded) cfg.connection_ = std::move(**embedded);
    cfg.source_ = "embedded";
    cfg.uses_embedded_ = true;
  }

  // Without a pgpx.toml an environment name is only a label, accepted whatever it is; but
  // "-e production" silently running against the project's local server would be a dangerous
  // surprise, so an environment asked for with --env needs a connection from somewhere.
  if (!model && cfg.env_source_ == "--env" && cfg.env_name_ != "development" && cfg.uses_embedded_)
    return config_diag("environment " + in_quotes(cfg.env_name_) +
                           " (selected by --env) has no connection: no pgpx.toml was found to define it and "
                           "neither --url, PGPX_DATABASE_URL, DATABASE_URL nor libpq's PG* variables give one; "
                           "add an [env." +
                           cfg.env_name_ +
                           "] block to pgpx.toml, give the file with --config, "
                           "or give the connection",
                       "--env");

  // connect_timeout, highest first: the connection string's own keyword, PGCONNECT_TIMEOUT
  // (libpq's default for that keyword), the environment block's setting, 10s.
  if (block != nullptr && block->connect_timeout)
    cfg.connect_timeout_source_ = model->label + " [env." + block->name + "]";
  if (auto k = connect_timeout_of(cfg.connection_)) {
    cfg.connect_timeout_ = *k;
    cfg.connect_timeout_source_ = "connection string (" + cfg.source_ + ")";
  } else if (auto v = get_nonempty(getenv, "PGCONNECT_TIMEOUT")) {
    const auto t = trim(*v);
    const bool digits =
        !t.empty() && t.size() <= 9 && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits)
      return config_diag("invalid value " + in_quotes(std::string(t)) + "; expected whole seconds, as libpq reads it",
                         "PGCONNECT_TIMEOUT");
    if (const long seconds = std::stol(std::string(t)); seconds > 0) {  // 0: libpq's "forever"; pgpx keeps its own
      cfg.connect_timeout_ = std::chrono::seconds(seconds);
      cfg.connect_timeout_source_ = "PGCONNECT_TIMEOUT";
    }
  }

  if (!cfg.application_name_.empty() && !cfg.connection_.has("application_name") &&
      !(from_libpq_env && get_nonempty(getenv, "PGAPPNAME")))
    cfg.connection_.set("application_name", cfg.application_name_);

  cfg.model_ = std::move(model);
  return cfg;
}

auto config::validate_file(const config_options& options) -> std::vector<diagnostic> {
  std::vector<diagnostic> out;
  try {
    const getenv_function getenv = options.getenv ? options.getenv : getenv_function(process_getenv);
    const auto start = start_directory(options);
    auto found = find_config_file(options, start);
    if (!found) return {found.diag()};
    std::shared_ptr<config_model> model;
    if (*found) {
      auto parsed = parse_model(**found);
      if (!parsed) return {parsed.diag()};
      model = std::move(*parsed);
      out = model_diagnostics(*model);
    } else {
      out.push_back(config_diag(std::string(warning_prefix) + "no pgpx.toml found in " + start.string() +
                                " or its parent directories"));
    }
    if (options.env || get_nonempty(getenv, "PGPX_ENV")) {
      // Only an explicit choice is checked here: a bad default_env is already reported.
      if (auto c = choose_env(options, getenv, model.get()); !c) out.push_back(c.diag());
    }
    pgpx::log_settings scratch;
    if (auto d = log_overrides_from_env(getenv, scratch)) out.push_back(*d);
    if (options.url) {
      if (auto ci = conninfo::try_parse(*options.url, "--url"); !ci) out.push_back(ci.diag());
    }
    for (const char* name : {"PGPX_DATABASE_URL", "DATABASE_URL"}) {
      if (auto v = get_nonempty(getenv, name))
        if (auto ci = conninfo::try_parse(*v, name); !ci) out.push_back(ci.diag());
    }
  } catch (const std::exception& e) {
    out.push_back(config_diag(std::string("unexpected failure while validating: ") + redact(e.what())));
  }
  return out;
}

auto config::refresh_embedded() -> bool {
  if (!uses_embedded_) return false;
  auto embedded = read_embedded_url(embedded_url_file());
  if (!embedded) throw config_error(embedded.diag().to_string());
  const bool found = embedded->has_value();
  connection_ = found ? std::move(**embedded) : conninfo();
  if (!application_name_.empty()) connection_.set_default("application_name", application_name_);
  return found;
}

auto config::project_dir() const -> std::filesystem::path {
  if (!project_dir_.empty()) return project_dir_;
  std::error_code ec;
  return std::filesystem::current_path(ec);
}

auto config::embedded_dir() const -> std::filesystem::path { return project_dir() / ".pgpx"; }

auto config::embedded_url_file() const -> std::filesystem::path { return embedded_dir() / "url"; }

auto config::environments() const -> std::vector<std::string> {
  return model_ ? model_->names() : std::vector<std::string>{};
}

auto config::describe() const -> std::string {
  std::vector<std::pair<std::string, std::string>> rows;
  const auto yes_no = [](bool b) { return std::string(b ? "yes" : "no"); };
  const auto on_off = [](bool b) { return std::string(b ? "on" : "off"); };

  rows.emplace_back("config file",
                    file_ ? file_->string() : "(none found; searched upward from " + project_dir().string() + ")");
  rows.emplace_back("project dir", project_dir().string());
  std::string env =
      env_name_ + " (" + (env_source_ == "default" ? std::string("default") : "from " + env_source_) + ")";
  rows.emplace_back("environment", env);
  const auto names = environments();
  if (file_) rows.emplace_back("environments", names.empty() ? std::string("(none defined)") : join(names, ", "));
  rows.emplace_back("protected", yes_no(protected_));

  std::string conn;
  if (source_.rfind("libpq environment", 0) == 0 && connection_.params().empty()) {
    conn = "(read by libpq from its environment variables)";
  } else if (std::error_code ec; uses_embedded_ && !std::filesystem::exists(embedded_url_file(), ec)) {
    conn = "(embedded cluster not started: " + embedded_url_file().string() + " does not exist; run `pgpx dev up`)";
  } else {
    conn = redact(connection_.redacted());
  }
  rows.emplace_back("connection", conn);
  rows.emplace_back("connection source", source_);
  for (const auto& [key, origin] : secret_origins_) rows.emplace_back("secret " + key, "from " + origin);
  rows.emplace_back("embedded dir", embedded_dir().string());
  rows.emplace_back("connect_timeout", format_duration(connect_timeout_) + " (" + connect_timeout_source_ + ")");
  rows.emplace_back("statement_timeout",
                    statement_timeout_.count() == 0 ? std::string("none") : format_duration(statement_timeout_));
  rows.emplace_back("statement_cache", statement_cache_ == 0 ? std::string("off") : std::to_string(statement_cache_));
  rows.emplace_back("application_name", application_name_.empty() ? std::string("(not set)") : application_name_);
  rows.emplace_back("log.level", std::string(to_string(log_.level)));
  rows.emplace_back("log.format", std::string(to_string(log_.format)));
  rows.emplace_back("log.queries", on_off(log_.queries));
  rows.emplace_back("log.parameters", on_off(log_.parameters));
  rows.emplace_back("log.secrets", on_off(log_.secrets));

  std::size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.first.size());
  std::string out;
  for (const auto& [k, v] : rows) {
    out += k;
    out += ':';
    out.append(width - k.size() + 2, ' ');
    out += v;
    out += '\n';
  }
  // Belt and braces: whatever path a secret value could have taken into the text, mask it.
  for (const auto& [k, v] : connection_.params())
    if (is_secret_name(k) && v.size() >= 4) replace_all(out, v, redacted_marker);
  return out;
}

auto config::validate() const -> std::vector<diagnostic> {
  if (!model_) return {};
  return model_diagnostics(*model_);
}

auto config::is_warning(const diagnostic& d) noexcept -> bool {
  return std::string_view(d.message).substr(0, warning_prefix.size()) == warning_prefix;
}

auto config::set_url(std::string_view url) -> config& {
  auto ci = conninfo::try_parse(url, "code");
  if (!ci) throw config_error(ci.diag().to_string());
  return set_connection(std::move(*ci));
}

auto config::set_connection(conninfo info) -> config& {
  connection_ = std::move(info);
  if (auto k = connect_timeout_of(connection_)) {
    connect_timeout_ = *k;
    connect_timeout_source_ = "connection string (code)";
  }
  if (!application_name_.empty()) connection_.set_default("application_name", application_name_);
  source_ = "code";
  uses_embedded_ = false;
  secret_origins_.clear();
  return *this;
}

auto config::set_connect_timeout(milliseconds d) -> config& {
  connect_timeout_ = d;
  connect_timeout_source_ = "code";
  // The connection string's keyword would cap it (connect_timeout_of): code wins.
  connection_.erase("connect_timeout");
  return *this;
}

auto config::set_statement_timeout(milliseconds d) -> config& {
  statement_timeout_ = d;
  return *this;
}

auto config::set_statement_cache_capacity(std::size_t n) -> config& {
  statement_cache_ = n;
  return *this;
}

auto config::set_application_name(std::string name) -> config& {
  application_name_ = std::move(name);
  if (application_name_.empty()) connection_.erase("application_name");
  else connection_.set("application_name", application_name_);
  return *this;
}

auto config::set_protected(bool on) -> config& {
  protected_ = on;
  return *this;
}

auto config::set_log_settings(const pgpx::log_settings& settings) -> config& {
  log_ = settings;
  return *this;
}

auto config::set_log_level(log_level level) -> config& {
  log_.level = level;
  return *this;
}

}  // namespace pgpx
