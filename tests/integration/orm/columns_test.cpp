// Renamed columns (model<T>::columns()) and embedded members (mixins: pgpx::timestamps,
// pgpx::soft_delete, a user's own) on the real server: the table made from the model, the
// ORM verbs, RETURNING, row mapping by name, COPY, the builder's columns and soft delete.
#include "support/test_db.hpp"

#include <pgpx/core/copy.hpp>
#include <pgpx/orm/bulk.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/schema/ddl.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace columns_it {
struct item {
  pgpx::identity<std::int64_t> id;
  std::string sku;
  std::int32_t qty;
  std::optional<std::string> noteText;
};
struct stamp {  // a user's mixin
  std::optional<std::string> changed_by;
  pgpx::version<std::int32_t> revision;
};
struct entry {
  pgpx::identity<std::int64_t> id;
  std::string title;
  pgpx::timestamps ts;
  stamp st;
  pgpx::soft_delete sd;
};
struct bad_rename {  // refused: a rename onto another member's column
  pgpx::identity<std::int64_t> id;
  std::int32_t qty;
  std::int32_t quantity;
};
}  // namespace columns_it

template <>
inline constexpr bool pgpx::is_embedded<columns_it::stamp> = true;

template <>
struct pgpx::model<columns_it::item> {
  static constexpr auto naming = pgpx::naming::snake_case;
  static auto columns() { return std::tuple{pgpx::rename(&columns_it::item::qty, "quantity")}; }
};
template <>
struct pgpx::model<columns_it::bad_rename> {
  static auto columns() { return std::tuple{pgpx::rename(&columns_it::bad_rename::qty, "quantity")}; }
};

namespace {

using columns_it::entry;
using columns_it::item;

class orm_columns_test : public pgpx::test::db_test {
 protected:
  void SetUp() override {
    db_test::SetUp();
    w_ = pgpx::test::recording_connection(conninfo(), sent_);
    pgpx::schema::create(*w_, pgpx::models<item, entry>);
    sent_.clear();
  }
  auto w() -> pgpx::connection& { return *w_; }
  auto sent() -> std::vector<std::string> {
    auto out = std::move(sent_);
    sent_.clear();
    return out;
  }
  auto columns_of(const std::string& table) -> std::vector<std::string> {
    return w().query<std::string>(
        "select column_name::text from information_schema.columns where table_name = $1 order by ordinal_position",
        table);
  }

 private:
  std::unique_ptr<pgpx::connection> w_;
  std::vector<std::string> sent_;
};

TEST_F(orm_columns_test, the_table_made_from_the_model_has_the_renamed_and_the_mixins_columns) {
  EXPECT_EQ(columns_of("items"), (std::vector<std::string>{"id", "sku", "quantity", "note_text"}));
  EXPECT_EQ(columns_of("entries"), (std::vector<std::string>{"id", "title", "created_at", "updated_at", "changed_by",
                                                             "revision", "deleted_at"}));
}

TEST_F(orm_columns_test, the_verbs_write_and_read_a_renamed_column) {
  item it;
  it.sku = "A-1";
  it.qty = 7;
  pgpx::insert(w(), it);
  EXPECT_EQ(sent(), (std::vector<std::string>{
                        R"(insert into "items" ("sku", "quantity", "note_text") values ($1, $2, $3) returning "id")"}));
  EXPECT_EQ(w().query_value<std::int32_t>("select quantity from items where id = $1", it.id), 7);
  sent();
  it.qty = 9;
  pgpx::update(w(), it, pgpx::only(&item::qty));
  EXPECT_EQ(sent(), (std::vector<std::string>{R"(update "items" set "quantity" = $1 where "id" = $2)"}));
  const auto got = pgpx::get<item>(w(), it.id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->qty, 9);
  EXPECT_EQ(got->sku, "A-1");
  // Row mapping matches the result's columns by the renamed name; the old name is no column.
  const auto rows = w().query<item>("select * from items");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].qty, 9);
  EXPECT_THROW((void)w().query<item>("select id, sku, quantity as qty, note_text from items"), pgpx::conversion_error);
  // The builder renders the renamed column.
  item other;
  other.sku = "B-2";
  other.qty = 1;
  pgpx::insert(w(), other);
  sent();
  const auto big = pgpx::select<item>().where(pgpx::col(&item::qty) > 5).all(w());
  ASSERT_EQ(big.size(), 1U);
  EXPECT_EQ(big[0].sku, "A-1");
  EXPECT_NE(sent().back().find(R"("quantity" > $1)"), std::string::npos);
  EXPECT_EQ(pgpx::count<item>(w(), pgpx::col(&item::qty) < 5), 1);
}

