// Composites that name their PostgreSQL type (pgpx::composite_type<T>, pgpx/types/composite.hpp)
// against a real server: a parameter carries the composite's OID in the connection that sends
// it (so `select $1` needs no cast and the server refuses it for a column of another composite
// type), a column of another composite type is refused by name, a type the database lacks is
// refused before anything is sent, arrays, a named enum member, and the catalog refreshed
// after the type is dropped and created again.
#include "support/named_types.hpp"
#include "support/test_db.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/core/type_names.hpp>
#include <pgpx/types.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nc {
struct address {
  std::string street;
  std::optional<std::string> city;
  auto operator==(const address&) const -> bool = default;
};
struct place {  // the same shape as address, another type
  std::string street;
  std::optional<std::string> city;
};
struct tagged {  // a named composite with a named enum member (kv::mood is enum_type "mood")
  std::string name;
  kv::mood m;
  auto operator==(const tagged&) const -> bool = default;
};
struct nowhere {  // named after a type no test database has
  std::int32_t x = 0;
};
}  // namespace nc

template <>
inline constexpr bool pgpx::is_composite<nc::address> = true;
template <>
inline constexpr std::string_view pgpx::composite_type<nc::address> = "address";
template <>
inline constexpr bool pgpx::is_composite<nc::place> = true;
template <>
inline constexpr std::string_view pgpx::composite_type<nc::place> = "place";
template <>
inline constexpr bool pgpx::is_composite<nc::tagged> = true;
template <>
inline constexpr std::string_view pgpx::composite_type<nc::tagged> = "tagged";
template <>
inline constexpr bool pgpx::is_composite<nc::nowhere> = true;
template <>
inline constexpr std::string_view pgpx::composite_type<nc::nowhere> = "no_such_composite_here";

namespace {

using nc::address;
using ::testing::HasSubstr;

auto home() -> address { return {"1 Main St, \"B\"", "London"}; }

class named_composite_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script(
        "create type address as (street text, city text);"
        "create type place as (street text, city text)");
  }
};

TEST_F(named_composite_test, a_parameter_carries_the_composites_oid_so_no_cast_is_needed) {
  // `select $1` alone gives the server no context: only the parameter's OID says address
  // (unnamed, it would be text and could not be read back as a composite).
  auto r = pgpx::test::run_one(cx(), "select $1", home());
  EXPECT_EQ(r.column_type(0), pgpx::type_oid(cx(), "address"));
  EXPECT_EQ(r[0].get<address>(0), home());
  // The server parsed the literal into fields: quotes, comma and space survived.
  EXPECT_EQ(cx().query_value<std::string>("select ($1).street", home()), home().street);
  EXPECT_EQ(cx().query_value<bool>("select ($1).city is null", address{"x", std::nullopt}), true);
  EXPECT_EQ(cx().query_value<address>("select $1", address{"", std::nullopt}), (address{"", std::nullopt}));
  // A NULL of the named type is typed too.
  auto n = pgpx::test::run_one(cx(), "select $1", std::optional<address>{});
  EXPECT_EQ(n.column_type(0), pgpx::type_oid(cx(), "address"));
  EXPECT_EQ(n[0].get<std::optional<address>>(0), std::nullopt);
  // Through a table column, and read back by row mapping.
  cx().execute_script("create table people (name text, home address)");
  cx().execute("insert into people values ($1, $2)", "Ada", home());
  struct person {
    std::string name;
    address home;
  };
  const auto people = cx().query<person>("select name, home from people");
  ASSERT_EQ(people.size(), 1U);
  EXPECT_EQ(people[0].home, home());
  // A batch resolves it before its pipeline starts, on a connection that has not yet.
  pgpx::connection fresh{conninfo()};
  pgpx::batch b;
  b.add("select $1", home());
  const auto out = pgpx::run_batch(fresh, b);
  ASSERT_EQ(out.results.size(), 1U);
  EXPECT_EQ(out.results[0][0].get<address>(0), home());
}

TEST_F(named_composite_test, a_parameter_for_a_column_of_another_composite_is_refused_by_the_server) {
  // place has address's shape: unnamed, the literal would have been stored as a place.
  cx().execute_script("create table t (p place)");
  try {
    cx().execute("insert into t values ($1)", home());
    FAIL() << "an address was stored in a place column";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.sqlstate(), "42804");  // datatype_mismatch
    EXPECT_THAT(e.message(), HasSubstr("address"));
  }
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 0);
  // The right composite is stored; an explicit cast still converts where the server allows
  // it (here through text).
  cx().execute("insert into t values ($1)", nc::place{"2 High St", std::nullopt});
  cx().execute("insert into t values ($1::text::place)", home());
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 2);
}

