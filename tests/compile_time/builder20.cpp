// The compile-time budget's builder side (spec/orm.md D3): the twelve acceptance queries and
// eight CRUD and eager-loading calls over the §0 models. scripts/compile_time.sh compares
// its compile time and peak memory with baseline20.cpp, the same statements written by hand.
#include "models.hpp"

namespace ct {

constexpr auto tags_of_book = pgpx::through(&book_tag::book_id, &book_tag::tag_id);

void queries(pgpx::connection& cx, pgpx::transaction& tx, std::int64_t aid, std::int64_t root, const book* last,
             const std::string& term, pgpx::timestamptz cutoff, const author& a) {
  // A1
  auto r = pgpx::derived(
      "r", pgpx::select<ranked>(pgpx::as<&ranked::rn>(pgpx::row_number().over(
                                    pgpx::partition_by(&book::author_id).order_by(pgpx::desc(&book::price_cents)))))
               .from<book>());
  (void)pgpx::select<ranked>()
      .from(r)
      .where(r(&ranked::rn) <= 3)
      .order_by(r(&ranked::author_id), r(&ranked::rn))
      .all(cx);
  // A2
  auto tree = pgpx::cte<node>("tree");
  tree.recursive(
      pgpx::select<node>(pgpx::as<&node::depth>(pgpx::val(0))).from<category>().where(pgpx::col(&category::id) == root),
      pgpx::select<node>(pgpx::as<&node::depth>(tree(&node::depth) + 1))
          .from<category>()
          .join(tree, tree(&node::id) == pgpx::col(&category::parent_id)));
  (void)pgpx::with(tree).select<node>().from(tree).order_by(tree(&node::depth), tree(&node::name)).all(cx);
  // A3
  (void)pgpx::insert_into<author>()
      .values(a)
      .on_conflict(&author::email)
      .do_update(pgpx::set(&author::name, pgpx::excluded(&author::name)),
                 pgpx::set(&author::bio, pgpx::coalesce(pgpx::excluded(&author::bio), pgpx::col(&author::bio))))
      .returning<author>()
      .one(cx);
  // A4
  (void)pgpx::select<book>()
      .where(pgpx::col(&book::author_id) == aid)
      .order_by(&book::price_cents, &book::id)
      .after(last)
      .limit(20)
      .all(cx);
  // A5
  (void)pgpx::select<book>()
      .where(pgpx::col(&book::meta).contains(nlohmann::json{{"format", "epub"}}) &&
             pgpx::col(&book::meta).has_key("isbn"))
      .all(cx);
  // A6
  auto doc = pgpx::fts::to_tsvector<"english">(pgpx::col(&book::title));
  auto q = pgpx::fts::websearch_to_tsquery<"english">(term);
  auto rank = pgpx::as<&hit::rank>(pgpx::fts::ts_rank(doc, q));
  (void)pgpx::select<hit>(rank).from<book>().where(doc.matches(q)).order_by(pgpx::desc(rank)).limit(10).all(cx);
  // A7
  auto rs = pgpx::select<book>().where(pgpx::col(&book::author_id) == aid).with(tags_of_book).all(cx);
  for (const book& b : rs)
    for (const tag& t : rs.related(b, tags_of_book)) (void)t;
  // A8
  auto moved =
      pgpx::cte("moved", pgpx::delete_from<job>().where(pgpx::col(&job::done_at) < cutoff).returning<job_archive>());
  (void)pgpx::with(moved).insert_into<job_archive>(pgpx::select<job_archive>().from(moved)).exec(tx);
  // A9
  auto next = pgpx::select(pgpx::col(&job::id))
                  .from<job>()
                  .where(pgpx::col(&job::queue) == "mail" && pgpx::col(&job::done_at).is_null())
                  .order_by(&job::run_at)
                  .limit(1)
                  .for_update()
                  .skip_locked();
  (void)pgpx::update<job>()
      .set(&job::done_at, pgpx::sql::now())
      .where(pgpx::col(&job::id) == pgpx::scalar(next))
      .returning<job>()
      .optional(tx);
  // A10
  auto al = pgpx::alias<author>("a");
  auto bl = pgpx::lateral("b", pgpx::select<title_only>()
                                   .from<book>()
                                   .where(pgpx::col(&book::author_id) == al(&author::id))
                                   .order_by(pgpx::desc(&book::id))
                                   .limit(3));
  (void)pgpx::select<latest>(pgpx::as<&latest::title>(bl(&title_only::title)))
      .from(al)
      .cross_join(bl)
      .order_by(al(&author::id))
      .all(cx);
  // A11
  (void)pgpx::select<line>(pgpx::as<&line::total>(pgpx::sum(pgpx::col(&sale::amount))),
                           pgpx::as<&line::level>(pgpx::grouping(&sale::region, &sale::product)))
      .from<sale>()
      .where(pgpx::col(&sale::year) == 2024)
      .group_by(
          pgpx::grouping_sets(pgpx::group(&sale::region, &sale::product), pgpx::group(&sale::region), pgpx::group()))
      .order_by(pgpx::asc(&sale::region).nulls_last(), pgpx::asc(&sale::product).nulls_last())
      .all(cx);
  // A12
  (void)pgpx::count<book>(cx, pgpx::col(&book::author_id) == aid);
  (void)pgpx::select(pgpx::count()).from<book>().with_deleted().where(pgpx::col(&book::author_id) == aid).value(cx);
}

void crud(pgpx::connection& cx, author& a, book& b) {
  pgpx::insert(cx, a);                                                                   // 1
  (void)pgpx::get<book>(cx, b.id);                                                      // 2
  pgpx::update(cx, b);                                                                   // 3
  pgpx::remove(cx, b);                                                                   // 4
  (void)pgpx::upsert(cx, a, pgpx::on_conflict(&author::email));                         // 5
  (void)pgpx::exists<book>(cx, pgpx::col(&book::title) == "SQL");                       // 6
  (void)pgpx::select<author>().with(pgpx::children(&book::author_id).with(tags_of_book)).all(cx);  // 7
  (void)pgpx::select<book>().with(&book::author_id).all(cx);                           // 8
}

}  // namespace ct
