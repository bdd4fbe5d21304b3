// examples/quickstart: connect, create a table, write and read typed rows, use a transaction.
//
// The connection comes from pgpx's configuration: --url-like PGPX_DATABASE_URL or
// DATABASE_URL, libpq's PG* variables, pgpx.toml, or the project's local server once
// `pgpx dev up` ran. Build with the project and run: ./build/dev/examples/quickstart/quickstart
#include <pgpx/pgpx.hpp>

#include <iostream>

struct author {
  std::int64_t id;
  std::string name;
  std::optional<std::string> bio;
  pgpx::timestamptz created_at;
};

int main() try {
  auto cfg = pgpx::config::load();
  pgpx::connection cx{cfg.connection(), pgpx::connection_options_of(cfg)};

  cx.execute_script(
      "create temporary table authors ("
      "  id int8 generated always as identity primary key,"
      "  name text not null unique,"
      "  bio text,"
      "  created_at timestamptz not null default now())");

  // Every value is a bound parameter; statements are prepared and cached.
  cx.execute("insert into authors (name, bio) values ($1, $2)", "Ada", std::optional<std::string>{"Analyst"});
  cx.execute("insert into authors (name, bio) values ($1, $2)", "Edgar", std::optional<std::string>{});

  for (const auto& a : cx.query<author>("select * from authors order by id"))
    std::cout << a.id << " " << a.name << " " << a.bio.value_or("(no bio)") << "\n";

  {
    pgpx::transaction tx{cx};
    tx.execute("update authors set bio = $1 where name = $2", "Relational model", "Edgar");
    tx.commit();
  }

  try {
    cx.execute("insert into authors (name) values ($1)", "Ada");
  } catch (const pgpx::sql_error& e) {
    if (pgpx::is_unique_violation(e)) std::cout << "Ada exists already\n";
  }

  const auto n = cx.query_value<std::int64_t>("select count(*) from authors where bio is not null");
  std::cout << n << " authors have a bio\n";
  return n == 2 ? 0 : 1;
} catch (const pgpx::error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
