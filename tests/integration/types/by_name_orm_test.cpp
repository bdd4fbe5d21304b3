// Types named by their codec through the layers above the core: a model with hstore and a
// named enum creates its table with those types, CRUD and the query builder send them with
// their OIDs and read them back checked by name, and the async engine does the same.
#include "support/loop_probe.hpp"
#include "support/named_types.hpp"
#include "support/test_db.hpp"

#include <pgpx/async/async.hpp>
#include <pgpx/orm/async.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/schema/ddl.hpp>

#include <boost/asio/awaitable.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace named_models {
struct doc {
  pgpx::identity<std::int64_t> id;
  kv::hstore attrs;
  kv::mood m;
  std::optional<kv::hstore> extra;
};
}  // namespace named_models

namespace {

namespace asio = boost::asio;
using named_models::doc;

auto attrs(std::string v) -> kv::hstore { return kv::hstore{{{"k", std::move(v)}}}; }

class by_name_orm_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script("create extension hstore");  // the model creates the enum type mood
    pgpx::schema::create(cx(), pgpx::models<doc>);
  }
};

TEST_F(by_name_orm_test, the_model_table_uses_the_named_types) {
  EXPECT_EQ(cx().query_value<std::string>(
                "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'docs'::regclass "
                "and attname = 'attrs'"),
            "hstore");
  EXPECT_EQ(cx().query_value<std::string>(
                "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'docs'::regclass "
                "and attname = 'm'"),
            "mood");
}

TEST_F(by_name_orm_test, crud_and_the_builder_send_and_read_named_types) {
  auto a = pgpx::insert(cx(), doc{{}, attrs("1"), kv::mood::ok, std::nullopt});
  auto b = pgpx::insert(cx(), doc{{}, attrs("2"), kv::mood::happy, attrs("x")});
  EXPECT_NE(a.id, b.id);
  auto got = pgpx::get<doc>(cx(), b.id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->attrs, attrs("2"));
  EXPECT_EQ(got->extra, attrs("x"));
  // A builder value of a named type is bound with its OID (the comparison resolves to
  // mood = mood and hstore = hstore without casts).
  auto happy = pgpx::select<doc>().where(pgpx::col(&doc::m) == kv::mood::happy).all(cx());
  ASSERT_EQ(happy.size(), 1U);
  EXPECT_EQ(happy[0].attrs, attrs("2"));
  auto by_attrs = pgpx::select<doc>().where(pgpx::col(&doc::attrs) == attrs("1")).all(cx());
  ASSERT_EQ(by_attrs.size(), 1U);
  EXPECT_EQ(by_attrs[0].m, kv::mood::ok);
}

TEST_F(by_name_orm_test, the_async_engine_resolves_the_same_way) {
  pgpx::test::run_on_io([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto acx = co_await pgpx::async_connection::connect(ex, conninfo());
    doc d{{}, attrs("a"), kv::mood::sad, std::nullopt};
    co_await pgpx::insert(acx, d);
    EXPECT_EQ(co_await acx.query_value<kv::hstore>("select attrs from docs where id = $1", d.id), attrs("a"));
    EXPECT_EQ(co_await acx.query_value<kv::hstore>("select $1", attrs("b")), attrs("b"));  // no cast
    bool refused = false;
    try {
      (void)co_await acx.query_value<kv::mood>("select 'k=>v'::hstore");
    } catch (const pgpx::conversion_error&) {
      refused = true;
    }
    EXPECT_TRUE(refused);
  });
}

}  // namespace
