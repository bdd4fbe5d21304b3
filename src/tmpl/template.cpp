// sql_template, rendered_query, the final flattening of render output into SQL text with
// numbered placeholders, and template_error.
#include <pgpx/detail/strings.hpp>
#include <pgpx/tmpl/template.hpp>

#include "ast_impl.hpp"
#include "render_impl.hpp"
#include "sql_state_impl.hpp"

#include <pgpx/types/builtin.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace pgpx::tmpl {

// ---- errors ----

auto to_string(errc code) noexcept -> std::string_view {
  switch (code) {
    case errc::syntax: return "TemplateSyntaxError";
    case errc::undefined_variable: return "UndefinedVariable";
    case errc::unknown_filter: return "UnknownFilter";
    case errc::unknown_test: return "UnknownTest";
    case errc::filter_type: return "FilterTypeError";
    case errc::invalid_value: return "InvalidValue";
    case errc::unsafe_interpolation: return "UnsafeInterpolation";
    case errc::placeholder_in_literal: return "PlaceholderInLiteral";
    case errc::placeholder_adjacent: return "PlaceholderAdjacent";
    case errc::empty_in_list: return "EmptyInList";
    case errc::empty_list: return "EmptyList";
    case errc::too_many_parameters: return "TooManyParameters";
    case errc::include_not_found: return "IncludeNotFound";
    case errc::include_cycle: return "IncludeCycle";
    case errc::invalid_name: return "InvalidTemplateName";
    case errc::block_not_found: return "BlockNotFound";
    case errc::declared_param_unused: return "DeclaredParamUnused";
    case errc::type_mismatch: return "ParamTypeMismatch";
    case errc::render_limit_exceeded: return "RenderLimitExceeded";
  }
  return "TemplateError";
}

namespace {

auto report(errc code, const std::string& brief, const source_position& where, const std::string& snippet,
            const std::vector<stack_frame>& stack, bool with_position) -> std::string {
  std::string out;
  if (with_position && !where.template_name.empty()) {
    out += where.template_name;
    if (where.line > 0) out += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
    out += ": ";
  }
  out += std::string(to_string(code)) + ": " + brief;
  if (!snippet.empty()) out += "\n" + snippet;
  for (const auto& f : stack) {
    out += "\n  " + f.how + " " + f.template_name;
    if (f.line > 0) out += ":" + std::to_string(f.line) + ":" + std::to_string(f.column);
  }
  return out;
}

}  // namespace

template_error::template_error(errc code, std::string brief, source_position where, std::string snippet,
                               std::vector<stack_frame> stack, std::string hint)
    : pgpx::error(error_kind::tmpl, report(code, brief, where, snippet, stack, true),
                  [&] {
                    error_info info;
                    info.hint = std::move(hint);
                    return info;
                  }()),
      code_(code),
      brief_(std::move(brief)),
      where_(std::move(where)),
      snippet_(std::move(snippet)),
      stack_(std::move(stack)) {}

auto template_error::to_diagnostic() const -> diagnostic {
  diagnostic d;
  d.kind = error_kind::tmpl;
  d.where = where_.template_name;
  d.line = where_.line;
  d.column = where_.column;
  d.message = report(code_, brief_, where_, snippet_, stack_, false);
  if (!info().hint.empty()) d.message += "\n  hint: " + info().hint;
  return d;
}

// ---- declarations and types ----

auto declaration::find(std::string_view param) const noexcept -> const param_declaration* {
  for (const auto& p : params)
    if (p.name == param) return &p;
  return nullptr;
}

