// expect: give one value per primary-key column, in key order
// expect: key_mismatch<line, 2, 1>
#include <pgpx/core/connection.hpp>
#include <pgpx/orm/crud.hpp>

#include <cstdint>

struct line {
  pgpx::key<std::int64_t> order_id;
  pgpx::key<std::int32_t> line_no;
  std::int32_t qty;
};
void f(pgpx::connection& cx) { (void)pgpx::get<line>(cx, std::int64_t{1}); }
