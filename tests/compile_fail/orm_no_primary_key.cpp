// expect: this verb needs a primary key
// expect: no_primary_key<event>
#include <pgpx/core/connection.hpp>
#include <pgpx/orm/crud.hpp>

#include <string>

struct event {
  std::string kind;
  std::string body;
};
void f(pgpx::connection& cx) { (void)pgpx::get<event>(cx, std::string("x")); }
