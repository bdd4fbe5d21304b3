// cli/output.hpp: printing query results as a table, JSON, CSV or JSON lines, and the JSON
// reports of the other commands (print_json_report).
//
// Results are read in PostgreSQL's text format with the session set to DateStyle=ISO,
// IntervalStyle=iso_8601, TimeZone=UTC and bytea_output=hex, and converted per type:
// numbers stay numbers, numeric keeps its exact digits as a string, timestamps become ISO
// 8601, json is embedded, arrays become nested JSON arrays, and any other type keeps its
// PostgreSQL text form. Reading text makes every type printable, including those pgpx has
// no codec for. See docs/cli.md.
#pragma once

#include <pgpx/core/connection.hpp>
#include <pgpx/core/result.hpp>
#include <pgpx/error.hpp>

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgpx::cli {

/// Output formats of `pgpx query`.
enum class result_format { table, json, csv, ndjson };

/// Parses "table", "json", "csv", "ndjson"; throws usage_error otherwise.
[[nodiscard]] auto parse_result_format(std::string_view text) -> result_format;

/// The session settings that make text output unambiguous (sent before the query).
inline constexpr const char* output_session_settings =
    "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; SET TimeZone = 'UTC'; "
    "SET bytea_output = 'hex'; SET extra_float_digits = 1";

/// What the printer knows of a column type beyond its OID.
struct type_facts {
  oid element = 0;     ///< for arrays, the element type
  char category = 0;   ///< pg_type.typcategory
};

/// Type facts of the result's columns that are not built-in, read from pg_type.
[[nodiscard]] auto lookup_types(pgpx::connection& cx, const pgpx::result& r) -> std::map<oid, type_facts>;

/// One value (text form) of a column type as JSON, by the rules above.
[[nodiscard]] auto value_to_json(std::string_view text, oid type, const std::map<oid, type_facts>& facts)
    -> nlohmann::json;

/**
 * The object keys of the JSON formats for these column names, in order: unique, and the same
 * for the same names. Each name keeps its own text at its first occurrence; a repeated name
 * gets the first free suffix "_2", "_3"... where free means neither a column name of the result
 * nor a key given before: `a, a, a_2` -> `a, a_3, a_2`. No column is ever dropped.
 */
[[nodiscard]] auto json_keys(const std::vector<std::string>& names) -> std::vector<std::string>;

/// Prints a text-format result in the given format.
void print_result(std::ostream& out, const pgpx::result& r, result_format format,
                  const std::map<oid, type_facts>& facts);

/// Writes a command's JSON report (`--format json`) on stdout: indented by 2, one trailing
/// newline, and nothing else on stdout, so that it parses as one document. Every command that
/// reports in JSON writes through it (docs/cli.md "JSON output").
void print_json_report(const nlohmann::json& report);

/// A usage error (exit 2) that names the file and line at fault, so that the JSON error
/// object of --format json can carry them (a refused `migrate import` source file).
class located_usage_error : public pgpx::usage_error {
 public:
  located_usage_error(const std::string& message, std::string file, int line)
      : pgpx::usage_error(message), file_(std::move(file)), line_(line) {}
  /// The file at fault.
  [[nodiscard]] auto file() const noexcept -> const std::string& { return file_; }
  /// Its 1-based line, 0 when the file as a whole is.
  [[nodiscard]] auto line() const noexcept -> int { return line_; }

 private:
  std::string file_;
  int line_ = 0;
};

/// The JSON error object of --format json: {"message", "code" (the exit code), "file" and
/// "line" when a file is at fault}; the message masked as on stderr.
[[nodiscard]] auto error_json(const pgpx::error& e) -> nlohmann::json;
/// The same for an error that is not a pgpx::error (exit code 1).
[[nodiscard]] auto error_json(const std::exception& e) -> nlohmann::json;

/// Tells main() that the command printed the error inside its own JSON document already (redo),
/// so that no second `{"error": ...}` document follows it on stdout.
void note_error_in_json_report() noexcept;
/// Whether note_error_in_json_report() was called.
[[nodiscard]] auto error_in_json_report() noexcept -> bool;

/// For a command that reports its failure itself and returns an exit code (no exception):
/// prints `pgpx: error: <message>` on stderr (masked), remembers it for main(), which with
/// --format json prints the `{"error": ...}` object on stdout, and returns `code`.
auto returned_error(int code, const std::string& message) -> int;
/// The error returned_error() remembered: {"message", "code"}, or null.
[[nodiscard]] auto returned_error_json() -> nlohmann::json;

/// Parses a PostgreSQL array literal ('{1,2,NULL}', '{{a,"b c"},{d,e}}') into nested JSON
/// arrays of strings and nulls (elements are converted afterwards). Throws conversion_error.
[[nodiscard]] auto parse_array_literal(std::string_view text) -> nlohmann::json;

}  // namespace pgpx::cli
