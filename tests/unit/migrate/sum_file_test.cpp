// pgpx.sum: the chain, the file format, parsing errors and verification.
#include <pgpx/migrate/source.hpp>
#include <pgpx/migrate/sum_file.hpp>

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace pgpx::migrate {
namespace {

using test::temp_dir;

auto kinds_for(const std::vector<sum_difference>& diffs, const std::string& file) -> std::vector<difference_kind> {
  std::vector<difference_kind> out;
  for (const auto& d : diffs)
    if (d.file_name == file) out.push_back(d.kind);
  return out;
}

auto describe(const std::vector<sum_difference>& diffs) -> std::string {
  std::string s;
  for (const auto& d : diffs) s += std::string(to_string(d.kind)) + " " + d.file_name + ": " + d.detail + "\n";
  return s;
}

void three_migrations(const temp_dir& d) {
  d.write("0001_a.up.sql", "select 1;\n");
  d.write("0001_a.down.sql", "select -1;\n");
  d.write("0002_b.up.sql", "select 2;\n");
  d.write("0003_c.up.sql", "select 3;\n");
  d.write("0003_c.down.sql", "select -3;\n");
}

// Expected chain values computed outside pgpx:
//   printf '0001_a.up.sql\0select 1;' | sha256sum | xxd -r -p > c1; base64 c1
//   (cat c1; printf '0001_a.down.sql\0select -1;') | sha256sum | xxd -r -p | base64
TEST(migrate_sum_file, chain_values_are_as_documented) {
  temp_dir d;
  d.write("0001_a.up.sql", "select 1;\r\n");  // normalised before hashing
  d.write("0001_a.down.sql", "select -1;\n");
  const auto sum = compute_sum(d.path());
  ASSERT_EQ(sum.entries.size(), 2U);
  EXPECT_EQ(sum.entries[0].file_name, "0001_a.up.sql");
  EXPECT_EQ(sum.entries[0].hash, "h1:l355NxvefzAMYwg2Kc7K6o8j8IVPCAcFwxCUJl4uc4E=");
  EXPECT_EQ(sum.entries[1].file_name, "0001_a.down.sql");
  EXPECT_EQ(sum.entries[1].hash, "h1:t2VkgNHfli9xBEN/xP+2xc4O4aWduBuzCRvFH2F5Fm4=");
  EXPECT_EQ(sum.total, sum.entries[1].hash);
  EXPECT_EQ(format_sum(sum),
            "h1:t2VkgNHfli9xBEN/xP+2xc4O4aWduBuzCRvFH2F5Fm4=\n"
            "0001_a.up.sql h1:l355NxvefzAMYwg2Kc7K6o8j8IVPCAcFwxCUJl4uc4E=\n"
            "0001_a.down.sql h1:t2VkgNHfli9xBEN/xP+2xc4O4aWduBuzCRvFH2F5Fm4=\n");
}

TEST(migrate_sum_file, empty_directory) {
  temp_dir d;
  const auto sum = compute_sum(d.path());
  EXPECT_TRUE(sum.entries.empty());
  EXPECT_EQ(sum.total, "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  write_sum(d.path());
  EXPECT_TRUE(verify_sum(d.path()).empty());
}

TEST(migrate_sum_file, total_changes_with_any_file_its_name_or_a_new_migration) {
  temp_dir d;
  three_migrations(d);
  const auto before = compute_sum(d.path()).total;
  d.write("0002_b.up.sql", "select 22;\n");
  EXPECT_NE(compute_sum(d.path()).total, before);
  d.write("0002_b.up.sql", "select 2;\r\n\r\n");  // the same after normalisation
  EXPECT_EQ(compute_sum(d.path()).total, before);
  d.write("0004_d.up.sql", "select 4;\n");
  EXPECT_NE(compute_sum(d.path()).total, before);
  std::filesystem::remove(d.path() / "0004_d.up.sql");
  std::filesystem::rename(d.path() / "0002_b.up.sql", d.path() / "0002_bb.up.sql");  // same content, new name
  EXPECT_NE(compute_sum(d.path()).total, before);
}

TEST(migrate_sum_file, write_read_round_trip_and_verify_clean) {
  temp_dir d;
  three_migrations(d);
  write_sum(d.path());
  const auto text = d.read("pgpx.sum");
  EXPECT_EQ(text, format_sum(compute_sum(d.path())));
  const auto sum = read_sum(d.path() / "pgpx.sum");
  ASSERT_EQ(sum.entries.size(), 5U);
  EXPECT_EQ(sum.entries[0].file_name, "0001_a.up.sql");
  EXPECT_EQ(sum.entries[0].line, 2);
  EXPECT_EQ(sum.entries[2].file_name, "0002_b.up.sql");
  EXPECT_EQ(sum.entries[4].file_name, "0003_c.down.sql");
  const auto diffs = verify_sum(d.path());
  EXPECT_TRUE(diffs.empty()) << describe(diffs);
  EXPECT_FALSE(std::filesystem::exists(d.path() / "pgpx.sum.tmp"));
}

TEST(migrate_sum_file, normalisation_only_edits_verify_clean) {
  temp_dir d;
  three_migrations(d);
  write_sum(d.path());
  d.write("0002_b.up.sql", "\xEF\xBB\xBFselect 2;\r\n\r\n");
  const auto diffs = verify_sum(d.path());
  EXPECT_TRUE(diffs.empty()) << describe(diffs);
}

TEST(migrate_sum_file, modified_file_is_reported_alone) {
  temp_dir d;
  three_migrations(d);
  write_sum(d.path());
  d.write("0002_b.up.sql", "select 2; -- edited\n");
  const auto diffs = verify_sum(d.path());
  ASSERT_EQ(diffs.size(), 1U) << describe(diffs);
  EXPECT_EQ(diffs[0].kind, difference_kind::modified);
  EXPECT_EQ(diffs[0].file_name, "0002_b.up.sql");
  EXPECT_NE(diffs[0].detail.find("line 4"), std::string::npos) << diffs[0].detail;
}

TEST(migrate_sum_file, every_modified_file_is_reported) {
  temp_dir d;
  three_migrations(d);
  write_sum(d.path());
  d.write("0001_a.up.sql", "select 100;\n");
  d.write("0003_c.down.sql", "select -300;\n");
  const auto diffs = verify_sum(d.path());
  EXPECT_EQ(diffs.size(), 2U) << describe(diffs);
  EXPECT_EQ(kinds_for(diffs, "0001_a.up.sql"), std::vector<difference_kind>{difference_kind::modified});
  EXPECT_EQ(kinds_for(diffs, "0003_c.down.sql"), std::vector<difference_kind>{difference_kind::modified});
}

TEST(migrate_sum_file, added_files) {
  temp_dir d;
  three_migrations(d);
  write_sum(d.path());
  d.write("0004_d.up.sql", "select 4;\n");
  d.write("0002_b.down.sql", "select -2;\n");  // a down file added to an older migration
  const auto diffs = verify_sum(d.path());
  EXPECT_EQ(diffs.size(), 2U) << describe(diffs);
  EXPECT_EQ(kinds_for(diffs, "0004_d.up.sql"), std::vector<difference_kind>{difference_kind::added});
  EXPECT_EQ(kinds_for(diffs, "0002_b.down.sql"), std::vector<difference_kind>{difference_kind::added});
}

TEST(migrate_sum_file, removed_files) {
  temp_dir d;
  three_migrations(d);
  write_sum(d.path());
  std::filesystem::remove(d.path() / "0003_c.down.sql");
  std::filesystem::remove(d.path() / "0002_b.up.sql");
  const auto diffs = verify_sum(d.path());
  EXPECT_EQ(diffs.size(), 2U) << describe(diffs);
  EXPECT_EQ(kinds_for(diffs, "0003_c.down.sql"), std::vector<difference_kind>{difference_kind::removed});
  EXPECT_EQ(kinds_for(diffs, "0002_b.up.sql"), std::vector<difference_kind>{difference_kind::removed});
}

TEST(migrate_sum_file, renamed_file_is_removed_plus_added) {
  temp_dir d;
  three_migrations(d);
  write_sum(d.path());
  std::filesystem::rename(d.path() / "0002_b.up.sql", d.path() / "0005_b.up.sql");
  const auto diffs = verify_sum(d.path());
  EXPECT_EQ(kinds_for(diffs, "0002_b.up.sql"), std::vector<difference_kind>{difference_kind::removed});
  EXPECT_EQ(kinds_for(diffs, "0005_b.up.sql"), std::vector<difference_kind>{difference_kind::added});
}

TEST(migrate_sum_file, reordered_lines) {
  temp_dir d;
  three_migrations(d);
  write_sum(d.path());
  // Swap the lines of 0002_b.up.sql and 0003_c.up.sql, keeping each line's hash.
  auto text = d.read("pgpx.sum");
  const auto b = text.find("0002_b.up.sql");
  const auto b_end = text.find('\n', b) + 1;
  const auto c = text.find("0003_c.up.sql");
  const auto c_end = text.find('\n', c) + 1;
  const auto line_b = text.substr(b, b_end - b);
  const auto line_c = text.substr(c, c_end - c);
  text = text.substr(0, b) + line_c + line_b + text.substr(c_end);
  d.write("pgpx.sum", text);
  const auto diffs = verify_sum(d.path());
  // Only the order is wrong: no file is reported modified.
  EXPECT_EQ(kinds_for(diffs, "0002_b.up.sql"), std::vector<difference_kind>{difference_kind::reordered})
      << describe(diffs);
  EXPECT_EQ(kinds_for(diffs, "0003_c.up.sql"), std::vector<difference_kind>{difference_kind::reordered})
      << describe(diffs);
  EXPECT_EQ(diffs.size(), 2U) << describe(diffs);
}

TEST(migrate_sum_file, reordered_and_modified) {
  temp_dir d;
  three_migrations(d);
  write_sum(d.path());
  auto text = d.read("pgpx.sum");
  const auto b = text.find("0002_b.up.sql");
  const auto c = text.find("0003_c.up.sql");
  const auto c_end = text.find('\n', c) + 1;
  text = text.substr(0, b) + text.substr(c, c_end - c) + text.substr(b, c - b) + text.substr(c_end);
  d.write("pgpx.sum", text);
  d.write("0002_b.up.sql", "select 'changed';\n");
  const auto diffs = verify_sum(d.path());
  const auto b_kinds = kinds_for(diffs, "0002_b.up.sql");
  EXPECT_NE(std::find(b_kinds.begin(), b_kinds.end(), difference_kind::modified), b_kinds.end()) << describe(diffs);
  EXPECT_NE(std::find(b_kinds.begin(), b_kinds.end(), difference_kind::reordered), b_kinds.end()) << describe(diffs);
  EXPECT_EQ(kinds_for(diffs, "0003_c.up.sql"), std::vector<difference_kind>{difference_kind::reordered})
      << describe(diffs);
}

TEST(migrate_sum_file, tampered_total_line) {
  temp_dir d;
  three_migrations(d);
  write_sum(d.path());
  auto text = d.read("pgpx.sum");
  const auto other = format_sum(compute_sum(std::vector<migration>{}));  // the total of nothing
  text = other.substr(0, other.find('\n')) + text.substr(text.find('\n'));
  d.write("pgpx.sum", text);
  const auto diffs = verify_sum(d.path());
  ASSERT_EQ(diffs.size(), 1U) << describe(diffs);
  EXPECT_EQ(diffs[0].kind, difference_kind::tampered);
  EXPECT_EQ(diffs[0].file_name, "pgpx.sum");
  EXPECT_NE(diffs[0].detail.find("line 1"), std::string::npos);
}

TEST(migrate_sum_file, hand_edited_line_hash_is_caught) {
  temp_dir d;
  three_migrations(d);
  write_sum(d.path());
  auto text = d.read("pgpx.sum");
  // Replace the hash of 0002_b.up.sql by that of another file's line (well-formed, wrong).
  const auto sum = read_sum(d.path() / "pgpx.sum");
  const auto at = text.find(sum.entries[2].hash);
  text.replace(at, sum.entries[2].hash.size(), sum.entries[0].hash);
  d.write("pgpx.sum", text);
  const auto diffs = verify_sum(d.path());
  EXPECT_EQ(kinds_for(diffs, "0002_b.up.sql"), std::vector<difference_kind>{difference_kind::modified})
      << describe(diffs);
  EXPECT_EQ(kinds_for(diffs, "0003_c.up.sql"), std::vector<difference_kind>{difference_kind::modified})
      << describe(diffs);  // its recorded predecessor changed
  EXPECT_EQ(diffs.size(), 2U) << describe(diffs);
}

TEST(migrate_sum_file, missing_sum_file_is_an_error) {
  temp_dir d;
  three_migrations(d);
  try {
    (void)verify_sum(d.path());
    ADD_FAILURE() << "no error";
  } catch (const source_error& e) {
    EXPECT_TRUE(e.file().ends_with("pgpx.sum")) << e.file();
    EXPECT_NE(e.message().find("pgpx migrate hash"), std::string::npos) << e.message();
  }
}

// Parses `text` as a sum file and expects an error at `line` mentioning `what`.
void expect_malformed(const std::string& text, int line, const std::string& what) {
  SCOPED_TRACE(text);
  try {
    (void)parse_sum(text, "migrations/pgpx.sum");
    ADD_FAILURE() << "no error";
  } catch (const source_error& e) {
    EXPECT_EQ(e.kind(), error_kind::migration);
    EXPECT_EQ(e.file(), "migrations/pgpx.sum");
    EXPECT_EQ(e.line(), line) << e.message();
    EXPECT_NE(e.message().find("migrations/pgpx.sum:" + std::to_string(line) + ": "), std::string::npos) << e.message();
    EXPECT_NE(e.message().find(what), std::string::npos) << e.message();
  }
}

TEST(migrate_sum_file, malformed_sum_files_name_the_line) {
  const std::string h = "h1:l355NxvefzAMYwg2Kc7K6o8j8IVPCAcFwxCUJl4uc4E=";
  expect_malformed("", 1, "empty sum file");
  expect_malformed("sha256:abc\n", 1, "first line must be the total");
  expect_malformed("h1:short=\n", 1, "first line must be the total");
  expect_malformed(h + "\n0001_a.up.sql\n", 2, "expected '<migration file name> h1:<hash>'");
  expect_malformed(h + "\n0001_a.up.sql h1:x extra\n", 2, "expected '<migration file name> h1:<hash>'");
  expect_malformed(h + "\n0001_a.up.sql " + h + "\n0002_b.up.sql h1:not-base64\n", 3, "bad hash");
  expect_malformed(h + "\n0001_a.up.sql h1:l355NxvefzAMYwg2Kc7K6o8j8IVPCAcFwxCUJl4uc4E\n", 2, "bad hash");  // no pad
  expect_malformed(h + "\nREADME.md " + h + "\n", 2, "not a valid migration file name");
  expect_malformed(h + "\n0001_a.up.sql " + h + "\n0001_a.up.sql " + h + "\n", 3, "listed twice (also on line 2)");
  expect_malformed(h + "\n\n0001_a.up.sql " + h + "\n", 2, "blank line");
}

TEST(migrate_sum_file, tolerated_variations) {
  const std::string h = "h1:l355NxvefzAMYwg2Kc7K6o8j8IVPCAcFwxCUJl4uc4E=";
  // CRLF line ends (a checkout with autocrlf), no final newline, trailing blank lines.
  const auto crlf = parse_sum(h + "\r\n0001_a.up.sql " + h + "\r\n", "s");
  ASSERT_EQ(crlf.entries.size(), 1U);
  EXPECT_EQ(crlf.entries[0].hash, h);
  EXPECT_EQ(parse_sum(h + "\n0001_a.up.sql " + h, "s").entries.size(), 1U);
  EXPECT_EQ(parse_sum(h + "\n0001_a.up.sql " + h + "\n\n\n", "s").entries.size(), 1U);
}

TEST(migrate_sum_file, malformed_sum_on_disk_is_an_error_from_verify) {
  temp_dir d;
  three_migrations(d);
  write_sum(d.path());
  d.write("pgpx.sum", d.read("pgpx.sum") + "garbage line\n");
  try {
    (void)verify_sum(d.path());
    ADD_FAILURE() << "no error";
  } catch (const source_error& e) {
    EXPECT_TRUE(e.file().ends_with("pgpx.sum")) << e.file();
    EXPECT_EQ(e.line(), 7);
  }
}

}  // namespace
}  // namespace pgpx::migrate
