#include <pgpx/types/codec.hpp>

#include <string>
#include <utility>

namespace pgpx::detail {

void check_parameter_count(std::size_t count, std::string_view sql) {
  if (count <= max_parameters) return;
  error_info info;
  info.statement = std::string(sql);
  info.hint = "send many values as one array parameter ($1::int8[] with std::vector), or use COPY";
  throw usage_error("the statement has " + std::to_string(count) + " parameters, more than the " +
                        std::to_string(max_parameters) + " PostgreSQL's protocol allows; nothing was sent",
                    std::move(info));
}

auto is_parameter_mismatch(std::string_view sqlstate, std::string_view routine, std::string_view message) noexcept
    -> bool {
  if (sqlstate != "08P01") return false;
  // exec_bind_message reports every mismatch between the Bind message and the statement;
  // the routine name is not translated, the English message is the fallback when the
  // server sends no routine.
  return routine == "exec_bind_message" ||
         (routine.empty() && message.find("bind message supplies") != std::string_view::npos);
}

auto parameter_mismatch_error(std::string message, error_info info) -> error {
  info.poisons_connection = false;  // the server rejected the statement, not the session
  if (info.hint.empty()) info.hint = "the statement's $n placeholders and the parameters given must match in number";
  return error(error_kind::usage, std::move(message), std::move(info));
}

}  // namespace pgpx::detail
