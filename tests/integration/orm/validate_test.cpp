// Validation before ORM writes on the real server: a failing object sends nothing (seen by
// a query hook) and lists every field; the DDL's CHECK constraints come from the same
// declarations and accept every value the C++ rules accept; a server-only table check
// comes back as a constraint_error.
#include "support/test_db.hpp"
#include "support/validated_models.hpp"

#include <pgpx/orm/bulk.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace {

using validated_models::signup;

class orm_validate_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    w_ = pgpx::test::recording_connection(conninfo(), sent_);
    pgpx::schema::create(*w_, pgpx::models<signup>);
    sent_.clear();
  }
  auto w() -> pgpx::connection& { return *w_; }
  static auto valid() -> signup {
    signup s;
    s.name = "Ada";
    s.email = "ada@example.org";
    s.age = 36;
    s.tags = {"a"};
    s.score = 10;
    return s;
  }
  /// Inserts `s` with plain SQL (no C++ validation): true when the server accepts it.
  auto server_accepts(const signup& s) -> bool {
    try {
      pgpx::transaction tx{cx()};
      tx.execute(
          "insert into signups (name, email, age, handle, tags, score, starts, ends)"
          " values ($1, $2, $3, $4, $5, $6, $7, $8)",
          static_cast<const std::string&>(s.name), static_cast<const std::string&>(s.email),
          static_cast<std::int32_t>(s.age),
          s.handle ? std::optional<std::string>(*s.handle) : std::optional<std::string>(),
          static_cast<const std::vector<std::string>&>(s.tags), static_cast<std::int32_t>(s.score), s.starts, s.ends);
      return true;  // rolled back
    } catch (const pgpx::sql_error& e) {
      EXPECT_TRUE(pgpx::is_check_violation(e) || e.sqlstate() == "22001") << e.what();
      return false;
    }
  }
  std::vector<std::string> sent_;

 private:
  std::unique_ptr<pgpx::connection> w_;
};

TEST_F(orm_validate_test, an_invalid_insert_or_update_sends_nothing_and_lists_every_field) {
  signup s = valid();
  s.name = "";
  s.age = 200;
  try {
    pgpx::insert(w(), s);
    FAIL() << "an invalid object must not be inserted";
  } catch (const pgpx::validation_error& e) {
    ASSERT_EQ(e.issues().size(), 2u);
    EXPECT_EQ(e.issues()[0].path(), "name");
    EXPECT_EQ(e.issues()[1].type, "out_of_range");
  }
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(s.id, 0);

  signup ok = valid();
  pgpx::insert(w(), ok);
  ok.email = "nope";
  sent_.clear();
  EXPECT_THROW(pgpx::update(w(), ok), pgpx::validation_error);
  EXPECT_THROW(pgpx::upsert(w(), ok, pgpx::on_conflict(&signup::id)), pgpx::validation_error);
  auto t = pgpx::get_tracked<signup>(w(), ok.id);
  sent_.clear();
  t->score = 3;  // not even: a predicate, C++ only
  EXPECT_THROW(pgpx::update(w(), *t), pgpx::validation_error);
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(w().query_value<std::string>("select email from signups"), "ada@example.org");
}

TEST_F(orm_validate_test, bulk_writes_validate_every_row_and_every_new_value_first) {
  std::vector<signup> rows{valid(), valid(), valid(), valid()};
  rows[1].tags = {"a", "b", "c", "d"};
  rows[3].age = 1;
  try {
    pgpx::insert_many(w(), rows);
    FAIL();
  } catch (const pgpx::validation_error& e) {
    ASSERT_EQ(e.issues().size(), 2u);
    EXPECT_EQ(e.issues()[0].path(), "[1].tags");
    EXPECT_EQ(e.issues()[1].path(), "[3].age");
  }
  EXPECT_TRUE(sent_.empty());
  rows[1].tags = {"a"};
  rows[3].age = 13;
  EXPECT_EQ(pgpx::insert_many(w(), rows), 4u);
  sent_.clear();
  try {
    (void)pgpx::update_many<signup>(w(), pgpx::raw("true"), pgpx::set(&signup::age, 7), pgpx::set(&signup::name, ""));
    FAIL();
  } catch (const pgpx::validation_error& e) {
    ASSERT_EQ(e.issues().size(), 2u);
    EXPECT_EQ(e.issues()[0].path(), "age");
    EXPECT_EQ(e.issues()[1].path(), "name");
  }
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(pgpx::update_many<signup>(w(), pgpx::raw("true"), pgpx::set(&signup::age, 99)), 4u);
}

