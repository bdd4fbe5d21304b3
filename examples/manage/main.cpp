// manage: an application's own pgpx command line. It has every command of `pgpx`, and its
// registered models are one more schema source, `models` (docs/cli.md, "Your own binary"):
//
//   manage schema diff --to models --exit-code   # does the database match the models?
//   manage schema diff --to models               # the SQL that makes it match
//   manage migrate diff add_books --to models    # the same, as a new migration
#include <pgpx/cli/application.hpp>
#include <pgpx/ext/citext.hpp>
#include <pgpx/model/model.hpp>
#include <pgpx/model/wrappers.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

struct author {
  pgpx::identity<std::int64_t> id;
  pgpx::varchar<80> name;
  pgpx::unique<pgpx::citext::text> email;  // an extension's type: the shadow database creates citext first
  std::optional<std::string> bio;
};

struct book {
  pgpx::identity<std::int64_t> id;
  pgpx::references<&author::id> author_id;
  std::string title;
  std::vector<std::string> tags;
};

template <>
struct pgpx::model<book> {
  static auto indexes() { return std::tuple{pgpx::index(&book::tags).using_(pgpx::gin)}; }
};

// A model in its own schema: the shadow database gets the schema too.
struct order_line {
  std::int64_t order_id;
  std::int32_t line_no;
  std::string sku;
  std::int32_t qty;
};

template <>
struct pgpx::model<order_line> {
  static constexpr std::string_view table = "order_lines", schema = "shop";
  static constexpr auto primary_key = pgpx::key_of(&order_line::order_id, &order_line::line_no);
};

int main(int argc, char** argv) {
  // Any order: the shadow database creates them in the order their foreign keys allow.
  return pgpx::cli::application("manage", "the example shop's database tool")
      .add_models(pgpx::models<book, author, order_line>)
      .run(argc, argv);
}
