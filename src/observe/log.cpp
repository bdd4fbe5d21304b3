#include <pgpx/core/hooks.hpp>
#include <pgpx/observe/log.hpp>
#include <pgpx/observe/query_log.hpp>

#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace pgpx::observe {
namespace {

// Events logged by log_event carry this address as their source file name. The formatters
// recognise structured payloads by the pointer, not by the text, so no message content (a
// server notice, a user's string) can pass itself off as a structured event and inject
// fields into a JSON line.
constexpr char structured_tag[] = "pgpx-structured-event";

using ordered_json = nlohmann::ordered_json;

auto is_structured(const spdlog::details::log_msg& msg) noexcept -> bool {
  return msg.source.filename == structured_tag;
}

auto level_name(spdlog::level::level_enum l) noexcept -> std::string_view {
  switch (l) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

auto level_label(spdlog::level::level_enum l) noexcept -> std::string_view {
  switch (l) {
    case spdlog::level::trace: return "TRACE";
    case spdlog::level::debug: return "DEBUG";
    case spdlog::level::info: return "INFO ";
    case spdlog::level::warn: return "WARN ";
    case spdlog::level::err: return "ERROR";
    case spdlog::level::critical: return "CRIT ";
    default: return "OFF  ";
  }
}

// "2024-05-01T12:00:00.123Z" (UTC) or "2024-05-01 12:00:00.123" (local time).
auto timestamp(spdlog::log_clock::time_point tp, bool utc) -> std::string {
  const auto since = tp.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since - secs).count();
  const std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  if (utc) gmtime_r(&t, &tm);
  else localtime_r(&t, &tm);
  char buf[40];
  const int n = std::snprintf(
      buf, sizeof buf, utc ? "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" : "%04d-%02d-%02d %02d:%02d:%02d.%03d",
      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0U);
}

auto dump(const ordered_json& j) -> std::string {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

void append(spdlog::memory_buf_t& dest, std::string_view s) { dest.append(s.data(), s.data() + s.size()); }

class json_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    try {
      std::string line =
          "{\"ts\":\"" + timestamp(msg.time, true) + "\",\"level\":\"" + std::string(level_name(msg.level)) + "\",";
      if (is_structured(msg) && payload.size() >= 2 && payload.front() == '{') {
        line.append(payload.substr(1));  // {"msg":...,fields} spliced after ts and level
      } else {
        line += "\"msg\":" + dump(ordered_json(std::string(payload))) + "}";
      }
      line += '\n';
      append(dest, line);
    } catch (...) {
      append(dest, "{\"level\":\"error\",\"msg\":\"pgpx: a log line could not be formatted\"}\n");
    }
  }
  [[nodiscard]] auto clone() const -> std::unique_ptr<spdlog::formatter> override {
    return std::make_unique<json_formatter>();
  }
};

// A value for `key=value`: bare when it is a plain word, JSON-quoted otherwise.
auto text_value(const ordered_json& v) -> std::string {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    const bool plain = !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
      return c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (plain) return s;
  }
  return dump(v);
}

class text_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string line = timestamp(msg.time, false) + " " + std::string(level_label(msg.level)) + " ";
    try {
      if (is_structured(msg)) {
        const auto obj = ordered_json::parse(payload);
        if (auto it = obj.find("msg"); it != obj.end() && it->is_string()) line += it->get_ref<const std::string&>();
        for (const auto& [k, v] : obj.items()) {
          if (k == "msg") continue;
          line += ' ';
          line += k;
          line += '=';
          line += text_value(v);
        }
      } else {
        line.append(payload);
      }
    } catch (...) {
      line.append(payload);
    }
    line += '\n';
    append(dest, line);
  }
  [[nodiscard]] auto clone() const -> std::unique_ptr<spdlog::formatter> override {
    return std::make_unique<text_formatter>();
  }
};

struct logging_state {
  std::mutex mutex;
  std::shared_ptr<spdlog::logger> main;                 // guarded by mutex
  std::shared_ptr<spdlog::logger> sql;                  // guarded by mutex
  std::shared_ptr<const query_hook> installed_hook;     // the hook setup_logging installed last
  std::shared_ptr<const query_hook> user_hook;          // the application's hook chained into it
};

// One hook that calls `first`, then `second` (either may be null).
auto chain(std::shared_ptr<const query_hook> first, std::shared_ptr<const query_hook> second)
    -> std::shared_ptr<const query_hook> {
  if (!first) return second;
  if (!second) return first;
  auto both = std::make_shared<query_hook>();
  both->wants_parameters = first->wants_parameters || second->wants_parameters;
  if (first->on_query || second->on_query) {
    both->on_query = [first, second](const query_event& e) {
      if (first->on_query) {
        try {
          first->on_query(e);
        } catch (...) {  // one hook's failure does not silence the other
        }
      }
      if (second->on_query) second->on_query(e);
    };
  }
  if (first->on_notice || second->on_notice) {
    both->on_notice = [first, second](std::string_view severity, std::string_view message) {
      if (first->on_notice) {
        try {
          first->on_notice(severity, message);
        } catch (...) {
        }
      }
      if (second->on_notice) second->on_notice(severity, message);
    };
  }
  return both;
}

