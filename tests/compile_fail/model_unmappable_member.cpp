// expect: cannot map this member to a column
// expect: "worker"
#include <pgpx/model/model.hpp>

#include <cstdint>
#include <thread>

struct job {
  pgpx::identity<std::int64_t> id;
  std::thread worker;
};
const auto& m = pgpx::model_info<job>();
