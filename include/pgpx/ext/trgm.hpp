// pgpx/ext/trgm.hpp: contrib's pg_trgm, similarity of text by trigrams.
//
//   template <> struct pgpx::model<city> {
//     static auto indexes() { return std::tuple{pgpx::trgm::gin(&city::name)}; } };
//   auto like = pgpx::select<city>()
//                   .where(pgpx::trgm::similar(pgpx::col(&city::name), "Pariss"))        // name % $1
//                   .order_by(pgpx::trgm::distance(pgpx::col(&city::name), "Pariss"))    // name <-> $1
//                   .limit(5).all(cx);
//
// pg_trgm adds no type: its functions and operators work on text. Builder: similarity,
// word_similarity, strict_word_similarity (float4), similar `%`, word_similar `<%`,
// strict_word_similar `<<%` (bool, against the pg_trgm thresholds), distance `<->`,
// word_distance `<<->` (float4). Indexes: gin(&T::m) (gin_trgm_ops) and gist(&T::m)
// (gist_trgm_ops), which also serve LIKE/ILIKE and regular expressions. Thresholds per
// transaction: set_similarity_threshold, set_word_similarity_threshold.
#pragma once

#include <pgpx/error.hpp>
#include <pgpx/ext/builder_ops.hpp>
#include <pgpx/model/model.hpp>

#include <string>

namespace pgpx::trgm {

/// `similarity(a, b)`: 0 (nothing in common) to 1 (the same trigrams).
template <class A, class B>
[[nodiscard]] auto similarity(const A& a, const B& b) {
  return ext::call<float>("similarity", a, b);
}
/// `word_similarity(a, b)`: the best match of a within b's words.
template <class A, class B>
[[nodiscard]] auto word_similarity(const A& a, const B& b) {
  return ext::call<float>("word_similarity", a, b);
}
/// `strict_word_similarity(a, b)`.
template <class A, class B>
[[nodiscard]] auto strict_word_similarity(const A& a, const B& b) {
  return ext::call<float>("strict_word_similarity", a, b);
}
/// `a % b`: similarity above pg_trgm.similarity_threshold (index-assisted).
template <class A, class B>
[[nodiscard]] auto similar(const A& a, const B& b) {
  return ext::binary<bool>(" % ", a, b);
}
/// `a <% b`: word similarity above pg_trgm.word_similarity_threshold.
template <class A, class B>
[[nodiscard]] auto word_similar(const A& a, const B& b) {
  return ext::binary<bool>(" <% ", a, b);
}
/// `a <<% b`: strict word similarity above its threshold.
template <class A, class B>
[[nodiscard]] auto strict_word_similar(const A& a, const B& b) {
  return ext::binary<bool>(" <<% ", a, b);
}
/// `a <-> b`: 1 - similarity (for ORDER BY, index-assisted with GiST).
template <class A, class B>
[[nodiscard]] auto distance(const A& a, const B& b) {
  return ext::binary<float>(" <-> ", a, b);
}
/// `a <<-> b`: 1 - word_similarity.
template <class A, class B>
[[nodiscard]] auto word_distance(const A& a, const B& b) {
  return ext::binary<float>(" <<-> ", a, b);
}

/// A GIN trigram index on a text member (model<T>::indexes()).
template <class C, class M>
[[nodiscard]] auto gin(M C::*member) -> index_decl {
  return pgpx::index(member).using_(pgpx::gin).opclass("gin_trgm_ops");
}
/// A GiST trigram index on a text member (serves `<->` ordering too).
template <class C, class M>
[[nodiscard]] auto gist(M C::*member) -> index_decl {
  return pgpx::index(member).using_(pgpx::gist).opclass("gist_trgm_ops");
}

/// pg_trgm.similarity_threshold for the rest of transaction `tx` (0..1, default 0.3).
template <class Tx>
void set_similarity_threshold(Tx& tx, double value) {
  if (!(value >= 0.0 && value <= 1.0)) throw usage_error("pgpx::trgm: a threshold is between 0 and 1");
  ext::set_local(tx, "pg_trgm.similarity_threshold", std::to_string(value));
}
/// pg_trgm.word_similarity_threshold for the rest of transaction `tx` (0..1, default 0.6).
template <class Tx>
void set_word_similarity_threshold(Tx& tx, double value) {
  if (!(value >= 0.0 && value <= 1.0)) throw usage_error("pgpx::trgm: a threshold is between 0 and 1");
  ext::set_local(tx, "pg_trgm.word_similarity_threshold", std::to_string(value));
}

}  // namespace pgpx::trgm
