// Models with validation rules (pgpx/model/validate.hpp), shared by the unit and
// integration tests of validation.
#pragma once

#include <pgpx/model/validate.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace validated_models {

inline auto is_even(const std::int32_t& v) -> bool { return v % 2 == 0; }

struct signup {
  pgpx::identity<std::int64_t> id;
  pgpx::checked<pgpx::varchar<40>, pgpx::not_empty> name;
  pgpx::checked<std::string, pgpx::email> email;
  pgpx::checked<std::int32_t, pgpx::between<13, 130>> age;
  std::optional<pgpx::checked<std::string, pgpx::min_length<3>, pgpx::max_length<20>>> handle;
  pgpx::checked<std::vector<std::string>, pgpx::not_empty, pgpx::max_length<3>> tags;
  pgpx::checked<std::int32_t, pgpx::at_least<0>, pgpx::at_most<1000>,
                pgpx::predicate<&is_even, "not_even", "must be even">>
      score;
  std::optional<std::int32_t> starts;
  std::optional<std::int32_t> ends;
};

}  // namespace validated_models

template <>
struct pgpx::model<validated_models::signup> {
  static auto checks() { return std::tuple{pgpx::sql_check<"signups_ends_after_starts", R"("ends" > "starts")">{}}; }
  static void validate(const validated_models::signup& s, pgpx::issues& out) {
    if (s.handle && *s.handle == "admin") out.add("handle", "reserved", "this handle is reserved");
    if (s.starts && s.ends && !(*s.ends > *s.starts)) out.add("ends", "not_after_starts", "must be after starts");
  }
};
