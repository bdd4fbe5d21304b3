// pgpx_test_pglite start|stop DIR: the ctest fixture that runs one PGlite server (pgvector)
// for the tests that need it (tests/support/pglite.hpp).
#include "support/pglite.hpp"

#include <exception>
#include <iostream>
#include <string>

auto main(int argc, char** argv) -> int {
  if (argc != 3) {
    std::cerr << "usage: pgpx_test_pglite start|stop DIR\n";
    return 2;
  }
  const std::string verb = argv[1];
  try {
    if (verb == "start") {
      std::cout << "pglite started on port " << pgpx::test::start_pglite(argv[2]) << '\n';
      return 0;
    }
    if (verb == "stop") {
      pgpx::test::stop_pglite(argv[2]);
      std::cout << "pglite stopped\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "pgpx_test_pglite: " << e.what() << '\n';
    return 1;
  }
  std::cerr << "pgpx_test_pglite: unknown verb " << verb << '\n';
  return 2;
}
