// tests/support/co_assert.hpp: fatal assertions for coroutines returning awaitable<void>.
// GoogleTest's ASSERT_* expand to `return`, which a coroutine cannot use: these record the
// failure (as EXPECT_* does) and then leave the coroutine with co_return.
#pragma once

#include <gtest/gtest.h>

#define CO_ASSERT_TRUE(c)   \
  do {                      \
    const bool ok_ = (c);   \
    EXPECT_TRUE(ok_) << #c; \
    if (!ok_) co_return;    \
  } while (false)
#define CO_ASSERT_FALSE(c) CO_ASSERT_TRUE(!(c))
#define CO_ASSERT_EQ(a, b)        \
  do {                            \
    EXPECT_EQ(a, b);              \
    if (!((a) == (b))) co_return; \
  } while (false)
