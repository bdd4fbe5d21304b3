// The catalog's JSON export with no server: a hand-made catalog written and read back,
// the exact text of a small one, and the refusals of catalog_from_json with their paths.
#include <pgpx/error.hpp>
#include <pgpx/schema/introspect.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace pgpx::schema;

auto sample() -> catalog {
  catalog c;
  c.schemas = {{"app", "the application"}};
  c.extensions = {{"pg_trgm", "1.6", "public"}};
  table_info t{.schema = "app", .name = "t", .kind = table_kind::partition};
  t.partition_of = qualified_name{"app", "parent"};
  t.partition_bound = "DEFAULT";
  t.columns = {{.name = "id",
                .type = "bigint",
                .not_null = true,
                .identity = identity_kind::by_default,
                .identity_sequence = sequence_options{"bigint", 1, 1, 1, 9223372036854775807, 1, false}},
               {.name = "note", .type = "text", .collation = qualified_name{"pg_catalog", "C"}, .comment = "né €"}};
  t.constraints = {{.name = "t_fk",
                    .kind = constraint_kind::foreign_key,
                    .definition = "FOREIGN KEY (id) REFERENCES app.u(id) ON DELETE SET NULL",
                    .columns = {"id"},
                    .references = qualified_name{"app", "u"},
                    .referenced_columns = {"id"},
                    .on_delete = referential_action::set_null,
                    .match = match_kind::partial,
                    .validated = false}};
  t.policies = {{"p", "all", false, {"alice", "public"}, "true", std::nullopt}};
  t.privileges = {{"alice", "SELECT", true}, {"public", "INSERT", false}};
  c.tables = {t};
  c.event_triggers = {{"e", "sql_drop", {"DROP TABLE"}, {"app", "f"}, "always", std::nullopt}};
  c.default_privileges = {{"alice", std::nullopt, "sequences", {{"bob", "USAGE", false}}}};
  c.sequences = {{.schema = "app", .name = "s", .options = {"smallint", -1, -1, -100, -1, 3, true}}};
  c.functions = {{.schema = "app", .name = "f", .kind = routine_kind::window, .definition = "CREATE ..."}};
  return c;
}

TEST(catalog_json, a_catalog_reads_back_equal_and_writes_the_same_text) {
  const auto c = sample();
  const auto text = to_json(c);
  const auto back = catalog_from_json(text);
  EXPECT_EQ(back, c);
  EXPECT_EQ(to_json(back), text);
  EXPECT_EQ(back.tables[0].columns[1].comment, "né €");  // UTF-8 as it is, not escaped
  EXPECT_NE(text.find("\"comment\": \"né €\""), std::string::npos);
  EXPECT_EQ(back.sequences[0].options.start, -1);
}

TEST(catalog_json, the_text_of_an_empty_catalog_and_of_one_enum) {
  EXPECT_EQ(
      to_json(catalog{}),
      "{\n  \"composite_types\": [],\n  \"default_privileges\": [],\n  \"domains\": [],\n  \"enums\": [],\n"
      "  \"event_triggers\": [],\n  \"extensions\": [],\n  \"format\": \"pgpx.catalog/2\",\n  \"functions\": [],\n  \"schemas\": [],\n  \"sequences\": [],\n"
      "  \"tables\": [],\n  \"views\": []\n}\n");
  catalog c;
  c.enums = {{"app", "mood", {"sad", "ok"}, std::nullopt}};
  const std::string head =
      "{\n  \"composite_types\": [],\n  \"default_privileges\": [],\n  \"domains\": [],\n  \"enums\": [\n    {\n      \"comment\": null,\n"
      "      \"labels\": [\n        \"sad\",\n        \"ok\"\n      ],\n      \"name\": \"mood\",\n"
      "      \"privileges\": [],\n      \"schema\": \"app\"\n    }\n  ],\n";
  EXPECT_EQ(to_json(c).substr(0, head.size()), head);
}

TEST(catalog_json, enum_names_are_the_documented_ones) {
  EXPECT_EQ(to_string(identity_kind::by_default), "by_default");
  EXPECT_EQ(to_string(constraint_kind::exclusion), "exclusion");
  EXPECT_EQ(to_string(referential_action::set_default), "set_default");
  EXPECT_EQ(to_string(match_kind::partial), "partial");
  EXPECT_EQ(to_string(table_kind::partitioned), "partitioned");
  EXPECT_EQ(to_string(routine_kind::procedure), "procedure");
}

auto refusal(std::string_view text) -> std::string {
  try {
    (void)catalog_from_json(text);
  } catch (const pgpx::conversion_error& e) {
    return e.message();
  }
  return "accepted";
}

auto edited(std::string_view from, std::string_view to) -> std::string {
  auto text = to_json(sample());
  const auto at = text.find(from);
  if (at == std::string::npos) return "(not found: " + std::string(from) + ")";
  text.replace(at, from.size(), to);
  return text;
}

TEST(catalog_json, refusals_name_the_json_path) {
  const std::string p = "pgpx::schema::catalog_from_json: ";
  EXPECT_EQ(refusal(""), p + "(top): not valid JSON");
  EXPECT_EQ(refusal("[]"), p + "(top): expected an object");
  // Version 1 read privileges differently (only explicit ACLs, the owner's too).
  EXPECT_EQ(refusal(R"({"format": "pgpx.catalog/1"})"), p + "format: expected \"pgpx.catalog/2\"");
  EXPECT_EQ(refusal(R"({"format": "pgpx.catalog/2"})"), p + "schemas: missing");
  EXPECT_EQ(refusal(edited("\"match\": \"partial\"", "\"match\": \"fuzzy\"")),
            p + "tables[0].constraints[0].match: unknown value \"fuzzy\"");
  EXPECT_EQ(refusal(edited("\"validated\": false", "\"validated\": 0")),
            p + "tables[0].constraints[0].validated: expected true or false");
  EXPECT_EQ(refusal(edited("\"start\": -1", "\"start\": 1.5")), p + "sequences[0].options.start: expected an integer");
  EXPECT_EQ(refusal(edited("\"roles\": [", "\"roles\": {\"x\": [")), p + "(top): not valid JSON");
  EXPECT_EQ(refusal(edited("\"partition_bound\": \"DEFAULT\"", "\"partition_bound\": []")),
            p + "tables[0].partition_bound: expected a string");
  EXPECT_EQ(refusal(edited("\"partition_bound\": \"DEFAULT\"", "\"partition_bound\": null")), "accepted");
}

TEST(catalog_json, text_that_is_not_utf8_is_written_with_replacement_characters) {
  catalog c;
  c.schemas = {{"s", std::string("caf\xe9")}};  // Latin-1 bytes from a SQL_ASCII database
  const auto text = to_json(c);
  EXPECT_NE(text.find("caf\xef\xbf\xbd"), std::string::npos);
  EXPECT_EQ(catalog_from_json(text).schemas[0].comment, "caf\xef\xbf\xbd");
}

}  // namespace