TEST_F(named_composite_test, a_column_of_another_composite_is_refused_by_name) {
  cx().execute_script(
      "create type unnamed_pair as (a text, b text);"
      "create table people (name text, home place)");
  cx().execute("insert into people values ('Ada', row('1 Main St', 'London'))");
  struct person {
    std::string name;
    address home;
  };
  try {
    (void)cx().query<person>("select name, home from people");
    FAIL() << "a place column was read as an address";
  } catch (const pgpx::conversion_error& e) {
    // Both types by name (place is registered: this program sends an nc::place), the member,
    // the C++ type.
    EXPECT_THAT(e.message(), HasSubstr("column \"home\" of type place"));
    EXPECT_THAT(e.message(), HasSubstr("member \"home\" of type nc::address"));
    EXPECT_THAT(e.message(), HasSubstr("PostgreSQL type address"));
  }
  // A composite type no C++ type names: refused as well, naming the expected type.
  try {
    (void)cx().query_value<address>("select row('a', 'b')::unnamed_pair");
    FAIL() << "an unnamed_pair was read as an address";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_THAT(e.message(), HasSubstr("nc::address"));
    EXPECT_THAT(e.message(), HasSubstr("PostgreSQL type address"));
  }
  // The right type reads, and so does an anonymous row (record), whose fields the members check.
  EXPECT_EQ(cx().query_value<address>("select row('a', 'b')::address"), (address{"a", "b"}));
  EXPECT_EQ(cx().query_value<address>("select row('a', null)"), (address{"a", std::nullopt}));
  EXPECT_THROW((void)cx().query_value<address>("select row('a', 'b', 'c')"), pgpx::conversion_error);
  // Unnamed composites are unchanged: kv::labelled still reads any composite of its shape.
  cx().execute_script("create type mood as enum ('sad','ok','happy'); create type labelled_x as (n text, m mood)");
  EXPECT_EQ(cx().query_value<kv::labelled>("select row('x', 'ok')::labelled_x"), (kv::labelled{"x", kv::mood::ok}));
}

TEST_F(named_composite_test, a_missing_type_names_the_type_and_database_and_sends_nothing) {
  cx().execute_script("create table t (x int)");
  try {
    cx().execute("insert into t values (1) returning $1::text", nc::nowhere{7});
    FAIL() << "a parameter of a missing composite type was sent";
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "42704");
    EXPECT_THAT(e.message(), HasSubstr("parameter $1"));
    EXPECT_THAT(e.message(),
                HasSubstr("type \"no_such_composite_here\" does not exist in database \"" + database_name() + "\""));
    EXPECT_THAT(e.message(), HasSubstr("nothing was sent"));
  }
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 0);  // the insert did not run
  // Inside a transaction block the block stays usable: had the statement reached the
  // server, its error would have aborted the block and the insert below would fail.
  cx().execute_script("begin");
  EXPECT_THROW(cx().execute("insert into t values ($1::text::int)", nc::nowhere{1}), pgpx::sql_error);
  cx().execute("insert into t values (2)");
  cx().execute_script("commit");
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from t"), 1);
  // A column read into it: refused by name, saying that the type is missing.
  try {
    (void)cx().query_value<nc::nowhere>("select row('a', 'b')::place");
    FAIL() << "a column was read into a composite whose type is missing";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_THAT(e.message(), HasSubstr("of type place"));
    EXPECT_THAT(e.message(), HasSubstr("type \"no_such_composite_here\" does not exist in database"));
  }
}

TEST_F(named_composite_test, arrays_travel_as_literals_and_their_elements_are_checked_by_name) {
  cx().execute_script("create table a (homes address[])");
  const std::vector<address> homes{home(), {"2 High St", std::nullopt}, {"", ""}};
  cx().execute("insert into a values ($1)", homes);  // a text literal, typed by the column
  EXPECT_EQ(cx().query_value<std::vector<address>>("select homes from a"), homes);
  EXPECT_EQ(cx().query_value<address>("select homes[1] from a"), homes[0]);
  // array[$1]: the element's OID makes it an address[] with no cast.
  auto r = pgpx::test::run_one(cx(), "select array[$1]", home());
  EXPECT_EQ(r.column_type(0), pgpx::type_oid(cx(), "address[]"));
  EXPECT_EQ(r[0].get<std::vector<address>>(0), std::vector<address>{home()});
  // NULL elements need optional elements.
  EXPECT_EQ((cx().query_value<std::vector<std::optional<address>>>("select array[null, row('a','b')::address]")),
            (std::vector<std::optional<address>>{std::nullopt, address{"a", "b"}}));
  // An array of another composite: refused by the element's type, both types named.
  try {
    (void)cx().query_value<std::vector<address>>("select array[row('a','b')::place]");
    FAIL() << "a place[] was read as addresses";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_THAT(e.message(), HasSubstr("elements of type place into nc::address"));
    EXPECT_THAT(e.message(), HasSubstr("PostgreSQL type address"));
  }
  // An array of anonymous rows (record[]) reads, as a single record does.
  EXPECT_EQ(cx().query_value<std::vector<address>>("select array[row('a','b')]"), (std::vector<address>{{"a", "b"}}));
}

