// examples/copy: bulk load structs with binary COPY, read them back, export CSV.
#include <pgpx/pgpx.hpp>

#include <iostream>
#include <sstream>

struct event {
  std::int64_t id;
  std::string name;
  pgpx::timestamptz at;
  std::vector<std::string> tags;
};

int main() try {
  auto cfg = pgpx::config::load();
  pgpx::connection cx{cfg.connection(), pgpx::connection_options_of(cfg)};
  cx.execute_script("create temporary table events (id int8 primary key, name text, at timestamptz, tags text[])");

  std::vector<event> events;
  for (int i = 0; i < 50'000; ++i)
    events.push_back({i, "event " + std::to_string(i), pgpx::now(), {"bulk", i % 2 == 0 ? "even" : "odd"}});
  const auto stored = pgpx::copy_in<event>(cx, "events", events);

  std::int64_t odd = 0;
  pgpx::copy_out_query<event>(cx, "select * from events", [&](const event& e) { odd += e.tags[1] == "odd"; });

  std::ostringstream csv;
  pgpx::copy_to(cx, "copy (select id, name from events order by id limit 3) to stdout (format csv, header)", csv);
  std::cout << stored << " rows stored, " << odd << " odd\n" << csv.str();
  return stored == 50'000 && odd == 25'000 ? 0 : 1;
} catch (const pgpx::error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
