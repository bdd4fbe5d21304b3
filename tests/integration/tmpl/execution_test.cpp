// Templates rendered and run on a real server: result mapping, typed parameters, the SQL
// filters against PostgreSQL's own parser, server error positions mapped to template lines.
#include "support/test_db.hpp"

#include <pgpx/core/transaction.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/tmpl/library.hpp>
#include <pgpx/types.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace pgpx::tmpl;

namespace {

struct book {
  std::int64_t id;
  std::string title;
  std::optional<std::string> subtitle;
};

struct book_camel {
  std::int64_t bookId;
  std::string bookTitle;
};

}  // namespace

template <>
inline constexpr auto pgpx::naming_of<book_camel> = pgpx::naming::snake_case;

namespace {

class tmpl_exec : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    dir_ = fs::temp_directory_path() / ("pgpx-tmpl-exec-" + std::to_string(::getpid()) + "-" + database_name());
    fs::create_directories(dir_);
    cx().execute_script(
        "create table books (id int8 generated always as identity primary key, title text not null, subtitle text,"
        " tags text[] not null default '{}', meta jsonb, price numeric, uid uuid, published date, at timestamptz);"
        "insert into books (title, subtitle, tags) values ('SQL', null, '{db,sql}'), ('C++', 'the language', '{cpp}'),"
        " ('100% pure', null, '{}')");
  }
  void TearDown() override {
    fs::remove_all(dir_);
    db_test::TearDown();
  }
  void write(const std::string& name, const std::string& text) {
    const auto p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  auto lib() -> library { return library{dir_}; }

  fs::path dir_;
};

TEST_F(tmpl_exec, query_maps_rows_into_structs) {
  write("books/search.sql.j2",
        "{#- pgpx\nparams:\n  term: text?\n  ids: int8[]?\n  sort: ident oneof(id, title)?\nreturns: many book\n-#}\n"
        "select id, title, subtitle from books\n"
        "{% where %}\n"
        "  {% if term %}and title ilike {{ term | like }}{% endif %}\n"
        "  {% if ids is defined %}and id = any({{ ids | any }}){% endif %}\n"
        "{% endwhere %}\n"
        "order by {{ sort if sort else 'id' | ident }}");
  auto q = lib();
  auto all = q.query<book>(cx(), "books/search");
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[1].subtitle, "the language");
  auto some = q.query<book>(cx(), "books/search", {{"term", "%"}});
  ASSERT_EQ(some.size(), 1U);  // % is escaped: only the title containing a literal %
  EXPECT_EQ(some[0].title, "100% pure");
  EXPECT_TRUE(q.query<book>(cx(), "books/search", {{"ids", std::vector<std::int64_t>{}}}).empty());
  auto by_ids = q.query<book>(cx(), "books/search", {{"ids", std::vector<std::int64_t>{3, 1}}, {"sort", "title"}});
  ASSERT_EQ(by_ids.size(), 2U);
  EXPECT_EQ(by_ids[0].title, "100% pure");
  EXPECT_EQ(by_ids[1].title, "SQL");
}

TEST_F(tmpl_exec, naming_strategies_map_columns) {
  write("camel.sql", "select id as book_id, title as book_title from books where id = {{ id }}");
  auto rows = lib().query<book_camel>(cx(), "camel", {{"id", 2}});
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].bookId, 2);
  EXPECT_EQ(rows[0].bookTitle, "C++");
}

TEST_F(tmpl_exec, extra_columns_are_ignored_or_refused_by_policy) {
  write("wide.sql", "select id, title, subtitle, tags, price from books order by id");
  write("wide_one.sql", "select id, title, subtitle, tags, price from books where id = 1");
  EXPECT_EQ(lib().query<book>(cx(), "wide").size(), 3U);  // default: ignored
  library_options o;
  o.search_paths = {dir_};
  o.extra_columns = extra_column_policy::error;
  library strict{o};
  for (int which = 0; which < 4; ++which) {
    try {
      if (which == 0) (void)strict.query<book>(cx(), "wide");
      if (which == 1) (void)strict.query_optional<book>(cx(), "wide_one");
      if (which == 2) (void)strict.query_one<book>(cx(), "wide_one");
      if (which == 3)
        for (const book& b : strict.stream<book>(cx(), "wide")) (void)b;
      FAIL() << "extra columns must be refused (" << which << ")";
    } catch (const pgpx::conversion_error& e) {
      EXPECT_NE(e.message().find("\"tags\", \"price\""), std::string::npos) << which << ": " << e.message();
      EXPECT_NE(e.message().find("wide"), std::string::npos) << e.message();
    }
  }
  write("narrow.sql", "select id, title, subtitle from books where id = 2");
  EXPECT_EQ(strict.query_one<book>(cx(), "narrow").title, "C++");
  EXPECT_EQ(cx().query_value<std::int64_t>("select 1"), 1);  // the connection is still usable
}

