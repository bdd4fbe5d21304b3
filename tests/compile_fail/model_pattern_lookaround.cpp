// expect: pattern_error_lookaround
// expect: lookahead and lookbehind
#include <pgpx/model/validate.hpp>

#include <string>

struct account {
  pgpx::checked<std::string, pgpx::pattern<"^(?!admin)[a-z]+$">> handle;
};
const auto issues = pgpx::validate(account{});
