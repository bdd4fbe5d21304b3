// Mermaid and DOT diagrams of hand-built catalogs (no server): table patterns, marks,
// relations (composite, self, across schemas, to filtered-out tables), determinism, and the
// escaping of hostile names: DOT text is parsed by Graphviz itself (`dot -Tjson`), Mermaid
// text is checked line by line against the grammar its escaping relies on.
#include <pgpx/schema/diagram.hpp>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace pgpx::schema;

auto column(std::string name, std::string type, bool not_null = false) -> column_def {
  return column_def{.name = std::move(name), .type = std::move(type), .not_null = not_null};
}

auto pk(std::string name, std::vector<std::string> cols) -> constraint_def {
  return {.name = std::move(name), .kind = constraint_kind::primary_key, .columns = std::move(cols)};
}

auto fk(std::string name, std::vector<std::string> cols, qualified_name to, std::vector<std::string> to_cols)
    -> constraint_def {
  return {.name = std::move(name),
          .kind = constraint_kind::foreign_key,
          .columns = std::move(cols),
          .references = std::move(to),
          .referenced_columns = std::move(to_cols)};
}

// app.authors(id PK); app.books(id PK, author_id FK NOT NULL, editor_id FK nullable);
// app.chapters((book_id, no) PK, parent_no, FK (book_id, parent_no) -> itself composite,
// FK book_id -> books); audit.log(book_id FK -> app.books across schemas);
// app.profiles(author_id PK FK -> authors: one to one); a partition that is left out.
auto library() -> catalog {
  catalog c;
  c.schemas = {{.name = "app"}, {.name = "audit"}};
  table_info authors{
      .schema = "app", .name = "authors", .columns = {column("id", "bigint", true), column("name", "text")}};
  authors.constraints = {pk("authors_pkey", {"id"})};
  table_info books{.schema = "app",
                   .name = "books",
                   .columns = {column("id", "bigint", true), column("author_id", "bigint", true),
                               column("editor_id", "bigint"), column("title", "character varying(80)", true)}};
  books.constraints = {fk("books_author_fk", {"author_id"}, {"app", "authors"}, {"id"}),
                       fk("books_editor_fk", {"editor_id"}, {"app", "authors"}, {"id"}), pk("books_pkey", {"id"})};
  table_info chapters{
      .schema = "app",
      .name = "chapters",
      .columns = {column("book_id", "bigint", true), column("no", "integer", true), column("parent_no", "integer")}};
  chapters.constraints = {fk("chapters_book_fk", {"book_id"}, {"app", "books"}, {"id"}),
                          fk("chapters_parent_fk", {"book_id", "parent_no"}, {"app", "chapters"}, {"book_id", "no"}),
                          pk("chapters_pkey", {"book_id", "no"})};
  table_info profiles{.schema = "app", .name = "profiles", .columns = {column("author_id", "bigint", true)}};
  profiles.constraints = {fk("profiles_author_fk", {"author_id"}, {"app", "authors"}, {"id"}),
                          pk("profiles_pkey", {"author_id"})};
  table_info log{.schema = "audit", .name = "log", .columns = {column("book_id", "bigint")}};
  log.constraints = {fk("log_book_fk", {"book_id"}, {"app", "books"}, {"id"})};
  table_info log_2026{
      .schema = "audit", .name = "log_2026", .kind = table_kind::partition, .columns = {column("book_id", "bigint")}};
  auto inherited = fk("log_book_fk", {"book_id"}, {"app", "books"}, {"id"});
  inherited.inherited = true;
  log_2026.constraints = {inherited};
  c.tables = {authors, books, chapters, profiles, log, log_2026};
  return c;
}

