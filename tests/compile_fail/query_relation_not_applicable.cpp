// expect: relation_not_applicable<author, tag>
// expect: this relation does not start at the queried model
#include "query_models.inc"

#include <pgpx/orm/eager.hpp>

struct tag {
  pgpx::identity<std::int64_t> id;
  std::string name;
};
struct book_tag {
  pgpx::key<pgpx::references<&book::id>> book_id;
  pgpx::key<pgpx::references<&tag::id>> tag_id;
};
constexpr auto tags_of_book = pgpx::through(&book_tag::book_id, &book_tag::tag_id);
auto f() { return pgpx::select<author>().with(tags_of_book); }
