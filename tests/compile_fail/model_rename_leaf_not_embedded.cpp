// expect: m must be an embedded member (pgpx::is_embedded) of type M
#include <pgpx/model/model.hpp>

#include <tuple>

struct audit {  // not marked pgpx::is_embedded
  int by;
};
struct line {
  int id;
  audit au;
};
template <>
struct pgpx::model<line> {
  static auto columns() { return std::tuple{pgpx::rename(&line::au, &audit::by, "changed_by")}; }
};
