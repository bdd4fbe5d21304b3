// expect: pattern_error_backreference
// expect: back references
#include <pgpx/model/validate.hpp>

#include <string>

struct account {
  pgpx::checked<std::string, pgpx::pattern<R"(^(a+)\1$)">> handle;
};
const auto issues = pgpx::validate(account{});
