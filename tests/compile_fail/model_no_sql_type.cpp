// expect: knows no SQL type for this member's type
// expect: "home"
#include <pgpx/schema/ddl.hpp>

#include <cstdint>
#include <string>

struct address {
  std::string city;
};
template <>
inline constexpr bool pgpx::is_composite<address> = true;
struct person {
  pgpx::identity<std::int64_t> id;
  address home;
};
const auto ddl = pgpx::schema::create_table<person>();
