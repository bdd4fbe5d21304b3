// tests/support/ext_error.hpp: expecting an extension_error of one cause (pgpx/ext/error.hpp).
//
//   const auto msg = pgpx::test::throws_cause([&] { reg.get("nope"); }, failure::unknown_plugin);
//   EXPECT_NE(msg.find("registered: odd"), std::string::npos) << msg;
#pragma once

#include <pgpx/ext/error.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace pgpx::test {

/// Runs `f`, expecting an extension_error whose cause() is `cause`; returns its message (empty,
/// and a test failure, when nothing is thrown).
inline auto throws_cause(const std::function<void()>& f, pgpx::ext::failure cause) -> std::string {
  try {
    f();
  } catch (const pgpx::ext::extension_error& e) {
    EXPECT_EQ(e.cause(), cause) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no extension_error thrown";
  return {};
}

}  // namespace pgpx::test
