// The contrib plugins against the project's PostgreSQL 15 (their extensions ship with the
// server package): hstore, citext and ltree values in binary through models and the
// builder, pg_trgm's operators, thresholds and trigram indexes, and pgcrypto's functions.
// Every expected value is the server's own or a published one (SHA-256 of "abc").
#include "support/test_db.hpp"

#include <pgpx/core/transaction.hpp>
#include <pgpx/ext/citext.hpp>
#include <pgpx/ext/hstore.hpp>
#include <pgpx/ext/ltree.hpp>
#include <pgpx/ext/pgcrypto.hpp>
#include <pgpx/ext/trgm.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/query/modify.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace contrib_models {
struct product {
  pgpx::identity<std::int64_t> id;
  std::string name;
  pgpx::hstore::map attrs;
};
struct account {
  pgpx::identity<std::int64_t> id;
  pgpx::unique<pgpx::citext::text> email;
  std::optional<std::string> password_hash;
};
struct topic {
  pgpx::identity<std::int64_t> id;
  pgpx::ltree::path path;
};
struct city {
  pgpx::identity<std::int64_t> id;
  std::string name;
};
}  // namespace contrib_models

template <>
struct pgpx::model<contrib_models::city> {
  static auto indexes() { return std::tuple{pgpx::trgm::gin(&contrib_models::city::name)}; }
};

namespace {

using namespace contrib_models;
using ::testing::HasSubstr;
namespace hs = pgpx::hstore;

auto attrs(std::initializer_list<std::pair<const std::string, std::optional<std::string>>> l) -> hs::map {
  return hs::map{{l}};
}

class contrib_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    cx().execute_script(
        "create extension hstore; create extension citext; create extension ltree; create extension pg_trgm;"
        "create extension pgcrypto");
  }
};

TEST_F(contrib_test, hstore_through_models_and_operators) {
  pgpx::schema::create(cx(), pgpx::models<product>);
  const auto red = attrs({{"colour", "red"}, {"size", "M"}, {"note", std::nullopt}});
  const auto blue = attrs({{"colour", "blue"}, {"weight", "2 kg \"heavy\""}});
  (void)pgpx::insert(cx(), product{{}, "shirt", red});
  (void)pgpx::insert(cx(), product{{}, "box", blue});
  // The server's own view of what was sent.
  EXPECT_EQ(cx().query_value<std::string>("select attrs -> 'weight' from products where name = 'box'"),
            "2 kg \"heavy\"");
  EXPECT_TRUE(
      cx().query_value<bool>("select (attrs -> 'note') is null and attrs ? 'note' from products where "
                             "name = 'shirt'"));
  // Text form as hstore_in reads it.
  EXPECT_EQ(cx().query_value<hs::map>("select $1::text::hstore", blue), blue);

  const auto c = pgpx::col(&product::attrs);
  auto by_colour = pgpx::select<product>().where(hs::get(c, std::string("colour")) == std::string("red")).all(cx());
  ASSERT_EQ(by_colour.size(), 1U);
  EXPECT_EQ(by_colour[0].attrs, red);
  EXPECT_EQ(pgpx::select<product>().where(hs::has_key(c, std::string("weight"))).all(cx()).size(), 1U);
  EXPECT_EQ(pgpx::select<product>().where(hs::has_all_keys(c, {"colour", "size"})).all(cx()).size(), 1U);
  EXPECT_EQ(pgpx::select<product>().where(hs::has_any_key(c, {"size", "weight"})).all(cx()).size(), 2U);
  EXPECT_EQ(pgpx::select<product>().where(hs::contains(c, attrs({{"colour", "blue"}}))).all(cx()).size(), 1U);
  const auto merged = pgpx::select(hs::concat(c, attrs({{"size", "L"}})))
                          .from<product>()
                          .where(pgpx::col(&product::name) == std::string("shirt"))
                          .one(cx());
  EXPECT_EQ(merged, attrs({{"colour", "red"}, {"size", "L"}, {"note", std::nullopt}}));
  auto keys =
      pgpx::select(hs::keys(c)).from<product>().where(pgpx::col(&product::name) == std::string("box")).one(cx());
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"colour", "weight"}));
  const auto j =
      pgpx::select(hs::to_jsonb(c)).from<product>().where(pgpx::col(&product::name) == std::string("box")).one(cx());
  EXPECT_EQ(j["colour"], "blue");
}