TEST_F(tmpl_exec, a_member_matching_two_columns_is_an_error_with_the_columns) {
  write("dup.sql", "select b.*, c.id from books b join books c on c.id = b.id");
  try {
    (void)lib().query<book>(cx(), "dup");
    FAIL();
  } catch (const pgpx::conversion_error& e) {
    EXPECT_NE(e.message().find("matches more than one column"), std::string::npos) << e.message();
  }
}

TEST_F(tmpl_exec, one_optional_value_and_execute) {
  write("one.sql.j2", "select id, title, subtitle from books where id = {{ id }}");
  write("count.sql.j2", "select count(*) from books where title <> {{ not_title }}");
  write(
      "rename.sql.j2",
      "update books {% set_list %}title = {{ title }},{% if sub is defined %} subtitle = {{ sub }},{% endif %}{% endset_list %} where id = {{ id }}");
  auto q = lib();
  EXPECT_EQ(q.query_one<book>(cx(), "one", {{"id", 1}}).title, "SQL");
  EXPECT_FALSE(q.query_optional<book>(cx(), "one", {{"id", 99}}));
  EXPECT_EQ(q.query_value<std::int64_t>(cx(), "count", {{"not_title", "SQL"}}), 2);
  try {
    (void)q.query_one<book>(cx(), "one", {{"id", 99}});
    FAIL();
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.kind(), pgpx::error_kind::row_count);
    EXPECT_NE(e.message().find("one.sql.j2"), std::string::npos);
  }
  {
    pgpx::transaction tx{cx()};
    EXPECT_EQ(q.execute(tx, "rename", {{"title", "SQL!"}, {"sub", "again"}, {"id", 1}}), 1U);
    tx.commit();
  }
  EXPECT_EQ(cx().query_value<std::string>("select title || '/' || subtitle from books where id = 1"), "SQL!/again");
}

TEST_F(tmpl_exec, a_rendered_template_is_a_statement_value_for_every_executor) {
  write("by_title.sql.j2", "select id, title, subtitle from books where title = any({{ titles | any }}) order by id");
  write("retitle.sql.j2", "update books set subtitle = {{ sub }} where id = {{ id }}");
  auto q = lib();
  std::vector<std::string> titles{"SQL", "C++"};
  const auto s = q.render("by_title", {{"titles", titles}}).statement<book>();
  titles.clear();  // the statement holds its own values
  EXPECT_NE(s.sql().find("any($1)"), std::string::npos) << s.sql();
  const auto rows = cx().query(s);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[1].title, "C++");
  // The same value in a pipeline batch, beside a statement without rows.
  pgpx::batch b;
  b.add(q.render("retitle", {{"sub", "v2"}, {"id", 1}}).statement()).add(s);
  const auto out = pgpx::run_batch(cx(), b);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.results[1].as<book>()[0].subtitle, "v2");
  // Parameter names travel with the values (the query log masks secrets by them).
  const auto named = q.render("retitle", {{"sub", "x"}, {"id", 2}}).statement();
  ASSERT_EQ(named.params().names().size(), 2U);
  EXPECT_EQ(named.params().names()[0], "sub");
  EXPECT_EQ(named.params().names()[1], "id");
}

