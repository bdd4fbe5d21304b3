// pgpx demo: a tour of pgpx on the project's local PostgreSQL.
#include "../embedded.hpp"
#include "../interrupt.hpp"
#include "commands.hpp"

#include <pgpx/core/identifier.hpp>
#include <pgpx/core/retry.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/types.hpp>

#include <chrono>
#include <iomanip>
#include <iostream>

namespace pgpx::cli {
namespace {

struct author {
  std::int64_t id;
  std::string name;
  std::string email;
  std::optional<std::string> bio;
  pgpx::timestamptz created_at;
};

struct book {
  std::int64_t id;
  std::string title;
  std::string author;
  std::vector<std::string> tags;
  pgpx::numeric price;
  pgpx::date published;
  nlohmann::json meta;
};

constexpr const char* demo_database = "pgpx_demo";

constexpr const char* schema = R"sql(
create table authors (
  id         int8 generated always as identity primary key,
  name       varchar(80) not null,
  email      text not null unique,
  bio        text,
  created_at timestamptz not null default now()
);
create table books (
  id         int8 generated always as identity primary key,
  author_id  int8 not null references authors(id),
  title      text not null,
  tags       text[] not null default '{}',
  price      numeric(8,2) not null,
  published  date not null,
  meta       jsonb not null default '{}'
);
)sql";

void heading(int n, const std::string& title) { std::cout << "\n" << n << ". " << title << "\n"; }

auto date_string(const pgpx::date& d) -> std::string {
  std::ostringstream s;
  s << static_cast<int>(d.year()) << '-' << std::setw(2) << std::setfill('0') << static_cast<unsigned>(d.month()) << '-'
    << std::setw(2) << std::setfill('0') << static_cast<unsigned>(d.day());
  return s.str();
}

auto join(const std::vector<std::string>& v) -> std::string {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

auto run_demo(context& ctx) -> int {
  using namespace std::chrono_literals;
  std::cout << "pgpx demo: typed PostgreSQL from C++, on a server pgpx runs itself\n";

  heading(1, "The local PostgreSQL");
  embedded_cluster local{ctx.config()};
  const bool was_running = local.running();
  local.up();
  {
    pgpx::connection admin{local.cluster().conninfo("postgres")};
    cancel_on_interrupt(admin);
    std::cout << "   " << (was_running ? "reused" : "started") << " PostgreSQL "
              << admin.parameter_status("server_version") << " on port " << local.cluster().port() << " (data in "
              << local.cluster().data_dir().string() << ")\n";
    admin.execute_script("DROP DATABASE IF EXISTS " + pgpx::quote_identifier(demo_database) + " WITH (FORCE)");
    admin.execute_script("CREATE DATABASE " + pgpx::quote_identifier(demo_database));
    std::cout << "   created a fresh database \"" << demo_database << "\"\n";
  }
  pgpx::connection cx{local.cluster().conninfo(demo_database)};
  cancel_on_interrupt(cx);

  heading(2, "A schema");
  cx.execute_script(schema);
  std::cout << "   tables authors and books (identity keys, varchar, unique, timestamptz default now(),\n"
               "   text[], numeric(8,2), date, jsonb, a foreign key)\n";

  heading(3, "Writing typed rows: every value is a bound parameter, in binary");
  struct new_author {
    std::string name, email;
    std::optional<std::string> bio;
  };
  const std::vector<new_author> authors = {{"Ada Lovelace", "ada@example.org", "First programmer"},
                                           {"Edgar F. Codd", "codd@example.org", std::nullopt}};
  std::vector<std::int64_t> ids;
  for (const auto& a : authors) {
    ids.push_back(cx.query_value<std::int64_t>(
        "insert into authors (name, email, bio) values ($1, $2, $3) returning id", a.name, a.email, a.bio));
    std::cout << "   author #" << ids.back() << " " << a.name << (a.bio ? "" : " (bio: NULL)") << "\n";
  }
  const auto add_book = [&](std::int64_t author_id, const std::string& title, std::vector<std::string> tags,
                            const char* price, pgpx::date published, nlohmann::json meta) {
    return cx.query_value<std::int64_t>(
        "insert into books (author_id, title, tags, price, published, meta) values ($1, $2, $3, $4, $5, $6) "
        "returning id",
        author_id, title, tags, pgpx::numeric(price), published, meta);
  };
  using namespace std::chrono;
  add_book(ids[0], "Notes on the Analytical Engine", {"computing", "history"}, "19.99", year{1843} / 9 / 1,
           {{"pages", 66}, {"translated", true}});
  add_book(ids[1], "A Relational Model of Data", {"databases", "sql", "theory"}, "0.10", year{1970} / 6 / 1,
           {{"journal", "CACM"}, {"volume", 13}});
  add_book(ids[1], "The Relational Model for Database Management", {"databases"}, "54.50", year{1990} / 1 / 1,
           nlohmann::json::object());
  std::cout << "   3 books with text[] tags, numeric prices, dates and jsonb metadata\n";

  heading(4, "Reading rows into structs (columns matched to members by name)");
  for (const auto& a : cx.query<author>("select * from authors order by id")) {
    std::cout << "   author #" << a.id << ": " << a.name << " <" << a.email << ">, bio "
              << (a.bio ? "\"" + *a.bio + "\"" : std::string("NULL")) << "\n";
  }
  const auto books = cx.query<book>(
      "select b.id, b.title, a.name as author, b.tags, b.price, b.published, b.meta "
      "from books b join authors a on a.id = b.author_id where $1 = any(b.tags) or b.price < $2 order by b.id",
      std::string("databases"), pgpx::numeric("20"));
  for (const auto& b : books) {
    std::cout << "   book #" << b.id << ": \"" << b.title << "\" by " << b.author << ", " << b.price.to_string() << ", "
              << date_string(b.published) << ", tags [" << join(b.tags) << "], meta " << b.meta.dump() << "\n";
  }
  std::cout << "   total price (numeric, exact): "
            << cx.query_value<pgpx::numeric>("select sum(price) from books").to_string() << "\n";

  heading(5, "A transaction with a savepoint");
  {
    pgpx::transaction tx{cx};
    tx.execute("update books set price = price * $1 where author_id = $2", pgpx::numeric("0.9"), ids[1]);
    {
      pgpx::savepoint sp{tx};
      try {
        tx.execute("insert into authors (name, email) values ($1, $2)", std::string("Ada again"),
                   std::string("ada@example.org"));
      } catch (const pgpx::sql_error& e) {
        std::cout << "   caught: " << e.message() << " (SQLSTATE " << e.sqlstate()
                  << ", unique violation: " << (pgpx::is_unique_violation(e) ? "yes" : "no") << ")\n";
      }
    }  // rolled back to the savepoint; the transaction goes on
    tx.commit();
  }
  std::cout << "   committed: Codd's books now cost "
            << cx.query_value<pgpx::numeric>("select sum(price) from books where author_id = $1", ids[1]).to_string()
            << " in total\n";

  heading(6, "Errors say what went wrong and where");
  try {
    (void)cx.query<author>("select id, name from authors");
  } catch (const pgpx::conversion_error& e) {
    std::cout << "   " << e.what() << "\n";
  }
  try {
    cx.execute("select * from athors");
  } catch (const pgpx::sql_error& e) {
    std::cout << "   " << e.message() << " (SQLSTATE " << e.sqlstate() << ", at character " << e.info().position
              << ")\n";
  }

  heading(7, "Deadlines: no call waits forever");
  const auto t0 = steady_clock::now();
  try {
    pgpx::scoped_deadline d{cx, 200ms};
    cx.execute("select pg_sleep(10)");
  } catch (const pgpx::timeout_error& e) {
    std::cout << "   pg_sleep(10) with a 200 ms deadline: " << e.message() << " after "
              << duration_cast<milliseconds>(steady_clock::now() - t0).count() << " ms\n";
  }
  std::cout << "   the connection is still usable: select 1 = " << cx.query_value<int>("select 1") << "\n";

  heading(8, "Prepared statements are cached per connection");
  const auto cached_before = cx.cached_statements();
  const auto t1 = steady_clock::now();
  for (int i = 0; i < 1000; ++i)
    (void)cx.query_value<std::int64_t>("select count(*) from books where price > $1", pgpx::numeric(i % 50));
  const auto took = duration_cast<microseconds>(steady_clock::now() - t1).count();
  std::cout << "   1000 queries with different parameters: prepared once (" << cx.cached_statements() - cached_before
            << " new cached statement), " << took / 1000 << " us per query on average\n";

  std::cout << "\nDone. The local server keeps running: `pgpx dev psql` opens it, `pgpx dev down` stops it.\n";
  return 0;
}

}  // namespace

void add_demo_command(CLI::App& app, context& ctx, action_fn& action) {
  auto* demo = app.add_subcommand("demo", "A tour of pgpx on the project's local PostgreSQL");
  demo->footer(
      "Examples:\n"
      "  pgpx demo        # starts .pgpx/'s server if needed, uses a fresh database pgpx_demo\n");
  demo->callback([&] { action = [&] { return run_demo(ctx); }; });
}

}  // namespace pgpx::cli
