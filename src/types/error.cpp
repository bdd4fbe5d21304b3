#include <pgpx/error.hpp>
#include <pgpx/sql_text.hpp>

#include <utility>

namespace pgpx {

auto to_string(error_kind kind) noexcept -> std::string_view {
  switch (kind) {
    case error_kind::connection: return "connection";
    case error_kind::sql: return "sql";
    case error_kind::timeout: return "timeout";
    case error_kind::pool_timeout: return "pool_timeout";
    case error_kind::pool_closed: return "pool_closed";
    case error_kind::commit_in_doubt: return "commit_in_doubt";
    case error_kind::outcome_unknown: return "outcome_unknown";
    case error_kind::usage: return "usage";
    case error_kind::conversion: return "conversion";
    case error_kind::row_count: return "row_count";
    case error_kind::protocol: return "protocol";
    case error_kind::migration: return "migration";
    case error_kind::tmpl: return "template";
    case error_kind::config: return "config";
    case error_kind::conflict: return "conflict";
    case error_kind::validation: return "validation";
  }
  return "unknown";
}

error::error(error_kind kind, std::string message, error_info info)
    : kind_(kind), message_(std::move(message)), info_(std::move(info)) {
  // No literal of the statement reaches the error: the statement keeps its shape with its
  // literals masked (the position follows), and the server's texts lose any literal value
  // they quote. The statement's literals may be passwords (ALTER ROLE ... PASSWORD '...').
  if (!info_.statement.empty()) {
    try {
      const masked_statement m = mask_literals(info_.statement);
      if (m.masked()) {
        info_.position = m.position(info_.position);
        info_.statement = m.text();
        message_ = m.scrub(message_);
        info_.detail = m.scrub(info_.detail);
        info_.hint = m.scrub(info_.hint);
      }
    } catch (...) {  // out of memory: drop the statement rather than show it unmasked
      info_.statement.clear();
      info_.position = 0;
    }
  }
  what_ = message_;
  if (!info_.sqlstate.empty()) what_ += " (SQLSTATE " + info_.sqlstate + ")";
  if (!info_.detail.empty()) what_ += "\nDETAIL: " + info_.detail;
  if (!info_.hint.empty()) what_ += "\nHINT: " + info_.hint;
}

auto error::what() const noexcept -> const char* { return what_.c_str(); }

broken_connection::broken_connection(std::string message, error_info info)
    : error(error_kind::connection, std::move(message), [&] {
        info.poisons_connection = true;
        return std::move(info);
      }()) {}

sql_error::sql_error(std::string message, error_info info)
    : error(error_kind::sql, std::move(message), std::move(info)) {}

timeout_error::timeout_error(std::string message, error_info info)
    : error(error_kind::timeout, std::move(message), std::move(info)) {}

commit_in_doubt::commit_in_doubt(std::string message, error_info info)
    : error(error_kind::commit_in_doubt, std::move(message), [&] {
        info.poisons_connection = true;
        return std::move(info);
      }()) {}

outcome_unknown::outcome_unknown(std::string message, error_info info)
    : error(error_kind::outcome_unknown, std::move(message), std::move(info)) {}

pool_exhausted::pool_exhausted(std::string message, error_info info)
    : error(error_kind::pool_timeout, std::move(message), std::move(info)) {}

usage_error::usage_error(std::string message, error_info info)
    : error(error_kind::usage, std::move(message), std::move(info)) {}

conversion_error::conversion_error(std::string message, error_info info)
    : error(error_kind::conversion, std::move(message), std::move(info)) {}

config_error::config_error(std::string message, error_info info)
    : error(error_kind::config, std::move(message), std::move(info)) {}

void throw_error(error_kind kind, std::string message, error_info info) {
  switch (kind) {
    case error_kind::connection: throw broken_connection(std::move(message), std::move(info));
    case error_kind::sql: throw sql_error(std::move(message), std::move(info));
    case error_kind::timeout: throw timeout_error(std::move(message), std::move(info));
    case error_kind::commit_in_doubt: throw commit_in_doubt(std::move(message), std::move(info));
    case error_kind::outcome_unknown: throw outcome_unknown(std::move(message), std::move(info));
    case error_kind::usage: throw usage_error(std::move(message), std::move(info));
    case error_kind::pool_timeout: throw pool_exhausted(std::move(message), std::move(info));
    case error_kind::conversion: throw conversion_error(std::move(message), std::move(info));
    case error_kind::config: throw config_error(std::move(message), std::move(info));
    default: throw error(kind, std::move(message), std::move(info));
  }
}

auto has_sqlstate(const error& e, std::string_view sqlstate) noexcept -> bool { return e.sqlstate() == sqlstate; }
auto is_unique_violation(const error& e) noexcept -> bool { return has_sqlstate(e, "23505"); }
auto is_foreign_key_violation(const error& e) noexcept -> bool { return has_sqlstate(e, "23503"); }
auto is_not_null_violation(const error& e) noexcept -> bool { return has_sqlstate(e, "23502"); }
auto is_check_violation(const error& e) noexcept -> bool { return has_sqlstate(e, "23514"); }
auto is_serialization_failure(const error& e) noexcept -> bool { return has_sqlstate(e, "40001"); }
auto is_deadlock(const error& e) noexcept -> bool { return has_sqlstate(e, "40P01"); }
auto is_query_canceled(const error& e) noexcept -> bool { return has_sqlstate(e, "57014"); }
auto is_undefined_table(const error& e) noexcept -> bool { return has_sqlstate(e, "42P01"); }
auto is_syntax_or_access_error(const error& e) noexcept -> bool {
  return e.sqlstate().size() == 5 && e.sqlstate().compare(0, 2, "42") == 0;
}

}  // namespace pgpx