TEST_F(orm_columns_test, copy_and_insert_many_use_the_renamed_column) {
  std::vector<item> rows(2);
  rows[0].sku = "c1";
  rows[0].qty = 3;
  rows[1].sku = "c2";
  rows[1].qty = 4;
  pgpx::insert_many(w(), rows);
  EXPECT_GT(rows[1].id, rows[0].id);
  const auto back = pgpx::copy_out_query<item>(w(), "select * from items order by id");
  ASSERT_EQ(back.size(), 2U);
  EXPECT_EQ(back[1].qty, 4);
  EXPECT_EQ(w().query_value<std::int64_t>("select sum(quantity)::int8 from items"), 7);
}

TEST_F(orm_columns_test, a_mixins_columns_are_filled_by_returning_and_written_by_the_verbs) {
  entry e;
  e.title = "first";
  e.st.changed_by = "ada";
  pgpx::insert(w(), e);
  EXPECT_EQ(
      sent(),
      (std::vector<std::string>{
          R"(insert into "entries" ("title", "changed_by", "deleted_at") values ($1, $2, $3) returning "id", "created_at", "updated_at", "revision")"}));
  const auto server = w().query_one<std::tuple<pgpx::timestamptz, pgpx::timestamptz, std::int32_t>>(
      "select created_at, updated_at, revision from entries where id = $1", e.id);
  EXPECT_EQ(e.ts.created_at, std::get<0>(server));  // RETURNING filled the mixin's members
  EXPECT_EQ(e.ts.updated_at, std::get<1>(server));
  EXPECT_EQ(e.st.revision, 1);

  e.title = "second";
  e.st.changed_by = "grace";
  const pgpx::timestamptz before = e.ts.updated_at;
  pgpx::update(w(), e);
  EXPECT_EQ(e.st.revision, 2);  // the embedded version counter was checked and bumped
  const auto got = pgpx::get<entry>(w(), e.id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->title, "second");
  EXPECT_EQ(got->st.changed_by, "grace");
  EXPECT_EQ(got->ts.created_at, e.ts.created_at);
  EXPECT_GE(got->ts.updated_at, before);
  EXPECT_EQ(got->st.revision, 2);
  // only() with a mixin writes those of its columns an update sets (and nothing else); a
  // mixin with none is refused before anything is sent.
  sent();
  EXPECT_THROW(pgpx::update(w(), e, pgpx::only(&entry::sd)), pgpx::usage_error);
  EXPECT_TRUE(sent().empty());
  pgpx::update(w(), e, pgpx::only(&entry::ts));  // created_at only: updated_at is pgpx's
  EXPECT_NE(sent().back().find(R"(update "entries" set "created_at" = $1, "revision" = "revision" + 1)"),
            std::string::npos);
  EXPECT_EQ(e.st.revision, 3);
  e.title = "not written";
  e.st.changed_by = "linus";
  sent();
  pgpx::update(w(), e, pgpx::only(&entry::st));
  EXPECT_NE(sent().back().find(R"(set "changed_by" = $1, "revision" = "revision" + 1)"), std::string::npos);
  EXPECT_EQ(e.st.revision, 4);
  EXPECT_EQ(w().query_value<std::string>("select title || '/' || changed_by from entries where id = $1", e.id),
            "second/linus");
  e.title = "second";
  // A stale copy (revision 1) is refused through the embedded version column.
  entry stale = e;
  stale.st.revision = 1;
  EXPECT_THROW(pgpx::update(w(), stale), pgpx::stale_object_error);

  // Row mapping by name fills the embedded members.
  const auto rows = w().query<entry>("select * from entries");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].ts.created_at, e.ts.created_at);
  EXPECT_EQ(rows[0].st.changed_by, "linus");
  // So do COPY out and a tracked row, whose changes name the mixin's members.
  const auto copied = pgpx::copy_out_query<entry>(w(), "select * from entries");
  ASSERT_EQ(copied.size(), 1U);
  EXPECT_EQ(copied[0].ts.updated_at, rows[0].ts.updated_at);
  EXPECT_EQ(copied[0].st.changed_by, "linus");
  auto t = pgpx::get_tracked<entry>(w(), e.id);
  ASSERT_TRUE(t.has_value());
  t->st.changed_by = "ken";
  EXPECT_EQ(t->changed_members(), (std::vector<std::string_view>{"changed_by"}));
  EXPECT_TRUE(pgpx::update(w(), *t));
  EXPECT_NE(sent().back().find(R"(set "changed_by" = $1)"), std::string::npos);
  EXPECT_EQ(w().query_value<std::string>("select changed_by from entries where id = $1", e.id), "ken");
  // The builder reaches a mixin's member through the mixin.
  const auto recent =
      pgpx::select<entry>().where(pgpx::col(&entry::ts, &pgpx::timestamps::created_at) <= got->ts.updated_at).all(w());
  EXPECT_EQ(recent.size(), 1U);
  // So does an alias, in a self join.
  const auto e1 = pgpx::alias<entry>("e1");
  const auto e2 = pgpx::alias<entry>("e2");
  const auto pairs =
      pgpx::select(e1(&entry::id), e2(&entry::id))
          .from(e1)
          .join(e2, e1(&entry::ts, &pgpx::timestamps::created_at) == e2(&entry::ts, &pgpx::timestamps::created_at))
          .all(w());
  EXPECT_EQ(pairs.size(), 1U);
  EXPECT_EQ(pgpx::count<entry>(w(), pgpx::col(&entry::st, &columns_it::stamp::changed_by) == std::string("nobody")), 0);
}

