// pgpx: the command-line tool. Everything is in pgpx::cli::application (cli/run.cpp), which an
// application's own manage-style binary runs too, with its models (pgpx/cli/application.hpp).
#include <pgpx/cli/application.hpp>

int main(int argc, char** argv) { return pgpx::cli::application().run(argc, argv); }
