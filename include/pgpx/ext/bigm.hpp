// pgpx/ext/bigm.hpp: pg_bigm, bigram full-text search (good for CJK text, where trigrams of
// pg_trgm are too coarse).
//
//   template <> struct pgpx::model<doc> {
//     static auto indexes() { return std::tuple{pgpx::bigm::gin(&doc::body)}; } };       // gin_bigm_ops
//   auto hits = pgpx::select<doc>()
//                   .where(pgpx::bigm::like(pgpx::col(&doc::body), std::string("東京")))  // body like likequery($1)
//                   .all(cx);
//
// pg_bigm adds no type. Builder: like (`like likequery(q)`, the index-assisted form of
// LIKE '%q%' with the pattern characters escaped), similarity (bigm_similarity, float4),
// similar (`=%`, against pg_bigm.similarity_limit). Index: gin(&T::m). Threshold per
// transaction: set_similarity_limit.
//
// No server we can reach packages pg_bigm: its SQL is tested as golden text
// (tests/unit/ext/bigm_sql_test.cpp), not run.
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/ext/builder_ops.hpp>
#include <pgpx/model/model.hpp>

#include <string>

namespace pgpx::bigm {

/// `likequery(q)`: q as a LIKE pattern matching it anywhere ('%q%', with % _ \ escaped).
template <class Q>
[[nodiscard]] auto likequery(const Q& q) {
  return ext::call<std::string>("likequery", q);
}
/// `a like likequery(q)`: a contains q (index-assisted by a gin_bigm_ops index).
template <class A, class Q>
[[nodiscard]] auto like(const A& a, const Q& q) {
  return ext::binary<bool>(" like ", a, likequery(q));
}
/// `bigm_similarity(a, b)`: 0..1.
template <class A, class B>
[[nodiscard]] auto similarity(const A& a, const B& b) {
  return ext::call<float>("bigm_similarity", a, b);
}
/// `a =% b`: bigram similarity at least pg_bigm.similarity_limit.
template <class A, class B>
[[nodiscard]] auto similar(const A& a, const B& b) {
  return ext::binary<bool>(" =% ", a, b);
}
/// A GIN bigram index on a text member (model<T>::indexes()).
template <class C, class M>
[[nodiscard]] auto gin(M C::*member) -> index_decl {
  return pgpx::index(member).using_(pgpx::gin).opclass("gin_bigm_ops");
}
/// pg_bigm.similarity_limit for the rest of transaction `tx` (0..1, default 0.3).
template <class Tx>
void set_similarity_limit(Tx& tx, double value) {
  if (!(value >= 0.0 && value <= 1.0)) throw usage_error("pgpx::bigm: the similarity limit is between 0 and 1");
  ext::set_local(tx, "pg_bigm.similarity_limit", std::to_string(value));
}

}  // namespace pgpx::bigm
