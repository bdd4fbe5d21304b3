// expect: pattern_error_class_escape
// expect: write a bracket expression
#include <pgpx/model/validate.hpp>

#include <string>

struct account {
  pgpx::checked<std::string, pgpx::pattern<R"(^\d+$)">> pin;
};
const auto issues = pgpx::validate(account{});
