// examples/semantic_search: a semantic search with pgvector, end to end. Passages are stored
// with an embedding (vector(64) here; 1536 with a real embedding model), an HNSW index is
// declared on the model, and the nearest passages to a question come back through the query
// builder, with hnsw.ef_search raised for that one transaction.
//
// It needs a server with pgvector: `create extension vector` must work. The project's tests
// run it against PGlite (tools/pglite), because Debian does not package pgvector:
//   export PGPX_DATABASE_URL="host=127.0.0.1 port=5433 user=postgres dbname=postgres sslmode=disable"
//   ./build/dev/examples/semantic_search/semantic_search
// The embedding below is a toy (hashed letter trigrams), so that the example runs offline;
// swap in the vectors of your model. Exits 1 when the server's ranking differs from the
// ranking computed here.
#include <pgpx/ext/pgvector.hpp>
#include <pgpx/orm/crud.hpp>
#include <pgpx/pgpx.hpp>
#include <pgpx/query/select.hpp>
#include <pgpx/schema/ddl.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pv = pgpx::pgvector;

constexpr int dims = 64;

struct passage {
  pgpx::identity<std::int64_t> id;
  std::string body;
  pv::vector_of<dims> embedding;  // vector(64): an index needs fixed dimensions
};
template <>
struct pgpx::model<passage> {
  static auto indexes() { return std::tuple{pv::hnsw(&passage::embedding, pv::cosine, {.m = 16})}; }
};

// A stand-in for an embedding model: letter trigrams of the lowercased words, hashed into
// `dims` buckets, normalised. Texts that share words end up close in cosine distance.
auto embed(std::string_view text) -> pv::vector_of<dims> {
  std::vector<float> v(dims, 0.0F);
  std::string word;
  const auto add_word = [&] {
    const std::string w = " " + word + " ";
    for (std::size_t i = 0; i + 3 <= w.size(); ++i) {
      std::uint32_t h = 2166136261U;
      for (std::size_t k = i; k < i + 3; ++k) h = (h ^ static_cast<unsigned char>(w[k])) * 16777619U;
      v[h % dims] += 1.0F;
    }
    word.clear();
  };
  for (const char c : text) {
    if (std::isalpha(static_cast<unsigned char>(c)) != 0) word += static_cast<char>(std::tolower(c));
    else if (!word.empty()) add_word();
  }
  if (!word.empty()) add_word();
  double norm = 0;
  for (const float x : v) norm += double(x) * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
  return v;
}

int main() try {
  auto cfg = pgpx::config::load();
  pgpx::connection cx{cfg.connection(), pgpx::connection_options_of(cfg)};
  cx.execute_script("create extension if not exists vector; drop table if exists passages");
  pgpx::schema::create(cx, pgpx::models<passage>);  // the table and its HNSW index (vector_cosine_ops)

  const std::array<std::string_view, 6> docs{
      "The train from London to Paris takes two hours through the tunnel.",
      "Sourdough bread needs flour, water, salt and a lively starter.",
      "Vacuum the car seats before cleaning the windows.",
      "Cheap flights to Paris leave every morning from the airport.",
      "A vector index finds the nearest neighbours of an embedding quickly.",
      "Bake the bread in a hot oven until the crust is dark.",
  };
  {
    pgpx::transaction tx{cx};
    for (const auto d : docs) (void)pgpx::insert(tx, passage{{}, std::string(d), embed(d)});
    tx.commit();
  }

  const std::string question = "a lively sourdough starter for bread";
  pgpx::transaction tx{cx};
  pv::set_ef_search(tx, 100);  // hnsw.ef_search for this transaction only
  const auto hits = pgpx::select<passage>()
                        .order_by(pv::cosine_distance(pgpx::col(&passage::embedding), pv::vector(embed(question))))
                        .limit(3)
                        .all(tx);  // ... order by "embedding" <=> $1 limit $2
  tx.commit();

  std::cout << "question: " << question << "\n";
  for (const auto& h : hits) std::cout << "  " << h.body << "\n";
  // The same ranking computed here (six passages: the index's search is exact at this size).
  const auto q = embed(question);
  std::vector<std::pair<double, std::string_view>> by_hand;
  for (const auto d : docs) {
    const auto e = embed(d);
    double dot = 0;
    for (int i = 0; i < dims; ++i) dot += double(e.values[i]) * q.values[i];
    by_hand.emplace_back(1.0 - dot, d);  // both are unit vectors: cosine distance = 1 - dot
  }
  std::sort(by_hand.begin(), by_hand.end());
  for (std::size_t i = 0; i < hits.size(); ++i) {
    if (i >= by_hand.size() || hits[i].body != by_hand[i].second) {
      std::cerr << "semantic_search: hit " << i << " differs from the ranking computed here\n";
      return 1;
    }
  }
  if (hits.size() != 3) return 1;
  cx.execute_script("drop table passages");
  return 0;
} catch (const pgpx::error& e) {
  std::cerr << "semantic_search: " << e.what() << "\n";
  return 1;
}