TEST_F(orm_columns_test, soft_delete_through_an_embedded_deleted_at) {
  entry keep;
  keep.title = "keep";
  pgpx::insert(w(), keep);
  entry gone;
  gone.title = "gone";
  pgpx::insert(w(), gone);
  EXPECT_FALSE(gone.sd.deleted_at.has_value());
  sent();
  pgpx::remove(w(), gone);
  EXPECT_NE(sent().front().find(R"("deleted_at" = now())"), std::string::npos);
  EXPECT_TRUE(gone.sd.deleted_at.has_value());
  EXPECT_FALSE(pgpx::get<entry>(w(), gone.id).has_value());
  ASSERT_TRUE(pgpx::get<entry>(w(), pgpx::with_deleted, gone.id).has_value());
  EXPECT_EQ(pgpx::count<entry>(w()), 1);
  EXPECT_EQ(pgpx::select<entry>().all(w()).size(), 1U);  // the builder leaves it out too
  EXPECT_EQ(w().query_value<std::int64_t>("select count(*) from entries"), 2);
  pgpx::restore(w(), gone);
  EXPECT_FALSE(gone.sd.deleted_at.has_value());
  EXPECT_EQ(pgpx::count<entry>(w()), 2);
}

TEST_F(orm_columns_test, a_bad_rename_is_refused_before_anything_is_sent) {
  EXPECT_THROW(pgpx::schema::create(w(), pgpx::models<columns_it::bad_rename>), pgpx::usage_error);
  EXPECT_TRUE(sent().empty());
  columns_it::bad_rename b;
  EXPECT_THROW(pgpx::insert(w(), b), pgpx::usage_error);
  EXPECT_TRUE(sent().empty());
  EXPECT_EQ(w().query_value<std::int64_t>("select count(*) from pg_class where relname = 'bad_renames'"), 0);
}

}  // namespace