TEST_F(contrib_test, citext_compares_without_case) {
  pgpx::schema::create(cx(), pgpx::models<account>);
  EXPECT_EQ(cx().query_value<std::string>(
                "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'accounts'::regclass "
                "and attname = 'email'"),
            "citext");
  (void)pgpx::insert(cx(), account{{}, pgpx::citext::text{"Ada@Example.org"}, std::nullopt});
  const auto found =
      pgpx::select<account>().where(pgpx::col(&account::email) == pgpx::citext::text{"ADA@example.ORG"}).optional(cx());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(pgpx::citext::text(found->email).value, "Ada@Example.org");  // stored as written
  // The unique constraint is case-insensitive too.
  try {
    (void)pgpx::insert(cx(), account{{}, pgpx::citext::text{"ada@EXAMPLE.org"}, std::nullopt});
    FAIL() << "a duplicate in another case was accepted";
  } catch (const pgpx::error& e) {
    EXPECT_EQ(e.sqlstate(), "23505");
  }
  // A citext parameter makes `=` case-insensitive without a cast.
  EXPECT_TRUE(cx().query_value<bool>("select $1 = 'HELLO'", pgpx::citext::text{"hello"}));
}

TEST_F(contrib_test, ltree_paths_and_queries) {
  pgpx::schema::create(cx(), pgpx::models<topic>);
  for (const char* p : {"Top", "Top.Science", "Top.Science.Astronomy", "Top.Science.Astronomy.Stars", "Top.Hobbies",
                        "Top.Hobbies.Amateurs_Astronomy"})
    (void)pgpx::insert(cx(), topic{{}, pgpx::ltree::path{p}});
  namespace lt = pgpx::ltree;
  const auto p = pgpx::col(&topic::path);
  EXPECT_EQ(pgpx::select<topic>().where(lt::descendant_of(p, lt::path{"Top.Science"})).all(cx()).size(), 3U);
  EXPECT_EQ(pgpx::select<topic>().where(lt::ancestor_of(p, lt::path{"Top.Science.Astronomy"})).all(cx()).size(), 3U);
  EXPECT_EQ(pgpx::select<topic>().where(lt::matches(p, lt::query{"*.Astronomy.*"})).all(cx()).size(), 2U);
  // ltxtquery: `*` a label prefix, `%` any underscore-separated word of a label.
  EXPECT_EQ(pgpx::select<topic>().where(lt::matches_text(p, lt::text_query{"Astronomy*"})).all(cx()).size(), 2U);
  EXPECT_EQ(pgpx::select<topic>().where(lt::matches_text(p, lt::text_query{"Astronomy%"})).all(cx()).size(), 3U);
  const auto deepest = pgpx::select<topic>().order_by(pgpx::desc(lt::nlevel(p))).limit(1).one(cx());
  EXPECT_EQ(deepest.path, lt::path{"Top.Science.Astronomy.Stars"});
  EXPECT_EQ(pgpx::select(lt::subpath(p, 1, 2)).from<topic>().where(lt::nlevel(p) == 4).one(cx()),
            lt::path{"Science.Astronomy"});
  EXPECT_EQ(
      cx().query_value<lt::path>("select lca($1, 'Top.Science.Astronomy.Stars'::ltree)", lt::path{"Top.Science.Maths"}),
      lt::path{"Top.Science"});
  // A malformed path is the server's error (its syntax is ltree's), nothing stored.
  EXPECT_THROW((void)pgpx::insert(cx(), topic{{}, lt::path{"Top..Bad"}}), pgpx::error);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from topics"), 6);
}

