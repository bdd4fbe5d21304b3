// expect: this member's type has no JSON form
// expect: unserialisable_member<bag,
// expect: "items"
#include <pgpx/model/json.hpp>

#include <set>

struct bag {
  int id;
  std::set<int> items;
};
const auto j = pgpx::to_json(bag{});