auto state() -> logging_state& {
  static logging_state s;
  return s;
}

// The loggers before setup_logging: stderr, text, warn; the query log off.
void ensure_defaults(logging_state& s) {
  if (s.main) return;
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(make_formatter(log_format::text));
  s.main = std::make_shared<spdlog::logger>("pgpx", sink);
  s.main->set_level(spdlog::level::warn);
  s.sql = std::make_shared<spdlog::logger>("pgpx.sql", sink);
  s.sql->set_level(spdlog::level::off);
}

void register_in_spdlog(const std::shared_ptr<spdlog::logger>& lg) noexcept {
  try {
    spdlog::drop(lg->name());
    spdlog::register_logger(lg);
  } catch (...) {
    // Another logger by that name raced us into the registry: ours still works through logger().
  }
}

}  // namespace

auto log_options::from(const log_settings& settings) -> log_options {
  log_options o;
  o.level = settings.level;
  o.format = settings.format;
  o.queries = settings.queries;
  o.parameters = settings.parameters;
  o.secrets = settings.secrets;
  return o;
}

auto to_spdlog(log_level level) noexcept -> spdlog::level::level_enum {
  switch (level) {
    case log_level::trace: return spdlog::level::trace;
    case log_level::debug: return spdlog::level::debug;
    case log_level::info: return spdlog::level::info;
    case log_level::warn: return spdlog::level::warn;
    case log_level::error: return spdlog::level::err;
    case log_level::off: return spdlog::level::off;
  }
  return spdlog::level::warn;
}

auto level_from_verbosity(int verbosity, bool quiet) noexcept -> log_level {
  if (quiet) return log_level::error;
  if (verbosity <= 0) return log_level::warn;
  if (verbosity == 1) return log_level::info;
  if (verbosity == 2) return log_level::debug;
  return log_level::trace;
}

auto make_formatter(log_format format) -> std::unique_ptr<spdlog::formatter> {
  if (format == log_format::json) return std::make_unique<json_formatter>();
  return std::make_unique<text_formatter>();
}

void setup_logging(const log_options& options) {
  spdlog::sink_ptr sink = options.sink;
  if (!sink) {
    if (options.stream != nullptr) sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*options.stream, true);
    else sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  sink->set_formatter(make_formatter(options.format));

  const auto level = to_spdlog(options.level);
  const bool query_log = options.level != log_level::off && (options.queries || options.level == log_level::trace);
  auto main = std::make_shared<spdlog::logger>("pgpx", sink);
  main->set_level(level);
  main->flush_on(spdlog::level::warn);
  auto sql = std::make_shared<spdlog::logger>("pgpx.sql", sink);
  sql->set_level(query_log ? std::min(level, spdlog::level::debug) : spdlog::level::off);

  std::shared_ptr<const query_hook> hook;
  if (options.level != log_level::off) {
    auto made = make_query_log_hook(query_log_options{options.parameters, options.secrets, sql});
    if (query_log) {
      hook = std::move(made);
    } else {
      // Notices only: an empty on_query tells connections not to time statements for us.
      auto notices_only = std::make_shared<query_hook>(*made);
      notices_only->on_query = nullptr;
      notices_only->wants_parameters = false;
      hook = std::move(notices_only);
    }
  }

  auto& s = state();
  {
    std::lock_guard lock(s.mutex);
    s.main = main;
    s.sql = sql;
    // The application's own hook (installed before, or after an earlier setup_logging) keeps
    // running: logging chains with it instead of replacing it.
    auto current = default_query_hook();
    auto user = current != nullptr && current == s.installed_hook ? s.user_hook : current;
    auto combined = chain(user, hook);
    set_default_query_hook(combined);
    s.installed_hook = combined;
    s.user_hook = user;
  }
  register_in_spdlog(main);
  register_in_spdlog(sql);
}

auto logger() -> std::shared_ptr<spdlog::logger> {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  ensure_defaults(s);
  return s.main;
}

auto query_logger() -> std::shared_ptr<spdlog::logger> {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  ensure_defaults(s);
  return s.sql;
}

void log_event(spdlog::logger& lg, log_level level, std::string_view message, const nlohmann::json& fields) noexcept {
  const auto lvl = to_spdlog(level);
  if (!lg.should_log(lvl)) return;
  try {
    ordered_json obj;
    obj["msg"] = std::string(message);
    if (fields.is_object()) {
      for (const auto& [k, v] : fields.items()) {
        if (k == "msg" || k == "ts" || k == "level") obj["field_" + k] = v;  // never shadow the envelope
        else obj[k] = v;
      }
    } else if (!fields.is_null()) {
      obj["data"] = fields;
    }
    const std::string payload = dump(obj);
    lg.log(spdlog::source_loc{structured_tag, 0, nullptr}, lvl, spdlog::string_view_t(payload.data(), payload.size()));
  } catch (...) {
    // Logging never throws into the caller.
  }
}

}  // namespace pgpx::observe
