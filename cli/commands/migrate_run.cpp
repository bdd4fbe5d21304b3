// pgpx migrate create|apply|rollback|redo|status|validate|hash|mark|baseline|repair, and the
// aliases `pgpx new`, `pgpx up`, `pgpx down`: the command line over pgpx/migrate/migrator.hpp,
// sum_file.hpp and source.hpp. The rules (lock, checksums, order, lint, transactions) are the
// library's; this file maps flags to options, prints text or JSON, and chooses exit codes.
#include "../exit_codes.hpp"
#include "../output.hpp"
#include "../progress.hpp"
#include "commands.hpp"
#include "migrate_diff.hpp"

#include <pgpx/config/config.hpp>
#include <pgpx/migrate/migrator.hpp>
#include <pgpx/migrate/source.hpp>
#include <pgpx/migrate/sum_file.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace pgpx::cli {

namespace {

namespace fs = std::filesystem;
namespace mg = pgpx::migrate;

// Flags every database verb shares.
struct common_flags {
  std::string dir;                  // -d/--dir
  std::string schema = "pgpx";      // --schema
  std::string format = "text";      // --format
  bool dry_run = false;             // --dry-run (also set by the global --dry-run, see fill_run)
};

struct create_flags {
  std::string name;
  std::string dir;
  std::string format = "text";  // --format (without --from-diff)
  bool irreversible = false;
  bool no_tx = false;
  bool seq = false;
  bool ts = false;
  bool from_diff = false;     // --from-diff: `migrate diff` (migrate_diff.cpp)
  migrate_diff_flags diff;    // its flags (not the name, -d, --irreversible, --no-tx, the style)
};

struct apply_flags {
  common_flags c;
  std::string to;
  std::optional<int> steps;
  std::string tx = "file";
  bool allow_out_of_order = false;
  bool allow_modified = false;
  bool allow_missing = false;
  bool no_lint = false;
  bool resume = false;
  std::string baseline;
};

struct rollback_flags {
  common_flags c;
  std::optional<int> steps;
  std::string to;
  bool all = false;
  bool force = false;
  bool no_lint = false;
  std::string reason;
};

struct status_flags {
  common_flags c;
  bool exit_code = false;
};

struct validate_flags {
  common_flags c;
  bool offline = false;
};

struct mark_flags {
  common_flags c;
  std::string version;
  bool applied = false;
  bool pending = false;
  std::string reason;
  std::string description;  // baseline: the spec's name for --reason
};

struct repair_flags {
  common_flags c;
  bool checksums = false;
  bool clear_failed = false;
  std::string reason;
};

// The global --dry-run counts as the command's own.
auto dry_run(const context& ctx, const common_flags& c) -> bool { return c.dry_run || ctx.dry_run(); }

template <class Options>
void fill_run(context& ctx, const common_flags& c, Options& o) {
  o.schema = c.schema;
  o.dry_run = dry_run(ctx, c);
  // The global --lock-timeout is how long to wait for the migration lock and the lock_timeout
  // of each migration (a file's lock-timeout= directive still wins); --statement-timeout the
  // statement_timeout of each migration (likewise).
  if (const auto& d = ctx.session().lock_timeout) {
    o.lock_wait = *d;
    o.lock_timeout = *d;
  }
  if (const auto& d = ctx.session().statement_timeout) o.statement_timeout = *d;
  o.on_lock_wait = [&ctx](const std::string& who) { ctx.note("waiting for the migration lock: " + who); };
}

auto json_mode(const common_flags& c) -> bool { return c.format == "json"; }

// Draws each step of apply() or rollback() on `bar` (nothing when it does not draw).
auto draw_on(progress_line& bar) -> std::function<void(const mg::run_progress&)> {
  if (!bar.enabled()) return {};
  return
      [&bar](const mg::run_progress& p) { bar.show(p.index, p.count, p.file, p.statements_done, p.statements_total); };
}

auto entry_json(const mg::run_entry& e) -> nlohmann::json {
  return {{"version", e.version},
          {"name", e.name},
          {"file", e.file},
          {"no_transaction", e.no_transaction},
          {"duration_ms", e.duration.count()},
          {"statements_skipped", e.statements_skipped},
          {"forced", e.forced},
          {"baseline", e.baseline}};
}

auto finding_json(const mg::file_finding& f) -> nlohmann::json {
  nlohmann::json j = {{"file", f.file},
                      {"rule", f.finding.rule},
                      {"severity", std::string(mg::to_string(f.finding.severity))},
                      {"line", f.finding.line},
                      {"message", f.finding.message},
                      {"hint", f.finding.hint},
                      {"ignored", f.finding.ignored()}};
  if (f.finding.ignored()) j["ignore_reason"] = *f.finding.ignored_because;
  return j;
}

// The SQL of each planned file, for the text of a dry run ("prints SQL and plan").
void print_planned_sql(const fs::path& dir, const mg::run_report& r) {
  for (const auto& e : r.migrations) {
    if (e.forced || e.baseline) continue;  // nothing of them runs
    std::ifstream in(dir / e.file, std::ios::binary);
    std::string sql((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::cout << "-- " << e.file << "\n" << sql << (sql.empty() || sql.back() == '\n' ? "" : "\n");
  }
}

// Prints what apply or rollback did (or would do).
// The JSON report of one apply or rollback.
auto run_json(const mg::run_report& r, const char* verb) -> nlohmann::json {
  auto migrations = nlohmann::json::array();
  for (const auto& e : r.migrations) migrations.push_back(entry_json(e));
  auto lint = nlohmann::json::array();
  for (const auto& f : r.lint) lint.push_back(finding_json(f));
  return {{"action", verb},       {"dry_run", r.dry_run},   {"migrations", migrations},
          {"skipped", r.skipped}, {"warnings", r.warnings}, {"lint", lint}};
}

void print_run(context& ctx, const common_flags& c, const fs::path& dir, const mg::run_report& r, const char* verb,
               const char* done) {
  if (json_mode(c)) {
    print_json_report(run_json(r, verb));
    return;
  }
  for (const auto& w : r.warnings) std::cerr << "pgpx: warning: " << w << "\n";
  for (const auto& f : r.lint)
    if (!f.finding.ignored())
      std::cerr << f.file << ":" << f.finding.line << ": warning " << f.finding.rule << ": " << f.finding.message
                << "\n  hint: " << f.finding.hint << "\n";
  for (const auto& s : r.skipped) std::cout << "skipped " << s << " (its env= excludes this environment)\n";
  for (const auto& e : r.migrations) {
    if (e.forced)
      std::cout << (r.dry_run ? "would un-apply " : "un-applied ") << e.name
                << " without running anything (no down file; --force)\n";
    else if (e.baseline) std::cout << (r.dry_run ? "would record " : "recorded ") << e.version << " as baseline\n";
    else if (r.dry_run) std::cout << "would " << verb << " " << e.name << " (" << e.file << ")\n";
    else std::cout << done << " " << e.name << " (" << e.duration.count() << " ms)\n";
  }
  if (r.dry_run) {
    print_planned_sql(dir, r);
    ctx.note("dry run: nothing was written");
  } else if (r.migrations.empty()) {
    ctx.note(std::string("nothing to ") + verb);
  }
}

// ---- create ----

auto run_create(context& ctx, const create_flags& f) -> int {
  if (f.seq && f.ts) throw usage_error("give --seq or --ts, not both");
  std::optional<mg::version_style> style;
  if (f.seq) style = mg::version_style::sequence;
  if (f.ts) style = mg::version_style::timestamp;
  if (f.from_diff) {
    auto d = f.diff;
    d.format = f.format;
    d.name = f.name;
    d.dir = f.dir;
    d.irreversible = f.irreversible;
    d.no_tx = f.no_tx;
    d.style = style;
    return run_migrate_diff(ctx, d);
  }
  if (any_migrate_diff_flag(f.diff) || f.diff.dry_run)
    throw usage_error("--to, --to-db, --shadow-url, --schemas, --rename, --online and --dry-run need --from-diff");
  const bool json = f.format == "json";
  const auto next = mg::plan_migration(migrations_dir(ctx, f.dir), f.name, style);
  const auto report = [&](bool dry) {
    auto files = nlohmann::json::array({next.up_path().string()});
    if (!f.irreversible) files.push_back(next.down_path().string());
    print_json_report({{"action", "create"},
                       {"dry_run", dry},
                       {"version", next.version},
                       {"name", next.name},
                       {"files", files},
                       {"irreversible", f.irreversible},
                       {"no_transaction", f.no_tx},
                       {"sum", dry ? nlohmann::json() : nlohmann::json((next.dir / "pgpx.sum").string())}});
  };
  const std::string header = f.no_tx ? "-- pgpx: no-transaction\n" : "";
  // Rollback refuses a down file that loses data unless it says why (docs/migrations.md).
  const std::string down = header + "-- " + next.name +
                           ": down (undo the up file; DROP ... IF EXISTS; a DROP TABLE/COLUMN needs a lint-ignore "
                           "with a reason)\n";
  if (ctx.dry_run() && json) {
    report(true);
    return 0;
  }
  if (ctx.dry_run()) {
    std::cout << "would create " << next.up_path().string() << "\n";
    if (!f.irreversible) std::cout << "would create " << next.down_path().string() << "\n";
    ctx.note("dry run: nothing was written");
    return 0;
  }
  mg::write_migration(next, header + "-- " + next.name + ": up\n",
                      f.irreversible ? std::nullopt : std::optional<std::string_view>(down));
  if (json) {
    report(false);
    return 0;
  }
  std::cout << "created " << next.up_path().string() << "\n";
  if (!f.irreversible) std::cout << "created " << next.down_path().string() << "\n";
  else ctx.note("irreversible: no down file (rollback refuses this migration)");
  ctx.note("rewrote " + (next.dir / "pgpx.sum").string());
  return 0;
}

// ---- apply / rollback / redo ----

auto to_apply_options(context& ctx, const apply_flags& f) -> mg::apply_options {
  mg::apply_options o;
  fill_run(ctx, f.c, o);
  if (!f.to.empty() && f.steps) throw usage_error("give --to or --steps, not both");
  if (!f.to.empty()) o.target = f.to;
  if (f.steps) {
    if (*f.steps < 0) throw usage_error("--steps must not be negative");
    o.steps = f.steps;
  }
  o.tx = f.tx == "all" ? mg::tx_mode::all : f.tx == "none" ? mg::tx_mode::none : mg::tx_mode::file;
  o.allow_out_of_order = f.allow_out_of_order;
  o.allow_modified = f.allow_modified;
  o.allow_missing = f.allow_missing;
  o.lint = !f.no_lint;
  o.resume = f.resume;
  if (!f.baseline.empty()) {
    o.baseline = f.baseline;
    o.baseline_reason = "pgpx migrate apply --baseline " + f.baseline;
  }
  try {
    o.environment = ctx.config().env_name();  // for `env=` directives
  } catch (const pgpx::error&) {  // NOLINT(bugprone-empty-catch): reported when connecting
  }
  return o;
}

auto run_apply(context& ctx, const apply_flags& f) -> int {
  auto o = to_apply_options(ctx, f);
  const auto dir = migrations_dir(ctx, f.c.dir);
  auto cx = ctx.connect();
  progress_line bar(progress_wanted(ctx, json_mode(f.c)));
  o.on_progress = draw_on(bar);
  const auto r = mg::apply(cx, dir, o);
  bar.clear();
  print_run(ctx, f.c, dir, r, "apply", "applied");
  return 0;
}

auto to_rollback_options(context& ctx, const rollback_flags& f) -> mg::rollback_options {
  mg::rollback_options o;
  fill_run(ctx, f.c, o);
  const int given = (f.steps ? 1 : 0) + (f.to.empty() ? 0 : 1) + (f.all ? 1 : 0);
  if (given > 1) throw usage_error("give one of --steps, --to and --all");
  if (f.steps) {
    if (*f.steps < 0) throw usage_error("--steps must not be negative");
    o.steps = f.steps;
  }
  if (!f.to.empty()) o.target = f.to;
  if (f.all) o.target = "0";
  o.lint = !f.no_lint;
  o.force = f.force;
  o.reason = f.reason;
  return o;
}

// --force: the migrations to un-apply without a down file are listed, and a person confirms
// by typing "yes" (or gave --yes): context::confirm.
// A plan (dry run) finds them first; nothing is asked when there are none.
void confirm_force(context& ctx, connection& cx, const fs::path& dir, const mg::rollback_options& o) {
  if (!o.force || o.dry_run) return;
  auto plan_o = o;
  plan_o.dry_run = true;
  std::string names;
  for (const auto& e : mg::rollback(cx, dir, plan_o).migrations)
    if (e.forced) names += (names.empty() ? "" : ", ") + e.name;
  if (names.empty()) return;
  ctx.confirm("--force un-applies " + names +
              " without running anything (no down file): their tracking rows are removed and whatever they "
              "created stays in the database");
}

auto run_rollback(context& ctx, const rollback_flags& f) -> int {
  auto o = to_rollback_options(ctx, f);
  const auto dir = migrations_dir(ctx, f.c.dir);
  auto cx = ctx.connect();
  confirm_force(ctx, cx, dir, o);
  progress_line bar(progress_wanted(ctx, json_mode(f.c)));
  o.on_progress = draw_on(bar);
  const auto r = mg::rollback(cx, dir, o);
  bar.clear();
  print_run(ctx, f.c, dir, r, "roll back", "rolled back");
  return 0;
}

auto run_redo(context& ctx, const rollback_flags& f) -> int {
  if (ctx.config().is_protected() && !ctx.options().yes)
    throw usage_error("environment '" + ctx.config().env_name() +
                      "' is protected: redo rolls back and re-applies; confirm with --yes");
  if (f.steps && *f.steps < 1) throw usage_error("--steps must be at least 1");
  auto ro = to_rollback_options(ctx, f);
  ro.steps = f.steps.value_or(1);
  // As `migrate apply` would (the environment for `env=` directives, lint), limited to what
  // was rolled back.
  auto ao = to_apply_options(ctx, apply_flags{.c = f.c, .no_lint = f.no_lint});
  const auto dir = migrations_dir(ctx, f.c.dir);
  auto cx = ctx.connect();
  progress_line bar(progress_wanted(ctx, json_mode(f.c)));
  ro.on_progress = draw_on(bar);
  ao.on_progress = draw_on(bar);
  const auto down = mg::rollback(cx, dir, ro);
  bar.clear();
  // JSON: one document, {"action": "redo", "dry_run", "rollback": <rollback's report>,
  // "apply": <apply's report, null in a dry run or when it failed>, "error": <only when apply
  // failed: the error object of docs/cli.md>}.
  const bool json = json_mode(f.c);
  if (!json) print_run(ctx, f.c, dir, down, "roll back", "rolled back");
  if (ro.dry_run) {  // what apply would run depends on the rollback
    if (json)
      print_json_report(
          {{"action", "redo"}, {"dry_run", true}, {"rollback", run_json(down, "roll back")}, {"apply", nullptr}});
    return 0;
  }
  ao.steps = static_cast<int>(down.migrations.size());
  mg::run_report up;
  try {
    up = mg::apply(cx, dir, ao);
  } catch (const pgpx::error& e) {
    // The rollback half happened: JSON says so, with the apply half's error (and the exit code
    // stays the error's).
    bar.clear();
    if (json) {
      // apply() gives no report when it fails; the migrations of the rollback half that were
      // applied again before the failure are read back from the tracking table.
      nlohmann::json reapplied = nlohmann::json::array();
      try {
        mg::run_options so;
        so.schema = ao.schema;
        const auto st = mg::status(cx, dir, so);
        for (const auto& m : down.migrations)
          for (const auto& s2 : st.entries)
            if (s2.version == m.version && s2.state == mg::state::applied) reapplied.push_back(m.version);
      } catch (const pgpx::error&) {  // the connection may be gone: what is known stays unknown
        reapplied = nullptr;
      }
      print_json_report({{"action", "redo"},
                         {"dry_run", false},
                         {"rollback", run_json(down, "roll back")},
                         {"apply", nullptr},
                         {"reapplied", std::move(reapplied)},
                         {"error", error_json(e)}});
      note_error_in_json_report();
    }
    throw;
  }
  bar.clear();
  if (json)
    print_json_report({{"action", "redo"},
                       {"dry_run", false},
                       {"rollback", run_json(down, "roll back")},
                       {"apply", run_json(up, "apply")}});
  else print_run(ctx, f.c, dir, up, "apply", "applied");
  return 0;
}

// ---- status ----

// A state that makes `status --exit-code` and `validate` exit 4 (integrity) or 12 (dirty).
auto integrity_problem(mg::state s) -> bool { return s == mg::state::modified || s == mg::state::missing; }
auto dirty_state(mg::state s) -> bool { return s == mg::state::partial || s == mg::state::failed; }

auto run_status(context& ctx, const status_flags& f) -> int {
  const auto dir = migrations_dir(ctx, f.c.dir);
  mg::run_options o;
  o.schema = f.c.schema;
  auto cx = ctx.connect();
  const auto r = mg::status(cx, dir, o);
  std::size_t pending = 0;
  bool integrity = false;
  bool dirty = false;
  for (const auto& e : r.entries) {
    if (e.state == mg::state::pending) ++pending;
    integrity = integrity || integrity_problem(e.state);
    dirty = dirty || dirty_state(e.state);
  }
  if (json_mode(f.c)) {
    auto entries = nlohmann::json::array();
    for (const auto& e : r.entries) {
      nlohmann::json j = {{"version", e.version},
                          {"name", e.name},
                          {"state", std::string(mg::to_string(e.state))},
                          {"out_of_order", e.out_of_order},
                          {"irreversible", e.irreversible},
                          {"applied_at", e.applied_at.empty() ? nlohmann::json() : nlohmann::json(e.applied_at)},
                          {"applied_by", e.applied_by.empty() ? nlohmann::json() : nlohmann::json(e.applied_by)},
                          {"duration_ms", e.duration_ms}};
      if (dirty_state(e.state)) {
        j["statements_done"] = e.statements_done;
        j["statements_total"] = e.statements_total;
        j["error"] = e.error;
      }
      entries.push_back(std::move(j));
    }
    std::cout << nlohmann::json{{"migrations", entries}, {"pending", pending}}.dump(2) << "\n";
  } else {
    for (const auto& e : r.entries) {
      std::string flags;
      if (e.out_of_order) flags += " out-of-order";
      if (e.irreversible) flags += " irreversible";
      std::cout << e.version << "  " << mg::to_string(e.state) << "  " << e.name;
      if (!e.applied_at.empty())
        std::cout << "  (" << e.applied_at << " by " << e.applied_by << ", " << e.duration_ms << " ms)";
      if (dirty_state(e.state))
        std::cout << "  [" << e.statements_done << "/" << e.statements_total << " statements; " << e.error << "]";
      std::cout << flags << "\n";
    }
    if (r.entries.empty()) ctx.note("no migrations in " + dir.string());
    else ctx.note(std::to_string(pending) + " pending");
  }
  if (!f.exit_code) return 0;
  if (dirty) return static_cast<int>(exit_code::dirty);
  if (integrity) return static_cast<int>(exit_code::integrity);
  if (pending > 0) return static_cast<int>(exit_code::pending_migrations);
  return 0;
}

// ---- validate / hash ----

auto run_validate(context& ctx, const validate_flags& f) -> int {
  const auto dir = migrations_dir(ctx, f.c.dir);
  auto sum_problems = nlohmann::json::array();
  std::vector<std::string> lines;
  bool integrity = false;
  bool dirty = false;
  if (!fs::exists(dir / "pgpx.sum")) {
    static_cast<void>(mg::load_directory(dir));  // a bad file name still fails (exit 10)
    integrity = true;
    sum_problems.push_back({{"file", "pgpx.sum"}, {"kind", "missing"}, {"detail", "run pgpx migrate hash"}});
    lines.push_back((dir / "pgpx.sum").string() + ": missing; write it with `pgpx migrate hash`");
  } else {
    for (const auto& d : mg::verify_sum(dir)) {
      integrity = true;
      sum_problems.push_back(
          {{"file", d.file_name}, {"kind", std::string(mg::to_string(d.kind))}, {"detail", d.detail}});
      lines.push_back(d.file_name + ": " + std::string(mg::to_string(d.kind)) +
                      (d.detail.empty() ? "" : " (" + d.detail + ")"));
    }
  }
  auto db_problems = nlohmann::json::array();
  if (!f.offline) {
    mg::run_options o;
    o.schema = f.c.schema;
    auto cx = ctx.connect();
    for (const auto& e : mg::status(cx, dir, o).entries) {
      const bool bad_integrity = integrity_problem(e.state);
      const bool bad_state = dirty_state(e.state);
      if (!bad_integrity && !bad_state) continue;
      integrity = integrity || bad_integrity;
      dirty = dirty || bad_state;
      db_problems.push_back({{"version", e.version}, {"name", e.name}, {"state", std::string(mg::to_string(e.state))}});
      lines.push_back(e.name + ": " + std::string(mg::to_string(e.state)) +
                      (e.state == mg::state::modified  ? " (its up file changed since it was applied)"
                       : e.state == mg::state::missing ? " (applied, but its file is gone)"
                                                       : " (" + e.error + ")"));
    }
  }
  const bool ok = !integrity && !dirty;
  if (json_mode(f.c)) {
    std::cout
        << nlohmann::json{{"ok", ok}, {"offline", f.offline}, {"sum", sum_problems}, {"database", db_problems}}.dump(2)
        << "\n";
  } else {
    for (const auto& l : lines) std::cout << l << "\n";
    ctx.note(ok ? "valid" : "invalid");
  }
  if (integrity) return static_cast<int>(exit_code::integrity);
  if (dirty) return static_cast<int>(exit_code::dirty);
  return 0;
}

// The JSON report of `migrate hash`.
auto sum_json(const fs::path& file, const mg::sum_file& sum, bool dry) -> nlohmann::json {
  auto files = nlohmann::json::array();
  for (const auto& e : sum.entries) files.push_back({{"file", e.file_name}, {"hash", e.hash}});
  return {{"action", "hash"}, {"dry_run", dry}, {"sum", file.string()}, {"total", sum.total}, {"files", files}};
}

auto run_hash(context& ctx, const std::string& given, const std::string& format) -> int {
  const auto dir = migrations_dir(ctx, given);
  if (format == "json") {
    if (!ctx.dry_run()) mg::write_sum(dir);
    print_json_report(sum_json(dir / "pgpx.sum", ctx.dry_run() ? mg::compute_sum(dir) : mg::read_sum(dir / "pgpx.sum"),
                               ctx.dry_run()));
    return 0;
  }
  if (ctx.dry_run()) {
    std::cout << "would write " << (dir / "pgpx.sum").string() << ":\n" << mg::format_sum(mg::compute_sum(dir));
    ctx.note("dry run: nothing was written");
    return 0;
  }
  mg::write_sum(dir);
  const auto sum = mg::read_sum(dir / "pgpx.sum");
  std::cout << (dir / "pgpx.sum").string() << ": " << sum.total << " (" << sum.entries.size() << " files)\n";
  return 0;
}

// ---- mark / baseline / repair ----

auto run_mark(context& ctx, const mark_flags& f) -> int {
  if (f.applied == f.pending) throw usage_error("give exactly one of --applied and --pending");
  const auto dir = migrations_dir(ctx, f.c.dir);
  mg::run_options o;
  fill_run(ctx, f.c, o);
  auto cx = ctx.connect();
  mg::mark(cx, dir, f.version, f.applied, f.reason, o);
  const char* const as = f.applied ? "applied" : "pending";
  if (json_mode(f.c))
    std::cout << nlohmann::json{{"dry_run", o.dry_run}, {"version", f.version}, {"marked", as}}.dump(2) << "\n";
  else std::cout << (o.dry_run ? "would mark " : "marked ") << f.version << " " << as << "\n";
  return 0;
}

auto run_baseline(context& ctx, const mark_flags& f) -> int {
  if (!f.reason.empty() && !f.description.empty()) throw usage_error("give --reason or --description, not both");
  const auto dir = migrations_dir(ctx, f.c.dir);
  mg::run_options o;
  fill_run(ctx, f.c, o);
  auto cx = ctx.connect();
  const auto done = mg::baseline(cx, dir, f.version, f.reason.empty() ? f.description : f.reason, o);
  if (json_mode(f.c)) {
    std::cout << nlohmann::json{{"dry_run", o.dry_run}, {"baseline", done}}.dump(2) << "\n";
  } else {
    for (const auto& v : done) std::cout << (o.dry_run ? "would record " : "recorded ") << v << " as baseline\n";
    if (done.empty()) ctx.note("nothing to record: every migration up to " + f.version + " is recorded already");
  }
  return 0;
}

auto run_repair(context& ctx, const repair_flags& f) -> int {
  if (!f.checksums && !f.clear_failed) throw usage_error("give --checksums and/or --clear-failed");
  const auto dir = migrations_dir(ctx, f.c.dir);
  mg::run_options o;
  fill_run(ctx, f.c, o);
  auto cx = ctx.connect();
  const auto done = mg::repair(cx, dir, {f.checksums, f.clear_failed, f.reason}, o);
  if (json_mode(f.c)) {
    std::cout << nlohmann::json{{"dry_run", o.dry_run}, {"changes", done}}.dump(2) << "\n";
  } else {
    for (const auto& l : done) std::cout << (o.dry_run ? "would repair " : "repaired ") << l << "\n";
    if (done.empty()) ctx.note("nothing to repair");
  }
  return 0;
}

// ---- registration ----

// The migration lock's wait is the global --lock-timeout (given before or after the command).
void add_common(CLI::App* cmd, common_flags& c, bool dry_run) {
  cmd->add_option("-d,--dir", c.dir, "The migrations directory (default: <project>/migrations)");
  cmd->add_option("--schema", c.schema, "Schema of the tracking tables (default: pgpx)");
  cmd->add_option("--format", c.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  if (dry_run)
    cmd->add_flag("--dry-run", c.dry_run, "Print the plan (and SQL); write nothing, not even the tracking tables");
}

const char* const exit_codes_footer =
    "Exit codes: 0 ok, 1 error, 2 usage, 4 checksum/pgpx.sum/order integrity, 5 lint, 6 lock timeout, "
    "8 cannot connect, 9 SQL error, 10 invalid input, 11 timeout, 12 partial or failed migration state.";

auto add_create(CLI::App& parent, const std::string& name, context& ctx, action_fn& action) -> CLI::App* {
  static create_flags f;
  auto* cmd = parent.add_subcommand(name, "Create an up/down pair of migration files and rewrite pgpx.sum");
  cmd->add_option("name", f.name, "The migration's slug, [a-z0-9_]+")->required();
  cmd->add_option("-d,--dir", f.dir, "The migrations directory (default: <project>/migrations)");
  cmd->add_option("--format", f.format, "text or json (what was written)")->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--irreversible", f.irreversible, "No down file: rollback refuses this migration");
  cmd->add_flag("--no-tx", f.no_tx, "Add `-- pgpx: no-transaction` (for CREATE INDEX CONCURRENTLY and the like)");
  cmd->add_flag("--seq", f.seq, "Number by sequence (0001, 0002...) in a new directory");
  cmd->add_flag("--ts", f.ts, "Number by UTC timestamp YYYYMMDDHHMMSS (the default) in a new directory");
  cmd->add_flag("--from-diff", f.from_diff,
                "Fill the files with the diff from the migrations to the desired schema (= `pgpx migrate diff`)");
  add_migrate_diff_flags(cmd, f.diff);
  cmd->add_flag("--dry-run", f.diff.dry_run, "With --from-diff: print the files, write nothing");
  cmd->footer(
      "Examples:\n  pgpx migrate create add_users\n  pgpx new idx_users_email --no-tx\n"
      "An existing directory keeps its numbering style. Exit codes: 0 ok, 2 usage, 10 invalid directory.");
  cmd->callback([&] { action = [&] { return run_create(ctx, f); }; });
  return cmd;
}

auto add_apply(CLI::App& parent, const std::string& name, context& ctx, action_fn& action) -> CLI::App* {
  static apply_flags f;
  auto* cmd = parent.add_subcommand(name, "Apply pending migrations (lock, validate, lint, apply)");
  add_common(cmd, f.c, true);
  cmd->add_option("--to", f.to, "Apply up to and including this version");
  cmd->add_option("--steps", f.steps, "Apply at most N pending migrations");
  cmd->add_option("--tx", f.tx, "Transactions: file (one per migration, default), all (one for the batch), none")
      ->check(CLI::IsMember({"file", "all", "none"}));
  cmd->add_flag("--allow-out-of-order", f.allow_out_of_order, "Apply pending migrations older than the newest applied");
  cmd->add_flag("--allow-modified", f.allow_modified, "Accept applied migrations whose up file changed (a warning)");
  cmd->add_flag("--allow-missing", f.allow_missing, "Accept applied migrations whose files are gone (a warning)");
  cmd->add_flag("--no-lint", f.no_lint, "Do not lint the files to apply");
  cmd->add_flag("--resume", f.resume, "Continue a partial no-transaction migration from its first statement not done");
  cmd->add_option("--baseline", f.baseline,
                  "On a database without recorded migrations: record V and every older one as baseline, then "
                  "apply the newer ones");
  cmd->footer(std::string("Examples:\n  pgpx migrate apply\n  pgpx up --to 20250102090000 --dry-run\n"
                          "  pgpx migrate apply --steps 1 --format json\n") +
              exit_codes_footer);
  cmd->callback([&] { action = [&] { return run_apply(ctx, f); }; });
  return cmd;
}

auto add_rollback(CLI::App& parent, const std::string& name, context& ctx, action_fn& action) -> CLI::App* {
  static rollback_flags f;
  auto* cmd = parent.add_subcommand(name, "Roll back applied migrations with their down files, newest first");
  add_common(cmd, f.c, true);
  cmd->add_option("--steps", f.steps, "Roll back the N newest (default 1)");
  cmd->add_option("--to", f.to, "Roll back every migration newer than this version");
  cmd->add_flag("--all", f.all, "Roll back every applied migration");
  cmd->add_flag("--force", f.force,
                "Un-apply migrations without a down file (their rows removed, nothing run); asks for a typed "
                "confirmation, or --yes");
  cmd->add_option("--reason", f.reason, "With --force: why (written to pgpx.migration_log)");
  cmd->add_flag("--no-lint", f.no_lint, "Do not lint the down files for data loss");
  cmd->footer(
      std::string("Examples:\n  pgpx migrate rollback\n  pgpx down --steps 2 --dry-run\n"
                  "  pgpx migrate rollback --force --reason \"0005 was applied by mistake\"\n"
                  "An irreversible migration (no down file) is refused (nothing is rolled back) unless --force.\n"
                  "A down file that drops a table or column, truncates or deletes without WHERE is refused\n"
                  "(exit 5) unless its header says `-- pgpx: lint-ignore=DS101 reason=\"...\"`, or --no-lint.\n") +
      exit_codes_footer);
  cmd->callback([&] { action = [&] { return run_rollback(ctx, f); }; });
  return cmd;
}

}  // namespace

void add_migrate_run_commands(CLI::App& app, CLI::App& migrate, context& ctx, action_fn& action) {
  add_create(migrate, "create", ctx, action);
  add_apply(migrate, "apply", ctx, action);
  add_rollback(migrate, "rollback", ctx, action);
  add_create(app, "new", ctx, action)->description("Alias of `pgpx migrate create`");
  add_apply(app, "up", ctx, action)->description("Alias of `pgpx migrate apply`");
  add_rollback(app, "down", ctx, action)->description("Alias of `pgpx migrate rollback`");

  {
    static rollback_flags f;
    auto* cmd = migrate.add_subcommand("redo", "Roll back the newest N migrations (default 1) and apply them again");
    add_common(cmd, f.c, true);
    cmd->add_option("--steps", f.steps, "How many (default 1)");
    cmd->add_flag("--no-lint", f.no_lint, "Do not lint the down and up files");
    cmd->footer(std::string("In a protected environment it needs --yes.\n") + exit_codes_footer);
    cmd->callback([&] { action = [&] { return run_redo(ctx, f); }; });
  }
  {
    static status_flags f;
    auto* cmd = migrate.add_subcommand("status", "Every migration's state: applied, pending, modified, missing, ...");
    add_common(cmd, f.c, false);
    cmd->add_flag("--exit-code", f.exit_code,
                  "Exit 3 when migrations are pending, 4 when one is modified or missing, 12 when one is partial "
                  "or failed");
    cmd->footer(
        "Examples:\n  pgpx migrate status\n  pgpx migrate status --exit-code --format json\n"
        "Exit codes: 0 ok, 3 pending (--exit-code), 4 modified/missing (--exit-code), 8 cannot connect, "
        "12 partial/failed (--exit-code).");
    cmd->callback([&] { action = [&] { return run_status(ctx, f); }; });
  }
  {
    static validate_flags f;
    auto* cmd =
        migrate.add_subcommand("validate", "Check the files against pgpx.sum and (unless --offline) the database");
    add_common(cmd, f.c, false);
    cmd->add_flag("--offline", f.offline, "Check only pgpx.sum against the files (no database)");
    cmd->footer(
        "Exit codes: 0 valid, 4 integrity (pgpx.sum missing or not matching, applied file changed or gone), "
        "10 a malformed file, 12 partial/failed state.");
    cmd->callback([&] { action = [&] { return run_validate(ctx, f); }; });
  }
  {
    static std::string dir;
    static std::string format = "text";
    auto* cmd = migrate.add_subcommand("hash", "Rewrite pgpx.sum after an intentional edit");
    cmd->add_option("-d,--dir", dir, "The migrations directory (default: <project>/migrations)");
    cmd->add_option("--format", format, "text or json")->check(CLI::IsMember({"text", "json"}));
    cmd->callback([&] { action = [&] { return run_hash(ctx, dir, format); }; });
  }
  {
    static mark_flags f;
    auto* cmd = migrate.add_subcommand("mark", "Record a migration as applied or pending without running it (audited)");
    add_common(cmd, f.c, true);
    cmd->add_option("version", f.version, "The version")->required();
    cmd->add_flag("--applied", f.applied, "Record it as applied (with the file's current checksum)");
    cmd->add_flag("--pending", f.pending, "Remove its tracking row");
    cmd->add_option("--reason", f.reason, "Why (written to pgpx.migration_log)");
    cmd->footer(exit_codes_footer);
    cmd->callback([&] { action = [&] { return run_mark(ctx, f); }; });
  }
  {
    static mark_flags f;
    auto* cmd = migrate.add_subcommand(
        "baseline", "Adopt an existing database: record V and every older migration as applied (state baseline)");
    add_common(cmd, f.c, true);
    cmd->add_option("version", f.version, "The version")->required();
    cmd->add_option("--reason", f.reason, "Why (written to pgpx.migration_log)");
    cmd->add_option("--description", f.description, "The same as --reason");
    cmd->footer(exit_codes_footer);
    cmd->callback([&] { action = [&] { return run_baseline(ctx, f); }; });
  }
  {
    static repair_flags f;
    auto* cmd = migrate.add_subcommand("repair", "Re-stamp changed checksums or clear failed rows (audited)");
    add_common(cmd, f.c, true);
    cmd->add_flag("--checksums", f.checksums, "Record the current checksum of applied migrations whose file changed");
    cmd->add_flag("--clear-failed", f.clear_failed, "Remove partial and failed rows (the migration becomes pending)");
    cmd->add_option("--reason", f.reason, "Why (written to pgpx.migration_log)");
    cmd->footer(exit_codes_footer);
    cmd->callback([&] { action = [&] { return run_repair(ctx, f); }; });
  }
}

}  // namespace pgpx::cli
