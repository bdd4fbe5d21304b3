// expect: a check constraint's name has 1 to 63 bytes
// A check's name is the constraint's: PostgreSQL would truncate one over 63 bytes.
#include "query_models.inc"

#include <pgpx/query/expr.hpp>

#include <tuple>

template <>
struct pgpx::model<book> {
  static auto checks() {
    return std::tuple{pgpx::check<"price_is_not_negative_and_fits_in_what_the_shop_can_sell_at_most">(
        pgpx::col(&book::price_cents) >= pgpx::lit<0>)};
  }
};