TEST_F(orm_validate_test, the_ddl_has_the_rules_check_constraints) {
  const auto names = w().query<std::string>(
      "select conname::text from pg_constraint where conrelid = 'signups'::regclass and contype = 'c' order by 1");
  EXPECT_EQ(names, (std::vector<std::string>{"signups_age_check", "signups_email_check", "signups_ends_after_starts",
                                             "signups_handle_check", "signups_name_check", "signups_score_check",
                                             "signups_tags_check"}));
}

// For every rule with SQL: each value the C++ rule accepts, the server accepts; values the
// C++ rule refuses (and that are not refused for control characters only) the server refuses.
TEST_F(orm_validate_test, every_value_the_cpp_rules_accept_the_server_accepts) {
  struct variant {
    const char* what;
    void (*apply)(signup&);
  };
  const std::vector<variant> variants = {
      {"valid", [](signup&) {}},
      {"empty name", [](signup& s) { s.name = ""; }},
      {"40 chars", [](signup& s) { s.name = std::string(40, 'n'); }},
      {"41 chars", [](signup& s) { s.name = std::string(41, 'n'); }},
      {"40 euro signs",
       [](signup& s) {
         std::string v;
         for (int i = 0; i < 40; ++i) v += "\xe2\x82\xac";
         s.name = v;
       }},
      {"email no dot", [](signup& s) { s.email = "a@b"; }},
      {"email dot first", [](signup& s) { s.email = "a@.b"; }},
      {"email dot last", [](signup& s) { s.email = "a@b."; }},
      {"email two dots", [](signup& s) { s.email = "a@b..c"; }},
      {"email two ats", [](signup& s) { s.email = "a@b@c.d"; }},
      {"email space", [](signup& s) { s.email = "a b@c.d"; }},
      {"email unicode", [](signup& s) { s.email = "\xc3\xa9t\xc3\xa9@d.fr"; }},
      {"age 12", [](signup& s) { s.age = 12; }},
      {"age 13", [](signup& s) { s.age = 13; }},
      {"age 130", [](signup& s) { s.age = 130; }},
      {"age 131", [](signup& s) { s.age = 131; }},
      {"handle 2", [](signup& s) { s.handle = "ab"; }},
      {"handle 3", [](signup& s) { s.handle = "abc"; }},
      {"handle 20", [](signup& s) { s.handle = std::string(20, 'h'); }},
      {"handle 21", [](signup& s) { s.handle = std::string(21, 'h'); }},
      {"no tags", [](signup& s) { s.tags = {}; }},
      {"3 tags",
       [](signup& s) {
         s.tags = {"a", "b", "c"};
       }},
      {"4 tags",
       [](signup& s) {
         s.tags = {"a", "b", "c", "d"};
       }},
      {"score -2", [](signup& s) { s.score = -2; }},
      {"score 1000", [](signup& s) { s.score = 1000; }},
      {"score 1002", [](signup& s) { s.score = 1002; }},
  };
  int accepted = 0;
  for (const auto& v : variants) {
    signup s = valid();
    v.apply(s);
    const bool cpp = pgpx::validate(s).empty();
    const bool sql = server_accepts(s);
    EXPECT_EQ(cpp, sql) << v.what;
    accepted += cpp ? 1 : 0;
  }
  EXPECT_EQ(accepted, 11);  // the test covers both sides
  // C++ is stricter on control characters only.
  signup c = valid();
  c.email = "a\t@b.c";
  EXPECT_FALSE(pgpx::validate(c).empty());
  EXPECT_TRUE(server_accepts(c));
}

TEST_F(orm_validate_test, a_server_only_table_check_comes_back_as_a_constraint_error) {
  signup s = valid();
  s.starts = 1;
  s.ends = 2;
  pgpx::insert(w(), s);
  try {
    (void)pgpx::update_many<signup>(w(), pgpx::raw("true"), pgpx::set(&signup::ends, std::optional<std::int32_t>(0)));
    FAIL();
  } catch (const pgpx::constraint_error& e) {
    EXPECT_EQ(e.constraint(), "signups_ends_after_starts");
    EXPECT_TRUE(e.members().empty());  // a table check covers no one member
    EXPECT_TRUE(pgpx::is_check_violation(e));
  }
}

}  // namespace
