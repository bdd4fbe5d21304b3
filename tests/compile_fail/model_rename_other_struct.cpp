// expect: names a member of another struct than T
#include <pgpx/model/model.hpp>

#include <tuple>

struct other {
  int x;
};
struct line {
  int id;
  int qty;
};
template <>
struct pgpx::model<line> {
  static auto columns() { return std::tuple{pgpx::rename(&other::x, "quantity")}; }
};
const auto& m = pgpx::model_info<line>();
