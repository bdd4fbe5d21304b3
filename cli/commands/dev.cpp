// pgpx dev up|down|status|psql|reset: the project's local PostgreSQL.
#include "../embedded.hpp"
#include "../exit_codes.hpp"
#include "commands.hpp"

#include <pgpx/testing/cluster.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <iostream>

namespace pgpx::cli {

void add_dev_command(CLI::App& app, context& ctx, action_fn& action) {
  auto* dev = app.add_subcommand("dev", "Run a PostgreSQL server for this project, under .pgpx/");
  dev->require_subcommand(1);
  dev->footer(
      "Examples:\n"
      "  pgpx dev up        # create (first time) and start the local server\n"
      "  pgpx dev status    # is it running, where, on which port\n"
      "  pgpx dev psql      # open psql on the project database\n"
      "  pgpx dev down      # stop it; data is kept\n"
      "  pgpx dev reset -y  # delete all data and start afresh\n"
      "Every other command uses this server when no database is configured.");

  auto* up = dev->add_subcommand("up", "Create (first time) and start the local server");
  up->callback([&] {
    action = [&] {
      embedded_cluster local{ctx.config()};
      local.up();
      std::cout << (local.started() ? "PostgreSQL started" : "PostgreSQL is already running") << " for "
                << ctx.config().project_dir().string() << "\n"
                << "  database  " << embedded_database << "\n"
                << "  socket    " << local.cluster().socket_dir().string() << " (port " << local.cluster().port()
                << ")\n"
                << "  tcp       " << local.url() << "\n"
                << "  data      " << local.cluster().data_dir().string() << "\n"
                << "Connect with `pgpx dev psql`; stop with `pgpx dev down`.\n";
      return 0;
    };
  });

  auto* down = dev->add_subcommand("down", "Stop the local server (data is kept)");
  down->callback([&] {
    action = [&] {
      embedded_cluster local{ctx.config()};
      std::cout << (local.down() ? "PostgreSQL stopped\n" : "PostgreSQL is not running\n");
      return 0;
    };
  });

  auto* status = dev->add_subcommand("status", "Show whether the local server runs, and where");
  static std::string status_format = "text";
  status->add_option("--format", status_format, "text or json")->check(CLI::IsMember({"text", "json"}));
  status->callback([&] {
    action = [&] {
      embedded_cluster local{ctx.config()};
      const bool running = local.running();
      if (status_format == "json") {
        nlohmann::ordered_json j;
        j["running"] = running;
        j["pid"] = running ? local.cluster().postmaster_pid() : 0;
        j["port"] = local.cluster().port();
        j["socket_dir"] = local.cluster().socket_dir().string();
        j["data_dir"] = local.cluster().data_dir().string();
        j["database"] = embedded_database;
        j["url"] = running ? local.url() : "";
        std::cout << j.dump(2) << "\n";
      } else if (running) {
        std::cout << "running (pid " << local.cluster().postmaster_pid() << ")\n"
                  << "  tcp     " << local.url() << "\n"
                  << "  socket  " << local.cluster().socket_dir().string() << "\n"
                  << "  data    " << local.cluster().data_dir().string() << "\n";
      } else {
        std::cout << "not running (start it with `pgpx dev up`)\n"
                  << "  data    " << local.cluster().data_dir().string() << "\n";
      }
      return 0;
    };
  });

  auto* psql = dev->add_subcommand("psql", "Open psql on the project database (starts the server if needed)");
  static std::vector<std::string> psql_args;
  psql->add_option("args", psql_args, "Arguments passed to psql (after --)");
  psql->callback([&] {
    action = [&] {
      embedded_cluster local{ctx.config()};
      const auto ci = local.up();
      std::string psql_bin = (pgpx::testing::find_server_bindir() / "psql").string();
      std::vector<std::string> argv = {psql_bin, ci.to_string()};
      argv.insert(argv.end(), psql_args.begin(), psql_args.end());
      std::vector<char*> cargs;
      for (auto& a : argv) cargs.push_back(a.data());
      cargs.push_back(nullptr);
      ::execv(cargs[0], cargs.data());
      std::cerr << "pgpx: cannot run " << psql_bin << "\n";
      return static_cast<int>(exit_code::error);
    };
  });

  auto* reset = dev->add_subcommand("reset", "Delete the local server's data and start it afresh");
  reset->callback([&] {
    action = [&] {
      ctx.confirm("pgpx dev reset deletes every database of the local server");
      embedded_cluster local{ctx.config()};
      local.reset();
      std::cout << "PostgreSQL reset: a fresh, empty database \"" << embedded_database << "\" is running at "
                << local.url() << "\n";
      return 0;
    };
  });
}

}  // namespace pgpx::cli
