// cli/context.hpp: what every command shares: global flags, configuration, logging,
// connecting (starting the project's local PostgreSQL when nothing else is configured).
#pragma once

#include <pgpx/config/config.hpp>
#include <pgpx/core/connection.hpp>

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgpx {
class model_description;
}

namespace pgpx::cli {

/// The flags every command accepts.
struct global_options {
  std::string config_file;      ///< -c/--config
  std::string env;              ///< -e/--env
  std::string url;              ///< --url
  int verbosity = 0;            ///< -v, -vv, -vvv
  bool quiet = false;           ///< -q/--quiet
  std::string log_format;       ///< --log-format text|json (empty: from the configuration)
  bool yes = false;             ///< -y/--yes
  /// The models of an application's own binary (pgpx/cli/application.hpp): the `models`
  /// schema source. Empty in `pgpx` itself.
  std::vector<const pgpx::model_description*> models;
};

/// State shared by the commands of one invocation.
class context {
 public:
  explicit context(global_options options) : options_(std::move(options)) {}

  /// The flags.
  [[nodiscard]] auto options() const noexcept -> const global_options& { return options_; }
  /// The configuration, loaded on first use (throws config_error).
  auto config() -> pgpx::config&;
  /// What config() loads from: the --url, --env and --config flags.
  [[nodiscard]] auto config_options() const -> pgpx::config_options;
  /// Sets up logging from the configuration and the -v/-q/--log-format flags.
  void setup_logging();
  /// The connection parameters to use; with the embedded default, starts the local cluster
  /// first (and says so on stderr unless quiet).
  auto resolve_connection() -> pgpx::conninfo;
  /// Opens a connection with the configured options.
  auto connect() -> pgpx::connection;
  /// Prints a progress or information line on stderr unless --quiet.
  void note(const std::string& line) const;

 private:
  global_options options_;
  std::optional<pgpx::config> config_;
};

}  // namespace pgpx::cli