auto type_oid_by_name(std::string_view name) noexcept -> oid {
  std::string n;
  for (char c : name) {
    if (c == ' ' && (n.empty() || n.back() == ' ')) continue;
    n.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  while (!n.empty() && n.back() == ' ') n.pop_back();
  if (n.size() > 2 && n.compare(n.size() - 2, 2, "[]") == 0) {
    const oid elem = type_oid_by_name(std::string_view(n).substr(0, n.size() - 2));
    return elem == oids::unspecified ? oids::unspecified : builtin_array_of(elem);
  }
  static const std::pair<std::string_view, oid> table[] = {
      {"bool", oids::bool_},
      {"boolean", oids::bool_},
      {"bytea", oids::bytea},
      {"name", oids::name},
      {"int8", oids::int8},
      {"bigint", oids::int8},
      {"int2", oids::int2},
      {"smallint", oids::int2},
      {"int4", oids::int4},
      {"int", oids::int4},
      {"integer", oids::int4},
      {"text", oids::text},
      {"oid", oids::oid_},
      {"json", oids::json},
      {"xml", oids::xml},
      {"float4", oids::float4},
      {"real", oids::float4},
      {"float8", oids::float8},
      {"double precision", oids::float8},
      {"money", oids::money},
      {"macaddr", oids::macaddr},
      {"inet", oids::inet},
      {"cidr", oids::cidr},
      {"bpchar", oids::bpchar},
      {"char", oids::bpchar},
      {"character", oids::bpchar},
      {"varchar", oids::varchar},
      {"character varying", oids::varchar},
      {"date", oids::date},
      {"time", oids::time},
      {"timestamp", oids::timestamp},
      {"timestamptz", oids::timestamptz},
      {"interval", oids::interval},
      {"timetz", oids::timetz},
      {"bit", oids::bit},
      {"varbit", oids::varbit},
      {"numeric", oids::numeric},
      {"decimal", oids::numeric},
      {"uuid", oids::uuid},
      {"jsonb", oids::jsonb},
      {"jsonpath", oids::jsonpath},
      {"int4range", oids::int4range},
      {"numrange", oids::numrange},
      {"tsrange", oids::tsrange},
      {"tstzrange", oids::tstzrange},
      {"daterange", oids::daterange},
      {"int8range", oids::int8range},
      {"regclass", oids::regclass},
      {"regtype", oids::regtype},
  };
  for (const auto& [k, v] : table)
    if (k == n) return v;
  return oids::unspecified;
}

// ---- rendered_query ----

rendered_query::rendered_query(std::string template_name, std::string sql, std::vector<value> params,
                               std::vector<oid> types, std::vector<std::string> names, std::vector<bool> secret,
                               std::vector<source_map_entry> map)
    : template_name_(std::move(template_name)),
      sql_(std::move(sql)),
      params_(std::move(params)),
      types_(std::move(types)),
      names_(std::move(names)),
      secret_(std::move(secret)),
      map_(std::move(map)) {}

auto rendered_query::locate(int position) const -> std::optional<source_position> {
  if (position < 1) return std::nullopt;
  // PostgreSQL counts characters; find the byte.
  std::size_t byte = 0;
  int chars = 0;
  while (byte < sql_.size()) {
    if (!pgpx::detail::is_utf8_continuation(sql_[byte])) {
      if (++chars == position) break;
    }
    ++byte;
  }
  if (byte >= sql_.size()) return std::nullopt;
  auto it = std::upper_bound(map_.begin(), map_.end(), byte,
                             [](std::size_t b, const source_map_entry& e) { return b < e.sql_offset; });
  if (it == map_.begin()) return std::nullopt;
  --it;
  if (byte >= it->sql_offset + it->sql_length) return std::nullopt;
  source_position p = it->where;
  if (!it->literal) return p;
  for (std::size_t i = it->sql_offset; i < byte; ++i) {
    const char c = sql_[i];
    if (c == '\n') {
      ++p.line;
      p.column = 1;
    } else if (!pgpx::detail::is_utf8_continuation(c)) {
      ++p.column;
    }
  }
  return p;
}

namespace {

auto float_text(double d) -> std::string {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  return {buf, r.ptr};
}

}  // namespace

void rendered_query::bind(param_list& out) const {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const value& v = params_[i];
    const oid t = types_[i];
    switch (v.kind()) {
      case value_kind::null: out.add_null(t); break;
      case value_kind::boolean:
        if (t == oids::unspecified || t == oids::bool_) out.add(v.as_bool());
        else out.add_text(v.as_bool() ? "true" : "false", t);
        break;
      case value_kind::integer: {
        const auto x = v.as_int();
        if (t == oids::unspecified || t == oids::int8) out.add(x);
        else if (t == oids::int4 && x >= INT32_MIN && x <= INT32_MAX) out.add(static_cast<std::int32_t>(x));
        else if (t == oids::int2 && x >= INT16_MIN && x <= INT16_MAX) out.add(static_cast<std::int16_t>(x));
        else out.add_text(std::to_string(x), t);
        break;
      }
      case value_kind::floating:
        if (t == oids::unspecified || t == oids::float8) out.add(v.as_double());
        else out.add_text(float_text(v.as_double()), t);
        break;
      case value_kind::string: out.add_text(v.as_string(), t); break;
      case value_kind::list: try { out.add_text(detail::array_literal(v), t);
        } catch (const usage_error& e) {
          throw conversion_error("parameter $" + std::to_string(i + 1) + " (" + names_[i] + "): " + e.message());
        }
        break;
      case value_kind::typed: out.add_text(v.as_typed().text, t != oids::unspecified ? t : v.as_typed().type); break;
      default:
        throw template_error(errc::filter_type,
                             "parameter $" + std::to_string(i + 1) + " (" + names_[i] + ") is a " +
                                 std::string(to_string(v.kind())) + " and cannot be bound",
                             source_position{template_name_, 0, 0});
    }
    out.name_last(secret_[i] ? names_[i] + " (secret)" : names_[i]);
  }
}