TEST_F(tmpl_exec, typed_values_bind_with_their_types) {
  write("ins.sql.j2",
        "insert into books (title, tags, meta, price, uid, published, at) values "
        "({{ title }}, {{ tags }}, {{ meta | jsonb }}, {{ price }}, {{ uid }}, {{ day }}, {{ at }}) returning id");
  const auto uid = pgpx::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  const pgpx::timestamptz at = std::chrono::sys_days{std::chrono::year{2024} / 2 / 29} + std::chrono::hours(13);
  const auto id =
      lib().query_value<std::int64_t>(cx(), "ins",
                                      {{"title", "typed"},
                                       {"tags", std::vector<std::string>{"a b", "c\"d", "e\\f"}},
                                       {"meta", value(nlohmann::json::parse(R"({"k": [1, "x"], "n": null})"))},
                                       {"price", pgpx::numeric("19.990")},
                                       {"uid", uid},
                                       {"day", pgpx::date{std::chrono::year{2024} / 2 / 29}},
                                       {"at", at}});
  const auto row = cx().query_one<
      std::tuple<std::vector<std::string>, nlohmann::json, pgpx::numeric, pgpx::uuid, pgpx::date, pgpx::timestamptz>>(
      "select tags, meta, price, uid, published, at from books where id = $1", id);
  EXPECT_EQ(std::get<0>(row), (std::vector<std::string>{"a b", "c\"d", "e\\f"}));
  EXPECT_EQ(std::get<1>(row), nlohmann::json::parse(R"({"k": [1, "x"], "n": null})"));
  EXPECT_EQ(std::get<2>(row).to_string(), "19.990");
  EXPECT_EQ(std::get<3>(row), uid);
  EXPECT_EQ(std::get<4>(row), (pgpx::date{std::chrono::year{2024} / 2 / 29}));
  EXPECT_EQ(std::get<5>(row), at);
  // Each value reached the server with its own type, not as text the server had to guess.
  write("types.sql.j2",
        "select pg_typeof({{ price }})::text, pg_typeof({{ uid }})::text, pg_typeof({{ day }})::text, "
        "pg_typeof({{ at }})::text, pg_typeof({{ n }})::text, pg_typeof({{ meta | jsonb }})::text");
  const auto types =
      lib().query_one<std::tuple<std::string, std::string, std::string, std::string, std::string, std::string>>(
          cx(), "types",
          {{"price", pgpx::numeric("19.990")},
           {"uid", uid},
           {"day", pgpx::date{std::chrono::year{2024} / 2 / 29}},
           {"at", at},
           {"n", 1},
           {"meta", value(nlohmann::json::parse("[1]"))}});
  EXPECT_EQ(types,
            std::make_tuple(std::string("numeric"), std::string("uuid"), std::string("date"),
                            std::string("timestamp with time zone"), std::string("bigint"), std::string("jsonb")));
}

