// expect: this validation rule does not apply to this member's type
// expect: rule_not_applicable<person, pgpx::email, int,
// expect: "age"
#include <pgpx/model/validate.hpp>

struct person {
  pgpx::checked<int, pgpx::email> age;
};
const auto issues = pgpx::validate(person{});
