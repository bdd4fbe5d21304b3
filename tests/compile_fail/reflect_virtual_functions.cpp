// expect: the struct has virtual functions
#include <pgpx/reflect/reflect.hpp>
struct v {
  virtual ~v() = default;
  int a;
};
constexpr auto n = pgpx::reflect::field_count<v>;
