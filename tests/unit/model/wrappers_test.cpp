// Column wrappers behave as their values (natural use), keep the value's size, and read and
// write through the value's codec.
#include "support/orm_models.hpp"

#include <pgpx/model/wrappers.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <type_traits>

namespace {

using orm_models::author;
using orm_models::book;
using orm_models::category;

static_assert(sizeof(pgpx::identity<std::int64_t>) == sizeof(std::int64_t));
static_assert(alignof(pgpx::identity<std::int64_t>) == alignof(std::int64_t));
static_assert(sizeof(pgpx::varchar<80>) == sizeof(std::string));
static_assert(sizeof(pgpx::key<pgpx::references<&book::id>>) == sizeof(std::int64_t));
static_assert(sizeof(pgpx::deleted_at) == sizeof(std::optional<pgpx::timestamptz>));
static_assert(sizeof(pgpx::server_default<pgpx::timestamptz, "now()">) == sizeof(pgpx::timestamptz));
static_assert(std::is_aggregate_v<author> && std::is_aggregate_v<book> && std::is_aggregate_v<category>);
static_assert(pgpx::reflect::field_count<author> == 5);
static_assert(pgpx::reflect::field_count<book> == 7);
static_assert(pgpx::has_codec<pgpx::varchar<80>> && pgpx::has_codec<pgpx::deleted_at>);
static_assert(pgpx::nullable_codec<pgpx::deleted_at> && !pgpx::nullable_codec<pgpx::identity<std::int64_t>>);
static_assert(pgpx::nullable_codec<std::optional<pgpx::references<&category::id>>>);

TEST(wrappers, behave_as_their_values) {
  author a{.name = "Ada", .email = "ada@example.org"};
  const std::string& s = a.name;
  EXPECT_EQ(s, "Ada");
  EXPECT_TRUE(a.name == "Ada");
  EXPECT_EQ(a.name.size(), 3u);
  a.name += " Lovelace";
  EXPECT_EQ(a.name, "Ada Lovelace");
  a.id = 41;
  std::int64_t id = a.id;
  EXPECT_EQ(id, 41);
  a.id += 1;
  ++a.id;
  EXPECT_EQ(a.id, 43);
  EXPECT_EQ(a.id++, 43);
  EXPECT_EQ(a.id.get(), 44);
  std::ostringstream out;
  out << a.id;
  EXPECT_EQ(out.str(), "44");
  book b{.author_id = a.id};  // wrapper to wrapper when the value types agree
  EXPECT_EQ(b.author_id, 44);
  EXPECT_FALSE(b.deleted_at.has_value());
  b.deleted_at = pgpx::timestamptz{};
  EXPECT_TRUE(b.deleted_at.has_value());
  category c{.parent_id = std::nullopt};
  EXPECT_FALSE(c.parent_id.has_value());
  c.parent_id = pgpx::references<&category::id>(7);
  EXPECT_EQ(*c.parent_id, 7);
}

TEST(wrappers, encode_and_decode_as_their_values) {
  pgpx::varchar<10> v("héllo");
  std::string bytes;
  pgpx::codec<pgpx::varchar<10>>::encode(v, bytes);
  std::string plain;
  pgpx::codec<std::string>::encode(std::string("héllo"), plain);
  EXPECT_EQ(bytes, plain);
  std::string id_bytes;
  pgpx::codec<pgpx::identity<std::int64_t>>::encode(pgpx::identity<std::int64_t>(258), id_bytes);
  EXPECT_EQ(pgpx::codec<std::int64_t>::decode(id_bytes, pgpx::oids::int8), 258);
  EXPECT_EQ(pgpx::codec<pgpx::identity<std::int64_t>>::decode(id_bytes, pgpx::oids::int8), 258);
  EXPECT_EQ(pgpx::codec<pgpx::identity<std::int64_t>>::param_oid, pgpx::oids::int8);
  // A nullable wrapper's NULL is its value's NULL.
  EXPECT_TRUE(pgpx::codec<pgpx::deleted_at>::is_null(pgpx::deleted_at{}));
  EXPECT_FALSE(pgpx::codec<pgpx::deleted_at>::null().has_value());
  // decode_into fills the member in place.
  pgpx::varchar<10> into;
  pgpx::codec<pgpx::varchar<10>>::decode_into(into, "abc", pgpx::oids::text);
  EXPECT_EQ(into, "abc");
}

TEST(wrappers, facts_are_read_through_nesting_and_optional) {
  constexpr auto k = pgpx::column_facts_of<pgpx::key<pgpx::references<&book::id>>>();
  static_assert(k.primary_key && k.reference && !k.nullable && !k.identity);
  constexpr auto p = pgpx::column_facts_of<std::optional<pgpx::references<&category::id>>>();
  static_assert(p.nullable && p.reference && !p.primary_key);
  constexpr auto d = pgpx::column_facts_of<pgpx::deleted_at>();
  static_assert(d.role == pgpx::column_role::deleted_at && d.nullable);  // its value is an optional
  constexpr auto r = pgpx::column_facts_of<pgpx::references<&author::id, pgpx::on_delete::cascade>>();
  static_assert(r.delete_action == pgpx::on_delete::cascade && r.update_action == pgpx::on_update::no_action);
  constexpr auto sd = pgpx::column_facts_of<pgpx::server_default<pgpx::timestamptz, "now()">>();
  static_assert(sd.default_sql == "now()");
  EXPECT_EQ(pgpx::column_facts_of<pgpx::varchar<80>>().max_length, 80u);
}

}  // namespace