TEST_F(tmpl_exec, declared_types_reach_the_server) {
  write(
      "decl.sql.j2",
      "{#- pgpx\nparams:\n  n: int4\n  d: numeric\n  u: uuid\n  ids: int4[]\n-#}\n"
      "select pg_typeof({{ n }})::text, pg_typeof({{ d }})::text, pg_typeof({{ u }})::text, pg_typeof({{ ids }})::text");
  const auto r = lib().query_one<std::tuple<std::string, std::string, std::string, std::string>>(
      cx(), "decl",
      {{"n", 1}, {"d", "2.50"}, {"u", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, {"ids", std::vector<int>{1, 2}}});
  EXPECT_EQ(r, std::make_tuple(std::string("integer"), std::string("numeric"), std::string("uuid"),
                               std::string("integer[]")));
}

TEST_F(tmpl_exec, sql_filters_against_the_server) {
  write("f.sql.j2",
        "select count(*) from books where id in {{ ids | in }} and {{ col | ident }} = any({{ titles | any }})"
        " and title like {{ p | like('prefix') }} escape '\\'");
  EXPECT_EQ(lib().query_value<std::int64_t>(cx(), "f",
                                            {{"ids", std::vector<int>{1, 2, 3}},
                                             {"col", "title"},
                                             {"titles", std::vector<std::string>{"SQL", "100% pure"}},
                                             {"p", "100%"}}),
            1);
  write("ins_many.sql.j2", "insert into books (title, subtitle) values {{ rows | values(['title', 'subtitle']) }}");
  EXPECT_EQ(
      lib().execute(cx(), "ins_many",
                    {{"rows", value(nlohmann::json::parse(
                                  R"([{"title": "a", "subtitle": null}, {"title": "b'); --", "subtitle": "x"}])"))}}),
      2U);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from books where title = 'b''); --'"), 1);
  write("page.sql.j2", "select id from books order by id {{ paginate(page, 2) }}");
  EXPECT_EQ(lib().query<std::int64_t>(cx(), "page", {{"page", 2}}), (std::vector<std::int64_t>{3, 4}));
  write("total.sql.j2", "select id, {{ count_over() }} as total from books order by id limit 1");
  EXPECT_EQ((lib().query_one<std::tuple<std::int64_t, std::int64_t>>(cx(), "total")),
            std::make_tuple(std::int64_t{1}, std::int64_t{5}));
}

TEST_F(tmpl_exec, server_errors_point_at_the_template_line) {
  write("_partials/cond.sql.j2", "title = {{ s }}\n  and nosuchcolumn = 1");
  write("broken.sql.j2", "select id\nfrom books\nwhere {% include '_partials/cond' %}");
  try {
    (void)lib().query<std::int64_t>(cx(), "broken", {{"s", "x"}});
    FAIL();
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "42703");
    EXPECT_GT(e.info().position, 0);
    EXPECT_NE(e.message().find("at _partials/cond.sql.j2:2:7"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("and nosuchcolumn = 1"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("^"), std::string::npos) << e.message();
    EXPECT_EQ(e.statement(), "select id\nfrom books\nwhere title = $1\n  and nosuchcolumn = 1");
  }
  write("typo.sql.j2", "select id from books where title = {{ t }} ordr by id");
  try {
    (void)lib().query<std::int64_t>(cx(), "typo", {{"t", "x"}});
    FAIL();
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "42601");
    EXPECT_NE(e.message().find("at typo.sql.j2:1:44"), std::string::npos) << e.message();
  }
  // Literals before the error are masked in the error's statement (their length changes),
  // and the template position still points at the failing word.
  write("lits.sql.j2", "select 'a much longer literal' as a, $$x$$ as b, id\nfrom books where nosuch = {{ t }}");
  try {
    (void)lib().query<std::int64_t>(cx(), "lits", {{"t", "x"}});
    FAIL();
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "42703");
    EXPECT_NE(e.message().find("at lits.sql.j2:2:18"), std::string::npos) << e.message();
    EXPECT_EQ(e.statement().find("longer literal"), std::string::npos) << e.statement();
    EXPECT_EQ(e.statement().substr(static_cast<std::size_t>(e.info().position - 1), 6), "nosuch") << e.statement();
  }
}

TEST_F(tmpl_exec, template_errors_never_reach_the_server) {
  write("bad.sql.j2", "select * from books where title like '%{{ q }}%'");
  EXPECT_THROW((void)lib().query<book>(cx(), "bad", {{"q", "x"}}), template_error);
  const auto before = cx().query_value<std::int64_t>("select count(*) from books");
  write("undef.sql.j2", "delete from books where id = {{ idd }}");
  EXPECT_THROW((void)lib().execute(cx(), "undef", {{"id", 1}}), template_error);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from books"), before);
}

TEST_F(tmpl_exec, keyset_pagination_walks_every_row_once) {
  cx().execute_script(
      "create table ev (id int8 primary key, at timestamptz not null);"
      "insert into ev select g, '2024-01-01'::timestamptz + (g % 7) * interval '1 hour' from generate_series(1, 53) g");
  write("ev.sql.j2",
        "select id, at from ev {% keyset after=cursor by=['at', 'id'] dir='DESC' %}{% endkeyset %} limit 10");
  auto q = lib();
  value cursor;
  std::set<std::int64_t> seen;
  int pages = 0;
  for (;;) {
    const auto rows = q.query<std::tuple<std::int64_t, pgpx::timestamptz>>(cx(), "ev", {{"cursor", cursor}});
    if (rows.empty()) break;
    ++pages;
    for (const auto& [id, at] : rows) EXPECT_TRUE(seen.insert(id).second) << id;
    cursor = value::map({{"at", std::get<1>(rows.back())}, {"id", std::get<0>(rows.back())}});
  }
  EXPECT_EQ(seen.size(), 53U);
  EXPECT_EQ(pages, 6);
}

// Memory stays bounded because rows are handed over as they arrive, never as a whole
// result: a statement that fails at row 3001 has already delivered rows 1..3000 (a buffered
// result would deliver none), in single-row mode and with a cursor alike.
TEST_F(tmpl_exec, stream_returns_rows_with_bounded_memory) {
  write(
      "fails_late.sql.j2",
      "select g as id, 'b' || g as title, (1 / (g - {{ bad_row }}))::text as subtitle from generate_series(1, 5000) g");
  for (const std::size_t fetch_size : {std::size_t{0}, std::size_t{1000}}) {
    std::int64_t delivered = 0;
    try {
      for (const book& b : lib().stream<book>(cx(), "fails_late", {{"bad_row", 3001}}, {.fetch_size = fetch_size})) {
        EXPECT_EQ(b.id, delivered + 1);
        ++delivered;
      }
      ADD_FAILURE() << "the division by zero at row 3001 was not reported";
    } catch (const pgpx::sql_error& e) {
      EXPECT_EQ(e.sqlstate(), "22012") << e.message();
    }
    EXPECT_EQ(delivered, 3000) << "fetch_size " << fetch_size;
    EXPECT_EQ(cx().query_value<std::int64_t>("select 1"), 1);  // the connection is usable again
  }

  write("many.sql.j2", "select g as id, 'b' || g as title, null::text as subtitle from generate_series(1, {{ n }}) g");
  std::int64_t sum = 0, count = 0;
  for (const book& b : lib().stream<book>(cx(), "many", {{"n", 5000}})) {
    sum += b.id;
    ++count;
  }
  EXPECT_EQ(count, 5000);
  EXPECT_EQ(sum, 5000 * 5001 / 2);
  std::int64_t cursor_rows = 0;
  for (const book& b : lib().stream<book>(cx(), "many", {{"n", 2500}}, {.fetch_size = 1000}))
    cursor_rows += b.id > 0 ? 1 : 0;
  EXPECT_EQ(cursor_rows, 2500);
}

}  // namespace
