// Uses the installed headers and libraries without a server: parse, encode, decode, reflect.
#include <pgpx/pgpx.hpp>

#include <iostream>

struct row {
  std::int64_t id;
  std::string name;
};

int main() {
  auto ci = pgpx::conninfo::parse("postgresql://app:pw@localhost:5432/appdb");
  pgpx::param_list p;
  p.add(std::int64_t{42}).add(pgpx::numeric("1.50")).add(pgpx::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  static_assert(pgpx::reflect::field_count<row> == 2);
  const bool ok = ci.get("dbname") == "appdb" && p.size() == 3 && pgpx::reflect::field_names<row>[1] == "name" &&
                  ci.redacted().find("pw") == std::string::npos;
  std::cout << "pgpx " << pgpx::version_string << (ok ? " ok" : " FAILED") << "\n";
  return ok ? 0 : 1;
}
