// DDL from models on the real server: the tables, constraints and indexes the catalog shows
// after schema::create, rows written with SQL and read back into the models (wrappers decode
// as their values), the foreign keys' actions, and drop in reverse order.
#include "support/orm_models.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/identifier.hpp>
#include <pgpx/core/transaction.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace {

using namespace orm_models;

class ddl_test : public pgpx::test::db_test {
 protected:
  auto constraints(const std::string& table) -> std::vector<std::tuple<std::string, std::string>> {
    return cx().query<std::tuple<std::string, std::string>>(
        "select conname::text, contype::text from pg_constraint where conrelid = $1::regclass order by conname", table);
  }
  auto indexes(const std::string& table) -> std::vector<std::tuple<std::string, std::string>> {
    return cx().query<std::tuple<std::string, std::string>>(
        "select i.relname::text, am.amname::text from pg_index x join pg_class i on i.oid = x.indexrelid"
        " join pg_am am on am.oid = i.relam where x.indrelid = $1::regclass order by 1",
        table);
  }
};

TEST_F(ddl_test, create_makes_every_table_constraint_and_index_the_models_declare) {
  {
    pgpx::transaction tx{cx()};
    pgpx::schema::create(tx, pgpx::models<book_tag, book, tag, author, category>);  // any order
    tx.commit();
  }
  using row = std::tuple<std::string, std::string>;
  EXPECT_EQ(constraints("authors"), (std::vector<row>{{"authors_email_key", "u"}, {"authors_pkey", "p"}}));
  EXPECT_EQ(constraints("books"), (std::vector<row>{{"books_author_id_fkey", "f"}, {"books_pkey", "p"}}));
  EXPECT_EQ(
      constraints("book_tags"),
      (std::vector<row>{{"book_tags_book_id_fkey", "f"}, {"book_tags_pkey", "p"}, {"book_tags_tag_id_fkey", "f"}}));
  EXPECT_EQ(constraints("categories"),
            (std::vector<row>{{"categories_parent_id_fkey", "f"}, {"categories_pkey", "p"}}));
  EXPECT_EQ(
      indexes("books"),
      (std::vector<row>{{"books_author_id_title_idx", "btree"}, {"books_pkey", "btree"}, {"books_tags_idx", "gin"}}));
  // The server agrees with the description on types, nullability and identity.
  const auto cols = cx().query<std::tuple<std::string, std::string, bool, std::string>>(
      "select attname::text, format_type(atttypid, atttypmod), attnotnull, attidentity::text from pg_attribute"
      " where attrelid = 'authors'::regclass and attnum > 0 order by attnum");
  EXPECT_EQ(cols, (std::vector<std::tuple<std::string, std::string, bool, std::string>>{
                      {"id", "bigint", true, "a"},
                      {"name", "character varying(80)", true, ""},
                      {"email", "text", true, ""},
                      {"bio", "text", false, ""},
                      {"created_at", "timestamp with time zone", true, ""}}));
  EXPECT_EQ(cx().query_value<std::string>(
                "select confdeltype::text from pg_constraint where conname = 'books_author_id_fkey'"),
            "c");  // on delete cascade
}

TEST_F(ddl_test, rows_written_with_sql_read_back_into_the_models) {
  pgpx::schema::create(cx(), pgpx::models<author, book, tag, book_tag, category>);
  const auto aid = cx().query_value<std::int64_t>(
      "insert into authors (name, email) values ('Ada', 'ada@example.org') returning id");
  cx().execute("insert into books (author_id, title, price_cents, tags, meta) values ($1, 'Notes', 100, '{a,b}', '{}')",
               aid);
  const auto a = cx().query_one<author>("select id, name, email, bio, created_at from authors");
  EXPECT_EQ(a.id, aid);
  EXPECT_EQ(a.name, "Ada");
  EXPECT_FALSE(a.bio.has_value());
  EXPECT_GT(a.created_at.time_since_epoch().count(), 0);  // filled by the server's default
  const auto b = cx().query_one<book>("select * from books");
  EXPECT_EQ(b.author_id, aid);
  EXPECT_EQ(b.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(b.deleted_at.has_value());
  // The model's own values go back as parameters through the wrappers' codecs.
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from books where author_id = $1 and title = $2",
                                           b.author_id, b.title),
            1);
  // A varchar(80) refuses 81 characters on the server (the client check is the ORM's).
  EXPECT_THROW(cx().execute("insert into authors (name, email) values ($1, 'x@y.z')", std::string(81, 'x')),
               pgpx::sql_error);
  // The self reference: a category under another.
  const auto root = cx().query_value<std::int64_t>("insert into categories (name) values ('root') returning id");
  cx().execute("insert into categories (parent_id, name) values ($1, 'child')", root);
  const auto kids = cx().query<category>("select id, parent_id, name from categories where parent_id is not null");
  ASSERT_EQ(kids.size(), 1u);
  EXPECT_EQ(*kids[0].parent_id, root);
  // on delete cascade: deleting the author deletes the book.
  cx().execute("delete from authors");
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from books"), 0);
}

