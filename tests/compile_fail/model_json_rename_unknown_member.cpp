// expect: model<T>::json_rename() names a member T does not have
#include <pgpx/model/json.hpp>

#include <array>

struct user {
  int id;
  int age;
};
template <>
struct pgpx::model<user> {
  static constexpr auto json_rename() { return std::array{pgpx::json_name{"agee", "years"}}; }
};
const auto j = pgpx::to_json(user{});
