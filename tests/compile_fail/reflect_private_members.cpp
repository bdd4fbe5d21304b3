// expect: the struct is not an aggregate
#include <pgpx/reflect/reflect.hpp>
class p {
  int a = 0;

 public:
  int b = 0;
};
constexpr auto n = pgpx::reflect::field_count<p>;
