// examples/templates: SQL templates where every value is a bound parameter.
//
// The templates live in queries/ (see the files next to this one); pgpx::tmpl::library finds
// them by name, checks them when they load, and renders them into SQL with $n placeholders.
// With the CLI built, CMake also runs `pgpx template gen` on them and this example calls the
// typed functions it generates (book_queries.hpp).
#include <pgpx/pgpx.hpp>
#include <pgpx/tmpl/library.hpp>

#include "models.hpp"
#if defined(PGPX_EXAMPLE_HAS_GENERATED)
#include "book_queries.hpp"
#endif

#include <iostream>

int main() try {
  auto cfg = pgpx::config::load();
  pgpx::connection cx{cfg.connection(), pgpx::connection_options_of(cfg)};
  cx.execute_script(
      "create temporary table books (id int8 generated always as identity primary key, title text not null,"
      " tags text[] not null default '{}', author text, deleted_at timestamptz)");

  pgpx::tmpl::library q{PGPX_EXAMPLE_QUERIES};

  // A multi-row insert: one placeholder per value, renumbered, never spliced.
  const std::vector<pgpx::tmpl::value> rows = {
      pgpx::tmpl::value::map(
          {{"title", "SQL for smarties"}, {"tags", std::vector<std::string>{"sql"}}, {"author", "Celko"}}),
      pgpx::tmpl::value::map({{"title", "100% C++"}, {"tags", std::vector<std::string>{"cpp"}}, {"author", nullptr}}),
      pgpx::tmpl::value::map(
          {{"title", "'; drop table books; --"}, {"tags", std::vector<std::string>{}}, {"author", "Bobby"}}),
  };
  std::cout << "inserted " << q.execute(cx, "books/insert_many", {{"rows", rows}}) << " books\n";

  // Render without running: the SQL text never contains a value.
  const auto rendered = q.render("books/search", {{"term", "sql"}, {"limit", 10}});
  std::cout << rendered.sql() << "\n-- " << rendered.params().size() << " parameters\n";

  // Run and map rows into structs by column name.
  for (const book& b : q.query<book>(cx, "books/search", {{"term", "sql"}, {"limit", 10}}))
    std::cout << b.id << " " << b.title << " by " << b.author.value_or("(unknown)") << "\n";
  const auto tagged =
      q.query<book>(cx, "books/search", {{"tags", std::vector<std::string>{"cpp"}}, {"sort", "title"}, {"limit", 5}});
  std::cout << tagged.size() << " book tagged cpp\n";

  // Inheritance: a layout with blocks, a child that fills them and calls super().
  for (const book& b : q.query<book>(cx, "books/by_author", {{"author", "Bobby"}}))
    std::cout << "by Bobby: " << b.title << "\n";

  // Mistakes are caught before anything reaches the server, with the template position.
  try {
    (void)q.render("books/search", {{"limit", 10}, {"sort", "title; drop table books"}});
  } catch (const pgpx::tmpl::template_error& e) {
    std::cout << "refused: " << pgpx::tmpl::to_string(e.code()) << "\n";
  }

#if defined(PGPX_EXAMPLE_HAS_GENERATED)
  // The typed functions generated from the declarations.
  const auto n = book_queries::books_count(q, cx);
  const auto some = book_queries::books_search(q, cx, 10, std::string("c++"));
  std::cout << "generated: " << n << " books, " << some.size() << " matching c++\n";
  // Each has a twin that returns the statement, to run on any executor (a batch, a pool, async).
  const auto s = book_queries::books_search_statement(q, 10, std::string("c++"));
  if (cx.query(s).size() != some.size()) return 1;
#else
  const auto n = q.query_value<std::int64_t>(cx, "books/count");
#endif
  return n == 3 ? 0 : 1;
} catch (const pgpx::error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