TEST_F(named_composite_test, a_named_composite_with_a_named_enum_member) {
  cx().execute_script(
      "create type mood as enum ('sad','ok','happy');"
      "create type colour as enum ('red','ok');"
      "create type tagged as (name text, m mood)");
  EXPECT_EQ(cx().query_value<kv::colour>("select $1", kv::colour::red), kv::colour::red);  // colour is named too
  const nc::tagged v{"Ada", kv::mood::happy};
  auto r = pgpx::test::run_one(cx(), "select $1", v);
  EXPECT_EQ(r.column_type(0), pgpx::type_oid(cx(), "tagged"));
  EXPECT_EQ(r[0].get<nc::tagged>(0), v);
  EXPECT_EQ(cx().query_value<kv::mood>("select ($1).m", v), kv::mood::happy);  // the server saw a mood
  const std::vector<nc::tagged> vs{v, {"Bob", kv::mood::sad}};
  EXPECT_EQ(cx().query_value<std::vector<nc::tagged>>("select array[$1, row('Bob', 'sad')::tagged]", v), vs);
  // An anonymous row whose second field is a colour: the member is checked by name ('ok'
  // is a label of both enums, so only the type can tell them apart).
  try {
    (void)cx().query_value<nc::tagged>("select row('x', 'ok'::colour)");
    FAIL() << "a colour field was read into a mood member";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_THAT(e.message(), HasSubstr("member \"m\" of nc::tagged"));
    EXPECT_THAT(e.message(), HasSubstr("of type colour"));
  }
  EXPECT_EQ(cx().query_value<nc::tagged>("select row('x', 'ok'::mood)"), (nc::tagged{"x", kv::mood::ok}));
}

TEST_F(named_composite_test, drop_and_create_on_the_same_connection_is_seen_at_once) {
  EXPECT_EQ(cx().query_value<address>("select $1", home()), home());  // resolved
  const pgpx::oid before = pgpx::type_oid(cx(), "address");
  cx().execute_script("drop type address");
  // Dropped: refused before sending, as any missing type.
  try {
    (void)cx().query_value<address>("select $1", home());
    FAIL() << "a parameter of a dropped type was sent";
  } catch (const pgpx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "42704");
    EXPECT_THAT(e.message(), HasSubstr("nothing was sent"));
  }
  // Created again (another OID: a type in between takes the old one's neighbours).
  cx().execute_script("create type filler as (a int); create type address as (street text, city text)");
  const pgpx::oid after = pgpx::type_oid(cx(), "address");
  ASSERT_NE(before, after) << "the test needs a new OID to mean anything";
  auto r = pgpx::test::run_one(cx(), "select $1", home());
  EXPECT_EQ(r.column_type(0), after);
  EXPECT_EQ(r[0].get<address>(0), home());
  EXPECT_EQ(cx().query_value<address>("select row('a', 'b')::address"), (address{"a", "b"}));
}

TEST_F(named_composite_test, a_type_recreated_by_another_session_fails_once_then_works) {
  EXPECT_EQ(cx().query_value<address>("select $1", home()), home());
  const pgpx::oid before = pgpx::type_oid(cx(), "address");
  {
    pgpx::connection other{conninfo()};
    other.execute_script(
        "drop type address; create type filler as (a int); create type address as (street text, city text);"
        "create table people (home address); insert into people values (row('a', 'b'))");
  }
  // This session still holds the old OID: the column is refused, naming the type...
  try {
    (void)cx().query_value<address>("select home from people");
    ADD_FAILURE() << "a stale OID was accepted";
  } catch (const pgpx::conversion_error& e) {
    EXPECT_THAT(e.message(), HasSubstr("PostgreSQL type address"));
  }
  // ...and the next statement resolves again.
  EXPECT_EQ(cx().query_value<address>("select home from people"), (address{"a", "b"}));
  EXPECT_NE(pgpx::type_oid(cx(), "address"), before);
  EXPECT_EQ(cx().query_value<address>("select $1", home()), home());
}

}  // namespace
