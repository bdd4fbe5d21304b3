// pgpx/cli/application.hpp (cli/include): an application's own pgpx command line (a manage-style binary).
//
//   #include <pgpx/cli/application.hpp>   // CMake target pgpx::cli
//
//   int main(int argc, char** argv) {
//     return pgpx::cli::application("manage", "the shop's database tool")
//         .add_models(pgpx::models<author, book, tag, book_tag>)
//         .run(argc, argv);
//   }
//
// The binary has every command of `pgpx`; the registered models are one more schema source,
// `models`, wherever a command compares schemas:
//   manage schema diff --to models            # what the database lacks to match the models
//   manage migrate diff add_books --to models # the migration that gets it there
// The models are created (in the order their foreign keys allow) in a throwaway shadow
// database, which is introspected like any other source and then dropped.
#pragma once

#include <pgpx/export.hpp>
#include <pgpx/model/model.hpp>
#include <pgpx/schema/ddl.hpp>

#include <string>
#include <utility>
#include <vector>

namespace pgpx::cli {

/// The pgpx command line with an application's name and models. Build it, then run() it
/// once from main(). Not thread-safe; run() blocks until the command is done.
class application {
 public:
  /// `name` is the program name in help and messages; `description` its one-line help.
  explicit application(std::string name = "pgpx", std::string description = {})
      : name_(std::move(name)), description_(std::move(description)) {}

  /// Registers models for the `models` schema source. A model whose member has no SQL type
  /// fails to compile, naming the member. Registering a model twice keeps one.
  template <class... T>
  auto add_models(model_list<T...> /*models*/) -> application& {
    (pgpx::detail::check_sql_types<T>(std::make_index_sequence<reflect::field_count<T>>{}), ...);
    (add(&model_info<T>()), ...);
    return *this;
  }

  /// Parses the command line, runs the command and returns the process exit code (the
  /// table of `pgpx --help`). Errors are printed on standard error, never thrown.
  auto run(int argc, char** argv) const -> int;

  /// The program name.
  [[nodiscard]] auto name() const noexcept -> const std::string& { return name_; }
  /// The registered models, in registration order.
  [[nodiscard]] auto models() const noexcept -> const std::vector<const model_description*>& { return models_; }

 private:
  void add(const model_description* m) {
    for (const auto* known : models_)
      if (known == m) return;
    models_.push_back(m);
  }
  std::string name_;
  std::string description_;
  std::vector<const model_description*> models_;
};

}  // namespace pgpx::cli
