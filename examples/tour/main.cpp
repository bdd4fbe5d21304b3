// examples/tour: the tour of DESIGN.md ("the shape of user code"), line by line, compiled
// and run by CTest against the test cluster. Each block below is one line of the tour;
// where the program checks what the line promises, a failed check exits non-zero.
//
// Build with the project and run: ./build/dev/examples/tour/tour (PGPX_DATABASE_URL, pgpx.toml
// or `pgpx dev up` give the server).
#include <pgpx/pgpx.hpp>
#include <pgpx/orm/async.hpp>  // the ORM and the query builder, blocking and co_await
#include <pgpx/orm/bulk.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/orm/eager.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/schema/ddl.hpp>
#include <pgpx/tmpl/library.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

struct author {
  pgpx::identity<std::int64_t> id;                               // primary key, generated always as identity
  pgpx::varchar<80> name;                                        // varchar(80); length checked before insert
  pgpx::unique<std::string> email;                               // unique constraint
  std::optional<std::string> bio;                                // nullable
  pgpx::server_default<pgpx::timestamptz, "now()"> created_at;  // default now(), filled by RETURNING
};
// Table name "authors" by the default naming rule (pgpx::model<author>::table to state it).

struct book {
  pgpx::identity<std::int64_t> id;
  pgpx::references<&author::id> author_id;  // foreign key
  std::string title;
  std::vector<std::string> tags;  // text[]
  nlohmann::json meta;            // jsonb
  pgpx::deleted_at deleted_at;    // soft delete: filtered out unless with_deleted()
};

namespace {

auto check(bool ok, const char* what) -> bool {
  if (!ok) std::cerr << "tour: " << what << "\n";
  return ok;
}

auto handle(pgpx::async_pool& pool, std::int64_t& out) -> boost::asio::awaitable<void> {
  auto cx = co_await pool.acquire();
  auto n = co_await cx->query_value<std::int64_t>("select count(*) from books");
  out = n;
}

}  // namespace

int main() try {
  auto cfg = pgpx::config::load();
  auto pool = pgpx::pool::open(cfg);  // env, pgpx.toml, code
  auto cx = pool.acquire();           // lease; returns itself
  bool ok = true;

  cx->execute_script("drop table if exists books; drop table if exists authors");
  pgpx::schema::create(*cx, pgpx::models<author, book>);  // create table ... from the structs

  auto ada = pgpx::insert(*cx, author{.name = "Ada", .email = "ada@example.org"});
  // RETURNING filled ada.id and ada.created_at
  const std::string& name = ada.name;  // member access stays natural: a std::string
  ok &= check(name == "Ada" && ada.name.size() == 3, "member access");
  ok &= check(ada.id > 0 && ada.created_at.time_since_epoch().count() != 0, "insert returning");

  std::vector<author> rows =
      cx->query<author>("select * from authors where name ilike $1", "a%");  // binary, prepared, typed
  ok &= check(rows.size() == 1 && rows[0].email == "ada@example.org", "typed query");

  std::vector<book> books(3);
  for (std::size_t i = 0; i < books.size(); ++i) {
    books[i].author_id = ada.id;
    books[i].title = "SQL part " + std::to_string(i + 1);
    books[i].tags = {"sql"};
    books[i].meta = nlohmann::json{{"part", i + 1}};
  }
  pgpx::transaction tx{*cx};
  pgpx::insert_many(tx, books);  // binary COPY or pipeline
  tx.commit();
  pgpx::remove(*cx, books[0]);  // soft delete

  auto recent = pgpx::select<book>()
                    .where(pgpx::col(&book::title).ilike("%sql%"))  // deleted rows left out by itself
                    .order_by(pgpx::desc(&book::id))
                    .limit(20)
                    .with(&book::author_id)  // eager-load the authors: 2 statements
                    .all(*cx);               // pgpx::result_set<book>
  ok &= check(recent.size() == 2, "soft-deleted rows left out");
  for (const book& b : recent) {
    const author* who = recent.parent(b, &book::author_id);
    ok &= check(who != nullptr && who->name == "Ada", "eager-loaded parent");
  }

  auto q = pgpx::tmpl::library{PGPX_EXAMPLE_QUERIES};  // queries/*.sql.j2
  auto hits = q.query<book>(*cx, "books/search", {{"term", "sql"}, {"limit", 10}});
  ok &= check(hits.size() == 2, "template query");

  boost::asio::io_context io;
  pgpx::async_pool apool(io.get_executor(), cfg.connection(), {.max_size = 2});
  std::int64_t counted = -1;
  boost::asio::co_spawn(io, handle(apool, counted), boost::asio::detached);
  io.run();
  ok &= check(counted == 3, "async count");

  std::cout << "tour: " << ada.name.get() << " wrote " << recent.size() << " live books; the async count saw "
            << counted << " rows\n";
  cx->execute_script("drop table books; drop table authors");
  return ok ? 0 : 1;
} catch (const pgpx::error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
