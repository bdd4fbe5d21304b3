// expect: only structs can be reflected
#include <pgpx/reflect/reflect.hpp>
union u {
  int a;
  float b;
};
constexpr auto n = pgpx::reflect::field_count<u>;
