// examples/migrate: an application that migrates its database at start-up through its pool,
// then shows the status and (to leave the database as it found it) rolls everything back.
#include <pgpx/migrate/migrator.hpp>
#include <pgpx/pgpx.hpp>

#include <iostream>

int main() try {
  auto cfg = pgpx::config::load();
  auto p = pgpx::pool::open(cfg, {.max_size = 2});

  // The tracking tables go to a schema of their own (`pgpx` by default).
  const pgpx::migrate::apply_options options{.schema = "example_migrate_pgpx", .lock_wait = std::chrono::seconds(10)};
  const auto report = pgpx::migrate::apply(p, PGPX_EXAMPLE_MIGRATIONS, options);
  for (const auto& m : report.migrations)
    std::cout << "applied " << m.name << (m.no_transaction ? " (no transaction)" : "") << " in " << m.duration.count()
              << " ms\n";

  p.with_connection([](pgpx::connection& cx) {
    cx.execute("insert into example_migrate.notes (body) values ($1)", std::string("hello"));
    for (const auto& e : pgpx::migrate::status(cx, PGPX_EXAMPLE_MIGRATIONS, {.schema = "example_migrate_pgpx"}).entries)
      std::cout << e.name << ": " << pgpx::migrate::to_string(e.state) << " by " << e.applied_by << '\n';
    const auto back =
        pgpx::migrate::rollback(cx, PGPX_EXAMPLE_MIGRATIONS, {.schema = "example_migrate_pgpx", .target = "0"});
    std::cout << "rolled back " << back.migrations.size() << " migrations\n";
  });
  return 0;
} catch (const pgpx::error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
