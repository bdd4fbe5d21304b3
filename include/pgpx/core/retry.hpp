// pgpx/core/retry.hpp: run a transaction again after a serialization failure or deadlock.
//
//   auto total = pgpx::with_retry(cx, [&](pgpx::transaction& tx) {
//     return tx.query_value<std::int64_t>("select sum(balance) from accounts");
//   }, {.transaction = {.level = pgpx::isolation::serializable}});
//
// The function runs inside a fresh transaction each time; the transaction commits after it
// returns. Only errors whose is_retryable() is true (SQLSTATE 40001, 40P01) cause another
// attempt, after an exponential backoff with jitter; everything else propagates at once.
// A commit_in_doubt is never retried: the work may already be committed.
#pragma once

#include <pgpx/core/transaction.hpp>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <type_traits>

namespace pgpx {

/// How with_retry behaves.
struct retry_options {
  int max_attempts = 5;                                 ///< attempts in total, at least 1
  std::chrono::milliseconds initial_backoff{5};         ///< wait before the second attempt
  std::chrono::milliseconds max_backoff{500};           ///< cap of the doubling wait
  transaction_options transaction{};                    ///< how each attempt begins
};

/**
 * Runs `fn(transaction&)` in a transaction and commits, retrying on retryable errors.
 * Returns what `fn` returns. Blocking; throws the last error when attempts run out.
 */
template <class F>
auto with_retry(connection& cx, F&& fn, retry_options options = {}) -> std::invoke_result_t<F&, transaction&> {
  using R = std::invoke_result_t<F&, transaction&>;
  thread_local std::minstd_rand rng{std::random_device{}()};
  auto backoff = options.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    try {
      transaction tx{cx, options.transaction};
      if constexpr (std::is_void_v<R>) {
        fn(tx);
        tx.commit();
        return;
      } else {
        R value = fn(tx);
        tx.commit();
        return value;
      }
    } catch (const error& e) {
      if (!e.is_retryable() || attempt >= std::max(1, options.max_attempts)) throw;
    }
    // Full jitter: a random wait in [backoff/2, backoff] spreads out competing retries.
    const auto ms = backoff.count();
    std::uniform_int_distribution<long long> pick(ms / 2, ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(pick(rng)));
    backoff = std::min(options.max_backoff, backoff * 2);
  }
}

}  // namespace pgpx