auto rendered_query::to_param_list() const -> param_list {
  param_list p;
  bind(p);
  return p;
}

auto rendered_query::to_json(bool show_secrets) const -> nlohmann::ordered_json {
  nlohmann::ordered_json j;
  j["sql"] = sql_;
  auto params = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (secret_[i] && !show_secrets) params.push_back("********");
    else params.push_back(params_[i].to_json());
  }
  j["params"] = std::move(params);
  return j;
}

namespace detail {

namespace {

auto is_operator_char(char c) -> bool {
  return std::string_view("+-*/<>=~!@#%^&|`?").find(c) != std::string_view::npos;
}

[[noreturn]] void fail_part(const part& p, errc code, const std::string& msg) {
  throw template_error(code, msg, p.src->position(p.pos), p.src->snippet(p.pos, p.end), frames_of(p.stack));
}

auto what_of(const part& p) -> std::string { return p.kind == part_kind::param ? "placeholder" : "interpolated text"; }

}  // namespace

auto flatten(const std::string& template_name, const std::vector<part>& parts, const render_options& options)
    -> rendered_query {
  sql_tracker tr;
  std::string sql;
  std::vector<value> params;
  std::vector<oid> types;
  std::vector<std::string> names;
  std::vector<bool> secret;
  std::vector<source_map_entry> map;
  std::map<std::string, std::size_t> slots;
  const part* prev_engine = nullptr;
  std::string text;
  for (const auto& p : parts) {
    if (p.kind == part_kind::param) {
      std::size_t n = 0;
      const auto it = p.key.empty() ? slots.end() : slots.find(p.key);
      if (it != slots.end()) {
        n = it->second;
      } else {
        params.push_back(p.v);
        types.push_back(p.type);
        names.push_back(p.name);
        secret.push_back(p.secret);
        n = params.size();
        if (n > 65535)
          fail_part(p, errc::too_many_parameters,
                    "more than 65535 parameters: PostgreSQL's limit (bind a list as one array with | any, or split "
                    "the statement)");
        if (!p.key.empty()) slots.emplace(p.key, n);
      }
      text = "$" + std::to_string(n);
    } else {
      text = p.text;
    }
    if (text.empty()) continue;
    const char before = sql.empty() ? '\0' : sql.back();
    const char first = text.front();
    if (p.kind == part_kind::literal) {
      // Text right after an engine part must not merge with it into one token.
      if (prev_engine != nullptr && ((is_word_byte(before) && is_word_byte(first)) || (before == '"' && first == '"')))
        fail_part(*prev_engine, errc::placeholder_adjacent,
                  what_of(*prev_engine) + " followed directly by '" + std::string(1, first) +
                      "' would merge into one SQL token; add a space");
    } else {
      const auto ctx = tr.context();
      if (ctx != sql_context::code)
        fail_part(p, errc::placeholder_in_literal,
                  (p.kind == part_kind::param ? std::string("placeholder inside ")
                                              : std::string("interpolated text inside ")) +
                      describe(ctx) +
                      (ctx == sql_context::string_literal
                           ? "; bind the whole value instead (| like for patterns, || to concatenate)"
                           : ""));
      bool glued = is_word_byte(before) && is_word_byte(first);
      glued = glued || (first == '"' && tr.after_quoted_identifier());
      glued = glued || (first == '-' && is_operator_char(before));
      if (glued)
        fail_part(p, errc::placeholder_adjacent,
                  what_of(p) + " directly after '" + std::string(1, before) +
                      "' would merge into one SQL token (a name, number or comment); add a space");
    }
    tr.feed(text);
    source_map_entry e;
    e.sql_offset = sql.size();
    e.sql_length = text.size();
    e.where = p.src->position(p.pos);
    e.literal = p.kind == part_kind::literal;
    map.push_back(std::move(e));
    sql += text;
    if (sql.size() > options.limits.max_output_bytes)
      fail_part(p, errc::render_limit_exceeded,
                "the rendered SQL exceeds " + std::to_string(options.limits.max_output_bytes) + " bytes");
    prev_engine = p.kind == part_kind::literal ? nullptr : &p;
  }
  return rendered_query(template_name, std::move(sql), std::move(params), std::move(types), std::move(names),
                        std::move(secret), std::move(map));
}

}  // namespace detail