TEST_F(ddl_test, a_model_in_a_schema_with_a_composite_key_and_an_include_index) {
  cx().execute_script("create schema shop");
  for (const auto& s : pgpx::schema::create_table<order_line>()) cx().execute(s);
  EXPECT_EQ(cx().query_value<std::string>("select pg_get_indexdef('shop.lines_by_sku'::regclass)"),
            "CREATE UNIQUE INDEX lines_by_sku ON shop.order_lines USING btree (sku) INCLUDE (qty)");
  cx().execute("insert into shop.order_lines (order_id, line_no, sku, qty) values (1, 1, 'a', 2)");
  const auto l = cx().query_one<order_line>("select * from shop.order_lines");
  EXPECT_EQ(l.row_version, 1);  // the version counter's default
  EXPECT_THROW(cx().execute("insert into shop.order_lines (order_id, line_no, sku, qty) values (1, 1, 'b', 2)"),
               pgpx::sql_error);  // the composite key
}

TEST_F(ddl_test, enum_columns_get_their_type_and_read_back_as_the_cpp_enum) {
  pgpx::schema::create(cx(), pgpx::models<person>);
  EXPECT_EQ(cx().query<std::string>("select unnest(enum_range(null::mood))::text"),
            (std::vector<std::string>{"sad", "ok", "happy"}));
  cx().execute("insert into persons (current, history) values ($1, $2)", mood::happy,
               std::vector<mood>{mood::sad, mood::ok});
  const auto p = cx().query_one<person>("select id, current, history, tomorrow from persons");
  EXPECT_EQ(p.current, mood::happy);
  EXPECT_EQ(p.history, (std::vector<mood>{mood::sad, mood::ok}));
  EXPECT_FALSE(p.tomorrow.has_value());
  pgpx::schema::drop(cx(), pgpx::models<person>);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from pg_type where typname = 'mood'"), 0);
}

TEST_F(ddl_test, quoted_literals_read_back_as_written) {
  // The class of texts quote_literal must survive, under both settings of
  // standard_conforming_strings: quotes, backslashes, both, multi-byte text, an empty one.
  const std::vector<std::string> texts{"plain", "it's", "a\\b", "\\", "'\\'", "", "né €", "\\'; drop table x; --"};
  for (const char* setting : {"on", "off"}) {
    cx().execute_script(std::string("set standard_conforming_strings = ") + setting);
    for (const auto& t : texts)
      EXPECT_EQ(cx().query_value<std::string>("select " + pgpx::quote_literal(t)), t) << t << " with " << setting;
  }
  cx().execute_script("reset standard_conforming_strings");
}

TEST_F(ddl_test, drop_removes_the_tables_in_reverse_order_and_a_failed_create_leaves_nothing) {
  pgpx::schema::create(cx(), pgpx::models<author, book>);
  pgpx::schema::drop(cx(), pgpx::models<author, book>);  // books first, or the FK would refuse
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from pg_class where relname in ('authors', 'books')"), 0);
  // In a transaction, a create that fails half-way (books exists already) leaves nothing.
  cx().execute_script("create table books (id int)");
  {
    pgpx::transaction tx{cx()};
    EXPECT_THROW(pgpx::schema::create(tx, pgpx::models<author, book>), pgpx::sql_error);
  }
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from pg_class where relname = 'authors'"), 0);
  // add_foreign_keys writes the keys as alter table statements (for tables created without).
  const auto fks = pgpx::schema::add_foreign_keys(pgpx::model_info<book>());
  ASSERT_EQ(fks.size(), 1u);
  EXPECT_EQ(
      fks[0].sql(),
      R"(alter table "books" add constraint "books_author_id_fkey" foreign key ("author_id") references "authors" ("id") on delete cascade)");
}

}  // namespace