TEST_F(contrib_test, trigram_similarity_thresholds_and_indexes) {
  pgpx::schema::create(cx(), pgpx::models<city>);
  EXPECT_THAT(cx().query_value<std::string>("select indexdef from pg_indexes where tablename = 'cities' and "
                                            "indexdef like '%gin%'"),
              HasSubstr("USING gin (name gin_trgm_ops)"));
  for (const char* n : {"Paris", "Parma", "Perth", "Prague", "London", "Lisbon"}) (void)pgpx::insert(cx(), city{{}, n});
  namespace tg = pgpx::trgm;
  const auto name = pgpx::col(&city::name);
  const auto nearest = pgpx::select<city>().order_by(tg::distance(name, std::string("Pariss"))).limit(1).one(cx());
  EXPECT_EQ(nearest.name, "Paris");
  const float sim = pgpx::select(tg::similarity(name, std::string("Pariss")))
                        .from<city>()
                        .where(name == std::string("Paris"))
                        .one(cx());
  EXPECT_FLOAT_EQ(sim, cx().query_value<float>("select similarity('Paris', 'Pariss')"));
  // The threshold decides `%`; set per transaction.
  pgpx::transaction tx(cx());
  tg::set_similarity_threshold(tx, 0.1);
  const auto loose = pgpx::select<city>().where(tg::similar(name, std::string("Par"))).all(tx).size();
  tg::set_similarity_threshold(tx, 0.9);
  const auto strict = pgpx::select<city>().where(tg::similar(name, std::string("Par"))).all(tx).size();
  EXPECT_GE(loose, 2U);
  EXPECT_EQ(strict, 0U);
  EXPECT_THROW(tg::set_similarity_threshold(tx, 1.5), pgpx::usage_error);
  tx.rollback();
  EXPECT_EQ(cx().query_value<std::string>("select current_setting('pg_trgm.similarity_threshold')"), "0.3");
}

TEST_F(contrib_test, pgcrypto_functions_bind_their_secrets) {
  namespace pc = pgpx::pgcrypto;
  const auto sha = pgpx::select(pc::digest(std::string("abc"), "sha256")).one(cx());
  std::string hex;
  for (const auto b : sha) {
    static constexpr char digits[] = "0123456789abcdef";
    hex += digits[std::to_integer<unsigned>(b) >> 4];
    hex += digits[std::to_integer<unsigned>(b) & 0xfU];
  }
  EXPECT_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2
  const auto mac = pgpx::select(pc::hmac(std::string("data"), std::string("key"), "sha256")).one(cx());
  EXPECT_EQ(mac.size(), 32U);
  // Passwords: crypt with a fresh salt, checked by crypt(attempt, stored) = stored.
  const auto stored = pgpx::select(pc::crypt(std::string("s3cret"), pc::gen_salt("bf", 4))).one(cx());
  EXPECT_TRUE(stored.starts_with("$2a$04$"));
  EXPECT_EQ(pgpx::select(pc::crypt(std::string("s3cret"), stored)).one(cx()), stored);
  EXPECT_NE(pgpx::select(pc::crypt(std::string("wrong"), stored)).one(cx()), stored);
  // Symmetric PGP: round trip, and a wrong key is the server's error.
  const auto sealed = pgpx::select(pc::pgp_sym_encrypt(std::string("attack at dawn"), std::string("k1"))).one(cx());
  EXPECT_EQ(pgpx::select(pc::pgp_sym_decrypt(sealed, std::string("k1"))).one(cx()), "attack at dawn");
  EXPECT_THROW((void)pgpx::select(pc::pgp_sym_decrypt(sealed, std::string("k2"))).one(cx()), pgpx::error);
  // The secrets were parameters: the SQL text carries none of them.
  const auto preview = pgpx::select(pc::pgp_sym_encrypt(std::string("attack at dawn"), std::string("k1"))).to_sql();
  EXPECT_EQ(preview.sql, "select pgp_sym_encrypt($1, $2)");
  EXPECT_EQ(preview.params.size(), 2U);
  EXPECT_EQ(pgpx::select(pc::gen_random_bytes(16)).one(cx()).size(), 16U);
}

}  // namespace