// ---- sql_template ----

auto sql_template::compile(std::string_view source, std::string name, const syntax_options& syntax) -> sql_template {
  return sql_template(detail::compile_template(source, std::move(name), syntax));
}

auto sql_template::try_compile(std::string_view source, std::string name, const syntax_options& syntax)
    -> outcome<sql_template> {
  try {
    return compile(source, std::move(name), syntax);
  } catch (const template_error& e) {
    return e.to_diagnostic();
  }
}

auto sql_template::render(const vars& variables, const render_options& options, const loader* templates) const
    -> rendered_query {
  detail::renderer r(options, templates, variables, impl_);
  const auto parts = r.run();
  return detail::flatten(impl_->src->name, parts, options);
}

auto sql_template::try_render(const vars& variables, const render_options& options, const loader* templates) const
    -> outcome<rendered_query> {
  try {
    return render(variables, options, templates);
  } catch (const template_error& e) {
    return e.to_diagnostic();
  }
}

auto sql_template::name() const noexcept -> const std::string& { return impl_->src->name; }
auto sql_template::source() const noexcept -> const std::string& { return impl_->src->text; }
auto sql_template::declared() const noexcept -> const std::optional<declaration>& { return impl_->decl; }
auto sql_template::content_hash() const noexcept -> std::uint64_t { return impl_->hash; }
auto sql_template::references() const -> std::vector<std::string> { return impl_->references; }
auto sql_template::free_variables() const -> std::vector<std::string> { return impl_->free_vars; }
auto sql_template::raw_uses() const -> std::vector<source_position> {
  std::vector<source_position> out;
  for (auto off : impl_->raw_offsets) out.push_back(impl_->src->position(off));
  return out;
}

// ---- memory_loader ----

auto memory_loader::add(std::string name, std::string source) -> memory_loader& {
  sources_[std::move(name)] = std::move(source);
  return *this;
}

auto memory_loader::load(std::string_view name) const -> std::optional<sql_template> {
  const auto it = sources_.find(name);
  if (it == sources_.end()) return std::nullopt;
  return sql_template::compile(it->second, it->first, syntax_);
}

}  // namespace pgpx::tmpl
