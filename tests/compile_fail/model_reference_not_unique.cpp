// expect: a foreign key must reference a primary key or unique column
// expect: "author_name"
#include <pgpx/model/model.hpp>

#include <cstdint>
#include <string>

struct author {
  pgpx::identity<std::int64_t> id;
  std::string name;
};
struct book {
  pgpx::identity<std::int64_t> id;
  pgpx::references<&author::name> author_name;
};
const auto& m = pgpx::model_info<book>();
