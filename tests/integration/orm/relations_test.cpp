// Loading related rows (pgpx/orm/relations.hpp) on the real server: belongs-to and
// has-many through a foreign key, one statement for any number of rows (counted with a
// query hook), NULL keys, shared parents decoded once, soft-deleted rows left out.
#include "support/loop_probe.hpp"
#include "support/orm_models.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/hooks.hpp>
#include <pgpx/orm/async.hpp>
#include <pgpx/orm/bulk.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/orm/relations.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace orm_models;

class relations_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    w_ = pgpx::test::recording_connection(conninfo(), sent_);
    pgpx::schema::create(*w_, pgpx::models<author, book, category, tag, book_tag>);
    authors_.resize(3);
    for (std::size_t i = 0; i < authors_.size(); ++i) {
      authors_[i].name = "a" + std::to_string(i);
      authors_[i].email = "a" + std::to_string(i) + "@example.org";
    }
    pgpx::insert_many(*w_, authors_);
    // 100 books: 60 by a0, 40 by a1, none by a2.
    books_.resize(100);
    for (std::size_t i = 0; i < books_.size(); ++i) {
      books_[i].author_id = authors_[i < 60 ? 0 : 1].id;
      books_[i].title = "b" + std::to_string(i);
      books_[i].meta = nlohmann::json::object();
    }
    pgpx::insert_many(*w_, books_);
    sent_.clear();
  }
  auto w() -> pgpx::connection& { return *w_; }
  std::vector<std::string> sent_;
  std::vector<author> authors_;
  std::vector<book> books_;

 private:
  std::unique_ptr<pgpx::connection> w_;
};

TEST_F(relations_test, belongs_to_loads_every_parent_in_one_statement) {
  const auto parents = pgpx::load(w(), books_, &book::author_id);
  ASSERT_EQ(sent_.size(), 1u);  // 100 books, one statement: no N+1
  EXPECT_EQ(sent_[0], R"(select "id", "name", "email", "bio", "created_at" from "authors" where "id" = any($1))");
  EXPECT_EQ(parents.rows().size(), 2u);  // shared parents are loaded and decoded once
  for (std::size_t i = 0; i < books_.size(); ++i) {
    const author* a = parents.parent(books_[i]);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->name, i < 60 ? "a0" : "a1");
  }
  EXPECT_EQ(parents.parent(books_[0]), parents.parent(books_[59]));  // the same object
  const auto one = pgpx::load_one(w(), books_[70], &book::author_id);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->email, "a1@example.org");
}

TEST_F(relations_test, has_many_loads_every_child_in_one_statement_grouped_by_owner) {
  pgpx::remove(w(), books_[5]);  // soft-deleted: left out
  sent_.clear();
  const auto shelves = pgpx::load(w(), authors_, &book::author_id);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0], R"(select "id", "author_id", "title", "price_cents", "tags", "meta", "deleted_at" from "books")"
                      R"( where "author_id" = any($1) and "deleted_at" is null order by "author_id", "id")");
  EXPECT_EQ(shelves.of(authors_[0]).size(), 59u);
  EXPECT_EQ(shelves.of(authors_[1]).size(), 40u);
  EXPECT_TRUE(shelves.of(authors_[2]).empty());
  for (const book& b : shelves.of(authors_[1])) EXPECT_EQ(b.author_id, authors_[1].id);
  EXPECT_EQ(shelves.of(authors_[0]).front().title, "b0");  // primary-key order
}

TEST_F(relations_test, null_and_missing_keys_have_no_parent_and_an_empty_range_sends_nothing) {
  category root;
  root.name = "root";
  pgpx::insert(w(), root);
  std::vector<category> cats(2);
  cats[0].name = "child";
  cats[0].parent_id = root.id;
  cats[1].name = "orphan";
  pgpx::insert_many(w(), cats);
  sent_.clear();
  const auto parents = pgpx::load(w(), cats, &category::parent_id);  // a self reference
  EXPECT_EQ(sent_.size(), 1u);
  ASSERT_NE(parents.parent(cats[0]), nullptr);
  EXPECT_EQ(parents.parent(cats[0])->name, "root");
  EXPECT_EQ(parents.parent(cats[1]), nullptr);  // NULL key
  sent_.clear();
  std::vector<book> none;
  const auto nothing = pgpx::load(w(), none, &book::author_id);
  EXPECT_TRUE(sent_.empty());
  EXPECT_TRUE(nothing.rows().empty());
  std::vector<category> orphans{cats[1]};
  EXPECT_TRUE(pgpx::load(w(), orphans, &category::parent_id).rows().empty());
  EXPECT_TRUE(sent_.empty());  // only NULL keys: nothing to ask
}

TEST_F(relations_test, many_to_many_loads_through_the_join_model_in_two_statements) {
  std::vector<tag> tags(3);
  for (std::size_t i = 0; i < tags.size(); ++i) tags[i].name = "t" + std::to_string(i);
  pgpx::insert_many(w(), tags);
  // Every book gets t0; even books t1 too; t2 is used by none.
  std::vector<book_tag> links;
  for (std::size_t i = 0; i < books_.size(); ++i) {
    links.push_back(book_tag{books_[i].id, tags[0].id});
    if (i % 2 == 0) links.push_back(book_tag{books_[i].id, tags[1].id});
  }
  pgpx::insert_many(w(), links);
  sent_.clear();
  constexpr auto tags_of_book = pgpx::through(&book_tag::book_id, &book_tag::tag_id);
  const auto rel = pgpx::load(w(), books_, tags_of_book);
  EXPECT_EQ(sent_.size(), 2u);  // 100 books: the join rows, then the tags
  EXPECT_EQ(rel.rows().size(), 2u);  // t0 and t1, each loaded once
  const auto even = rel.of(books_[0]);
  ASSERT_EQ(even.size(), 2u);
  EXPECT_EQ(even[0]->name, "t0");
  EXPECT_EQ(even[1]->name, "t1");
  ASSERT_EQ(rel.of(books_[1]).size(), 1u);
  EXPECT_EQ(rel.of(books_[1])[0], even[0]);  // the same object
  std::vector<book> none;
  sent_.clear();
  EXPECT_TRUE(pgpx::load(w(), none, tags_of_book).rows().empty());
  EXPECT_TRUE(sent_.empty());
}

TEST_F(relations_test, loading_is_awaitable_on_an_async_connection) {
  pgpx::test::run_on_io([&](boost::asio::any_io_executor ex) -> boost::asio::awaitable<void> {
    auto acx = co_await pgpx::async_connection::connect(ex, conninfo());
    const auto parents = co_await pgpx::load(acx, books_, &book::author_id);
    EXPECT_EQ(parents.rows().size(), 2u);
    const auto shelves = co_await pgpx::load(acx, authors_, &book::author_id);
    EXPECT_EQ(shelves.of(authors_[0]).size(), 60u);
    const auto tagged = co_await pgpx::load(acx, books_, pgpx::through(&book_tag::book_id, &book_tag::tag_id));
    EXPECT_TRUE(tagged.rows().empty());
  });
}

}  // namespace
