// pgpx schema diagram: an entity-relationship diagram of a schema source, as Mermaid, DOT or
// SVG (DOT drawn by Graphviz's `dot -Tsvg`, which must be installed: package graphviz).
//
// The text comes from pgpx::schema::to_mermaid / to_dot (include/pgpx/schema/diagram.hpp);
// the source is read by schema_source.hpp, so db, a URL, a .json catalog and a migrations
// directory all work.
#include "commands.hpp"
#include "schema_source.hpp"

#include <pgpx/schema/diagram.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;  // NOLINT: POSIX, for posix_spawn

namespace pgpx::cli {

namespace {

namespace fs = std::filesystem;

struct diagram_flags {
  std::string format = "mermaid";  // mermaid|dot|svg
  std::string from = "db";
  std::string schemas;  // a,b
  std::string tables;   // glob,glob
  std::string out;      // -o FILE
  std::string shadow_url;
};

// The `dot` executable on PATH, or empty.
auto find_dot() -> fs::path {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const auto candidate = fs::path(dir) / "dot";
    if (::access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate)) return candidate;
  }
  return {};
}

// A temporary file in a directory of its own (mkdtemp: private, never a name another user
// chose), both removed when this goes out of scope.
struct temp_file {
  explicit temp_file(const std::string& suffix) {
    std::string pattern = (fs::temp_directory_path() / "pgpx-diagram-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw usage_error("cannot create a temporary directory for dot");
    dir = pattern;
    path = dir / ("diagram" + suffix);
  }
  temp_file(const temp_file&) = delete;
  auto operator=(const temp_file&) -> temp_file& = delete;
  ~temp_file() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
  fs::path path;
};

// The `dot` executable; throws std::runtime_error (exit 1) naming the package when it is missing.
auto require_dot() -> fs::path {
  auto dot = find_dot();
  if (dot.empty())
    throw std::runtime_error(
        "--format svg needs Graphviz's `dot` on PATH: install the graphviz package (apt-get install graphviz, "
        "brew install graphviz), or use --format dot and draw it elsewhere");
  return dot;
}

// `dot -Tsvg` of `dot_text`; throws std::runtime_error (exit 1) when dot is missing or fails.
auto render_svg(const std::string& dot_text) -> std::string {
  const auto dot = require_dot();
  temp_file in(".dot");
  temp_file out(".svg");
  temp_file err(".err");
  {
    std::ofstream f(in.path, std::ios::binary);
    f << dot_text;
    if (!f) throw std::runtime_error("cannot write " + in.path.string());
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> args = {dot.string(), "-Tsvg", "-o" + out.path.string(), in.path.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, dot.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot run " + dot.string() + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(dot.string() + " -Tsvg failed: " + read_file(err.path));
  return read_file(out.path);
}

auto run_diagram(context& ctx, const diagram_flags& f) -> int {
  if (f.format != "mermaid" && f.format != "dot" && f.format != "svg")
    throw usage_error("--format must be mermaid, dot or svg, not '" + f.format + "'");
  if (f.format == "svg") (void)require_dot();  // before reading the source
  const auto schemas = split_list(f.schemas);
  const auto c = read_schema_source(ctx, f.from, {.schemas = schemas, .shadow_url = f.shadow_url});
  const schema::diagram_options o{.schemas = schemas, .tables = split_list(f.tables)};
  std::string text = f.format == "mermaid" ? schema::to_mermaid(c, o) : schema::to_dot(c, o);
  if (f.format == "svg") text = render_svg(text);
  write_output(text, f.out);
  if (!f.out.empty() && f.out != "-") ctx.note("wrote " + f.out);
  return 0;
}

}  // namespace

void add_schema_diagram_command(CLI::App& schema, context& ctx, action_fn& action) {
  static diagram_flags f;
  auto* d = schema.add_subcommand("diagram", "An entity-relationship diagram: Mermaid, Graphviz DOT or SVG");
  d->add_option("--format", f.format, "mermaid (default), dot, or svg (drawn by Graphviz's dot)");
  d->add_option("--from", f.from, "The source: db (default), a URL, FILE.json or a migrations DIR");
  d->add_option("--schemas", f.schemas, "Only the tables of these schemas, comma-separated");
  d->add_option("--tables", f.tables,
                "Only the tables matching these globs, comma-separated: book* (any schema), app.book*, *.log_?");
  d->add_option("-o,--out", f.out, "Write to this file (default: standard output)");
  d->add_option("--shadow-url", f.shadow_url, "The server where a DIR source is applied (default: the configured one)");
  d->footer(
      "A foreign key whose referenced table is filtered out (or not read, with --schemas) still shows,\n"
      "drawn to a stub that holds only that table's name.\n"
      "Examples:\n"
      "  pgpx schema diagram > schema.mmd\n"
      "  pgpx schema diagram --format svg --schemas app -o schema.svg\n"
      "  pgpx schema diagram --format dot --tables 'app.book*,authors' --from schema.json\n"
      "Exit codes: 0 ok, 1 Graphviz missing or failed, 2 usage, 8 cannot connect, 9 SQL error, 10 bad input.");
  d->callback([&] { action = [&] { return run_diagram(ctx, f); }; });
}

}  // namespace pgpx::cli