auto count(const std::string& text, const std::string& part) -> std::size_t {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

auto lines(const std::string& text) -> std::vector<std::string> {
  std::vector<std::string> v;
  std::stringstream s(text);
  for (std::string l; std::getline(s, l);) v.push_back(l);
  return v;
}

TEST(schema_diagram, table_patterns_are_globs_on_the_name_or_on_schema_dot_name) {
  const qualified_name books{"app", "books"};
  EXPECT_TRUE(table_pattern_matches("books", books));
  EXPECT_TRUE(table_pattern_matches("book*", books));
  EXPECT_TRUE(table_pattern_matches("app.book*", books));
  EXPECT_TRUE(table_pattern_matches("*.books", books));
  EXPECT_TRUE(table_pattern_matches("a?p.b*s", books));
  EXPECT_TRUE(table_pattern_matches("*", books));
  EXPECT_FALSE(table_pattern_matches("book", books));       // whole name, not a prefix
  EXPECT_FALSE(table_pattern_matches("other.books", books));
  EXPECT_FALSE(table_pattern_matches("app.b", books));
  EXPECT_FALSE(table_pattern_matches("Books", books));      // case-sensitive
  EXPECT_FALSE(table_pattern_matches("app?books", books));  // without a dot: the name alone
  EXPECT_TRUE(table_pattern_matches("*o*s", books));        // backtracking
  EXPECT_FALSE(table_pattern_matches("*o*x", books));
  // `?` is one character, also when it takes several bytes in UTF-8.
  EXPECT_TRUE(table_pattern_matches("b?cher", {"app",
                                               "b\xC3\xBC"
                                               "cher"}));
  EXPECT_FALSE(table_pattern_matches("b??cher", {"app",
                                                 "b\xC3\xBC"
                                                 "cher"}));
}

TEST(schema_diagram, mermaid_shows_columns_marks_and_one_relation_per_foreign_key) {
  const auto m = to_mermaid(library());
  EXPECT_EQ(m.rfind("erDiagram\n", 0), 0u) << m;
  EXPECT_NE(m.find("  t_app_books[\"app.books\"] {\n"
                   "    bigint id PK \"not null\"\n"
                   "    bigint author_id FK \"not null\"\n"
                   "    bigint editor_id FK\n"
                   "    character_varying(80) title \"not null; type: character varying(80)\"\n"
                   "  }\n"),
            std::string::npos)
      << m;
  // book_id is both in the primary key and in foreign keys.
  EXPECT_NE(m.find("    bigint book_id PK, FK \"not null\"\n"), std::string::npos) << m;
  // Required, optional, identifying, one to one, self, composite, across schemas.
  EXPECT_NE(m.find("  t_app_authors ||..o{ t_app_books : \"books_author_fk: (author_id) -#gt; (id)\"\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("  t_app_authors |o..o{ t_app_books : \"books_editor_fk: (editor_id) -#gt; (id)\"\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("  t_app_books ||--o{ t_app_chapters : \"chapters_book_fk"), std::string::npos) << m;
  EXPECT_NE(m.find("  t_app_chapters |o..o{ t_app_chapters : \"chapters_parent_fk: (book_id, parent_no) -#gt; "
                   "(book_id, no)\"\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("  t_app_authors ||--o| t_app_profiles : \"profiles_author_fk"), std::string::npos) << m;
  EXPECT_NE(m.find("  t_app_books |o..o{ t_audit_log : \"log_book_fk"), std::string::npos) << m;
  EXPECT_EQ(count(m, " : \""), 6u) << m;  // the composite key is one relation; the partition's is not drawn
  EXPECT_EQ(m.find("log_2026"), std::string::npos) << m;
  EXPECT_EQ(to_mermaid(library()), m);  // deterministic
}

TEST(schema_diagram, filters_keep_relations_to_filtered_out_tables_as_stubs) {
  auto m = to_mermaid(library(), {.schemas = {"audit"}});
  EXPECT_NE(m.find("  t_audit_log[\"audit.log\"] {\n"), std::string::npos) << m;
  EXPECT_NE(m.find("  t_app_books[\"app.books\"]\n"), std::string::npos) << m;  // a stub: no columns
  EXPECT_EQ(m.find("t_app_books[\"app.books\"] {"), std::string::npos) << m;
  EXPECT_EQ(m.find("t_app_authors"), std::string::npos) << m;
  EXPECT_EQ(count(m, " : \""), 1u) << m;
  m = to_mermaid(library(), {.tables = {"app.book*", "ch*"}});
  EXPECT_NE(m.find("t_app_books[\"app.books\"] {"), std::string::npos) << m;
  EXPECT_NE(m.find("t_app_chapters[\"app.chapters\"] {"), std::string::npos) << m;
  EXPECT_NE(m.find("  t_app_authors[\"app.authors\"]\n"), std::string::npos) << m;  // stub
  EXPECT_EQ(m.find("t_audit_log"), std::string::npos) << m;  // references books, but is not kept
  EXPECT_EQ(m.find("profiles"), std::string::npos) << m;
  EXPECT_EQ(count(m, " : \""), 4u) << m;  // books->authors x2, chapters->books, chapters->chapters
  const auto d = to_dot(library(), {.tables = {"log"}});
  EXPECT_NE(d.find("  \"app.books\" [shape=box, style=dashed, label=<app.books>];\n"), std::string::npos) << d;
  EXPECT_EQ(count(d, " -> "), 1u) << d;
}

TEST(schema_diagram, mermaid_escaping_rules) {
  EXPECT_EQ(mermaid_text("a\"b"), "a#quot;b");
  EXPECT_EQ(mermaid_text("#quot;"), "#35;quot;");  // a name that looks like an entity code stays text
  EXPECT_EQ(mermaid_text("<b>&%%`x`"), "#lt;b#gt;#amp;#37;#37;#96;x#96;");
  EXPECT_EQ(mermaid_text("a\nb\tc"), "a b c");
  EXPECT_EQ(mermaid_text("b\xC3\xBC"
                         "cher {x}"),
            "b\xC3\xBC"
            "cher {x}");
  EXPECT_EQ(mermaid_word("character varying(80)"), "character_varying(80)");
  EXPECT_EQ(mermaid_word("numeric(10,2)"), "numeric(10_2)");
  EXPECT_EQ(mermaid_word("integer[]"), "integer[]");
  EXPECT_EQ(mermaid_word("2fa"), "_2fa");
  EXPECT_EQ(mermaid_word("pk"), "_pk");
  EXPECT_EQ(mermaid_word("FK"), "_FK");
  EXPECT_EQ(mermaid_word("PKS"), "PKS");
  EXPECT_EQ(mermaid_word(""), "_");
  EXPECT_EQ(mermaid_word("my \"col\""), "my__col_");
  EXPECT_EQ(mermaid_word("b\xC3\xBC"), "b__");
}

// Names that break naive quoting in either format.
auto hostile() -> catalog {
  const std::vector<std::string> names = {"a\"b",
                                          "x\\",
                                          "} -> evil [label=\"x\"]; {",
                                          "<b>bold</b>",
                                          "with space",
                                          "node",
                                          "graph",
                                          "subgraph",
                                          "b\xC3\xBC"
                                          "cher",
                                          "{brace}",
                                          "PK",
                                          "%% comment",
                                          "#quot;",
                                          "line\nbreak",
                                          "a_b.c"};
  catalog c;
  c.schemas = {{.name = "s"}, {.name = "s\"q"}};
  std::vector<table_info> tables;
  for (const auto& n : names) {
    table_info t{.schema = "s", .name = n, .columns = {column(n, "character varying(10)", true), column("ref", n)}};
    t.constraints = {pk(n + "_pk", {n}), fk(n + "\" -> x", {"ref"}, {"s\"q", n}, {n})};
    tables.push_back(t);
  }
  // "s.a_b.c", "s_a.b_c" and "s.a_b_c" all spell t_s_a_b_c in Mermaid: numbered.
  tables.push_back({.schema = "s_a", .name = "b_c", .columns = {column("x", "int")}});
  tables.push_back({.schema = "s", .name = "a_b_c", .columns = {column("x", "int")}});
  std::sort(tables.begin(), tables.end(), [](const auto& a, const auto& b) {
    return qualified_name{a.schema, a.name} < qualified_name{b.schema, b.name};
  });
  c.tables = tables;
  return c;
}

TEST(schema_diagram, mermaid_text_of_hostile_names_keeps_to_the_grammar) {
  const auto m = to_mermaid(hostile());
  const std::string q = R"("(?:[^"#\n<>&%`]|#(?:quot|lt|gt|amp|35|37|96);)*")";
  const std::string word = R"([A-Za-z_][A-Za-z0-9_()\[\]-]*)";
  const std::regex entity("  t_[A-Za-z0-9_]+\\[" + q + "\\]( \\{)?");
  const std::regex attribute("    " + word + " " + word + "( (PK|FK|PK, FK))?( " + q + ")?");
  const std::regex rel("  t_[A-Za-z0-9_]+ (\\|\\||\\|o)(--|\\.\\.)(o\\{|o\\|) t_[A-Za-z0-9_]+ : " + q);
  std::set<std::string> ids;
  std::size_t relations = 0;
  const auto ls = lines(m);
  ASSERT_EQ(ls.at(0), "erDiagram");
  for (std::size_t i = 1; i < ls.size(); ++i) {
    const auto& l = ls[i];
    if (l == "  }") continue;
    if (std::regex_match(l, attribute)) {
      for (const auto* mark : {"PK", "FK", "UK", "pk"}) {
        // A key mark only in the key position, never as a type or a name.
        EXPECT_NE(l.rfind(std::string("    ") + mark + " ", 0), 0u) << l;
      }
      continue;
    }
    if (std::regex_match(l, entity)) {
      const auto id = l.substr(2, l.find('[') - 2);
      if (l.ends_with("{")) {
        EXPECT_TRUE(ids.insert(id).second) << "two tables share the id " << id;
      }
      continue;
    }
    if (std::regex_match(l, rel)) {
      ++relations;
      continue;
    }
    ADD_FAILURE() << "line " << i << " does not fit the grammar: " << l;
  }
  EXPECT_EQ(ids.size(), hostile().tables.size());
  EXPECT_EQ(relations, 15u);
  EXPECT_NE(m.find("\"s.a#quot;b\""), std::string::npos) << m;
  EXPECT_NE(m.find("\"s.b\xC3\xBC"
                   "cher\""),
            std::string::npos)
      << m;
}

TEST(schema_diagram, dot_escaping_rules) {
  EXPECT_EQ(dot_id("a\"b"), R"("a\"b")");
  EXPECT_EQ(dot_id("x\\"), R"("x\\")");
  EXPECT_EQ(dot_id("node"), R"("node")");
  EXPECT_EQ(dot_id("a\nb\x01"), R"("a\x0ab\x01")");
  EXPECT_EQ(html_text("<b>&\"'\n"), "&lt;b&gt;&amp;&quot;&#39; ");
  EXPECT_EQ(html_text("b\xC3\xBC"
                      "cher"),
            "b\xC3\xBC"
            "cher");
}

// Runs Graphviz on `dot_text` and returns its JSON reading of the graph.
auto graphviz_json(const std::string& dot_text) -> nlohmann::json {
  const auto path =
      std::filesystem::temp_directory_path() / ("pgpx-diagram-test-" + std::to_string(::getpid()) + ".dot");
  std::ofstream(path, std::ios::binary) << dot_text;
  const std::string cmd = std::string(PGPX_DOT) + " -Tjson " + path.string() + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int rc = ::pclose(p);
    std::filesystem::remove(path);
    if (rc != 0) throw std::runtime_error("dot failed: " + out);
  }
  return nlohmann::json::parse(out);
}

TEST(schema_diagram, graphviz_parses_the_dot_of_hostile_names_as_written) {
  if (std::string(PGPX_DOT).empty()) GTEST_SKIP() << "Graphviz's dot is not installed (package graphviz)";
  const auto c = hostile();
  const auto d = to_dot(c);
  EXPECT_EQ(to_dot(c), d);
  const auto j = graphviz_json(d);
  // Exactly the nodes written: every table, and a stub per referenced table of "s\"q".
  // Graphviz keeps the backslashes of a name doubled, and the \xHH of a control character.
  auto as_graphviz_names_it = [](const std::string& text) {
    std::string s;
    for (char ch : text) {
      if (ch == '\\') s += "\\\\";
      else if (ch == '\n') s += "\\x0a";
      else s += ch;
    }
    return s;
  };
  std::set<std::string> want;
  for (const auto& t : c.tables) {
    want.insert(as_graphviz_names_it(t.schema + "." + t.name));
    for (const auto& k : t.constraints)
      if (k.references) want.insert(as_graphviz_names_it(k.references->schema + "." + k.references->name));
  }
  std::set<std::string> got;
  for (const auto& o : j.at("objects")) got.insert(o.at("name").get<std::string>());
  EXPECT_EQ(got, want);
  ASSERT_TRUE(j.contains("edges"));
  EXPECT_EQ(j.at("edges").size(), 15u);
  // Each edge joins the table to the stub of the same name in "s\"q", as written.
  std::map<int, std::string> by_id;
  for (const auto& o : j.at("objects")) by_id[o.at("_gvid").get<int>()] = o.at("name").get<std::string>();
  for (const auto& e : j.at("edges")) {
    const auto tail = by_id.at(e.at("tail").get<int>());
    const auto head = by_id.at(e.at("head").get<int>());
    ASSERT_EQ(tail.rfind("s.", 0), 0u) << tail;
    EXPECT_EQ(head, "s\"q." + tail.substr(2));
  }
  // The library diagram parses too, with its composite and self references.
  const auto lj = graphviz_json(to_dot(library()));
  EXPECT_EQ(lj.at("objects").size(), 5u);  // the partition is left out
  EXPECT_EQ(lj.at("edges").size(), 6u);
}

}  // namespace
