// Every write path applies the same range checks (issue 9, item 4).
//
// The matrix: for each class of value a column cannot hold (an unsigned integer above int8,
// an integer above a narrower column, a finite double that float4 would turn into Infinity
// or 0, dates and timestamps outside PostgreSQL's range, a duration beyond interval, text
// with a NUL byte, text that is not UTF-8, a numeric beyond its column's precision) and for
// each write path (a bound parameter, a pipeline batch, binary COPY, text COPY, an array
// parameter, a composite parameter), the value is refused, the error names where it was
// (parameter $1, row 4 member "v", array element [1], member "v" of ...), the table is
// unchanged and the same connection goes on working. The same value that is good on each
// path is written first, so that a path that refuses everything cannot pass.
//
// Who refuses: pgpx, with a conversion_error before anything is stored, wherever it knows
// the target type (the C++ type's own range, and every column type in COPY); the server,
// with a class-22 sql_error, where only the server knows the column (a parameter's int8
// into an int2 column, text COPY, numeric precision). Each cell states which.
#include "support/test_db.hpp"

#include <pgpx/core/connection.hpp>
#include <pgpx/core/copy.hpp>
#include <pgpx/core/pipeline.hpp>
#include <pgpx/types.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace wc {
/// One column "v": the row binary COPY writes.
template <class T>
struct one {
  T v;
};
/// A composite type with one field "v".
template <class T>
struct comp {
  T v;
};
}  // namespace wc

template <class T>
inline constexpr bool pgpx::is_composite<wc::comp<T>> = true;

namespace {

using ::testing::HasSubstr;
using namespace std::chrono;

/// Who refuses a value on one path: pgpx (conversion_error naming the place, nothing
/// sent) or the server (class 22 sql_error; the statement stored nothing).
enum class by { pgpx, server };

/// The expectations of one class of value on each path.
struct paths {
  by param;
  by batch;
  by copy;
  by copy_text;
  by array;
  by composite;
};

class write_checks_test : public pgpx::test::db_test {
 protected:
  auto count(const std::string& table) -> std::int64_t {
    return cx().query_value<std::int64_t>("select count(*) from " + table);
  }

  /// Runs `attempt`, which must be refused as `who` says; then the table is unchanged and
  /// the connection is open and answers.
  template <class F>
  void expect_refused(const std::string& cell, by who, const std::string& place, const std::string& table,
                      F&& attempt) {
    SCOPED_TRACE(cell);
    const auto before = count(table);
    try {
      attempt();
      ADD_FAILURE() << cell << ": the value was accepted";
    } catch (const pgpx::error& e) {  // a batch's outcome rethrows its errors as pgpx::error
      if (e.kind() == pgpx::error_kind::conversion) {
        EXPECT_EQ(who, by::pgpx) << cell << ": pgpx refused what only the server should: " << e.what();
        EXPECT_THAT(e.what(), HasSubstr(place)) << cell;
      } else if (e.kind() == pgpx::error_kind::sql) {
        EXPECT_EQ(who, by::server) << cell << ": pgpx let the server refuse it: " << e.what();
        EXPECT_EQ(e.sqlstate().substr(0, 2), "22") << cell << ": " << e.what();
      } else {
        ADD_FAILURE() << cell << ": wrong kind of error: " << e.what();
      }
      EXPECT_FALSE(e.poisons_connection()) << cell;
    }
    EXPECT_TRUE(cx().is_open()) << cell;
    EXPECT_EQ(count(table), before) << cell << ": something was written";
    EXPECT_EQ(cx().query_value<std::int32_t>("select 41 + 1"), 42) << cell;
  }

  /// The matrix row of one class: the C++ type T, the column type, a value the column holds
  /// and one it cannot, that value's text for text COPY, and who refuses it on each path.
  template <class T>
  void check_class(const std::string& name, const std::string& column_type, const T& good, const T& bad,
                   const std::string& bad_text, paths who) {
    SCOPED_TRACE("class " + name + " (" + column_type + ")");
    const std::string t = "t_" + name, a = "a_" + name, k = "k_" + name, c = "c_" + name;
    cx().execute_script("create table " + t + " (v " + column_type + "); create table " + a + " (v " + column_type +
                        "[]); create type " + c + " as (v " + column_type + "); create table " + k + " (v " + c + ")");
    const std::string ins = "insert into " + t + " (v) values ($1)";

    // The good value goes through every path (so the paths work), then is removed.
    cx().execute(ins, good);
    pgpx::batch gb;
    gb.add(ins, good);
    pgpx::run_batch(cx(), gb).check();
    pgpx::copy_in<wc::one<T>>(cx(), pgpx::copy_table(t), std::vector<wc::one<T>>{{good}});
    cx().execute("insert into " + a + " (v) values ($1)", std::vector<T>{good});
    cx().execute("insert into " + k + " (v) values ($1)", wc::comp<T>{good});
    ASSERT_EQ(count(t), 3);
    cx().execute_script("truncate " + t + ", " + a + ", " + k);

    expect_refused("parameter", who.param, "parameter $1", t, [&] { cx().execute(ins, bad); });
    expect_refused("unprepared parameter", who.param, "parameter $1", t, [&] {
      pgpx::connection_options o;
      o.statement_cache_capacity = 0;
      pgpx::connection other(conninfo(), o);
      try {
        other.execute(ins, bad);
      } catch (...) {
        EXPECT_TRUE(other.is_open());
        EXPECT_EQ(other.query_value<std::int32_t>("select 1"), 1);
        throw;
      }
    });
    expect_refused("batch", who.batch, "parameter $1", t, [&] {
      pgpx::batch b;
      b.add(ins, good);
      b.add(ins, bad);
      pgpx::run_batch(cx(), b, {.sync_every = 0}).check();
    });
    expect_refused("binary COPY", who.copy, "row 4, member \"v\" (column \"v\"", t, [&] {
      std::vector<wc::one<T>> rows(3, wc::one<T>{good});
      rows.push_back({bad});
      pgpx::copy_in<wc::one<T>>(cx(), pgpx::copy_table(t), rows);
    });
    expect_refused("binary COPY after a flush", who.copy, "row 20001, member \"v\"", t, [&] {
      std::vector<wc::one<T>> rows(20000, wc::one<T>{good});  // more than one 64 kB send
      rows.push_back({bad});
      pgpx::copy_in<wc::one<T>>(cx(), pgpx::copy_table(t), rows);
    });
    expect_refused("text COPY", who.copy_text, "", t, [&] {
      std::istringstream in("\\N\n" + bad_text + "\n");
      pgpx::copy_from(cx(), "copy " + t + " (v) from stdin", in);
    });
    expect_refused("array parameter", who.array, "parameter $1", a, [&] {
      cx().execute("insert into " + a + " (v) values ($1)", std::vector<T>{good, bad});
    });
    expect_refused("composite parameter", who.composite, "parameter $1", k,
                   [&] { cx().execute("insert into " + k + " (v) values ($1)", wc::comp<T>{bad}); });
  }
};

constexpr paths everywhere_pgpx{by::pgpx, by::pgpx, by::pgpx, by::server, by::pgpx, by::pgpx};

TEST_F(write_checks_test, unsigned_above_int8) {
  check_class<std::uint64_t>("u64", "int8", 7, std::uint64_t{1} << 63, "9223372036854775808", everywhere_pgpx);
  check_class<std::uint64_t>("u64max", "int8", std::uint64_t{INT64_MAX}, ~std::uint64_t{0}, "18446744073709551615",
                             everywhere_pgpx);
}

TEST_F(write_checks_test, integer_above_a_narrower_column) {
  // pgpx knows the column's type only in COPY; elsewhere the int8 parameter is cast by the
  // server, whose cast refuses it (22003).
  const paths who{by::server, by::server, by::pgpx, by::server, by::server, by::server};
  check_class<std::int64_t>("i64_i2", "int2", -32768, 32768, "32768", who);
  check_class<std::int64_t>("i64_i4", "int4", 2147483647, -2147483649LL, "-2147483649", who);
  check_class<std::uint32_t>("u32_i4", "int4", 5, 4294967295U, "4294967295", who);
}

TEST_F(write_checks_test, finite_double_that_float4_cannot_hold) {
  const paths who{by::server, by::server, by::pgpx, by::server, by::server, by::server};
  check_class<double>("f_over", "float4", 3.4e38, 1e300, "1e300", who);
  check_class<double>("f_over_neg", "float4", -3.4e38, -3.4028236e38, "-3.4028236e38", who);
  check_class<double>("f_under", "float4", 1e-38, 1e-300, "1e-300", who);
}

TEST_F(write_checks_test, real_infinities_and_nan_stay_allowed_in_float4) {
  cx().execute_script("create table f (v float4)");
  for (const double v : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                         std::numeric_limits<double>::quiet_NaN()}) {
    pgpx::copy_in<wc::one<double>>(cx(), "f", std::vector<wc::one<double>>{{v}});
    cx().execute("insert into f values ($1)", v);
  }
  EXPECT_EQ(cx().query<std::string>("select v::text from f order by v"),
            (std::vector<std::string>{"-Infinity", "-Infinity", "Infinity", "Infinity", "NaN", "NaN"}));
}

TEST_F(write_checks_test, dates_and_timestamps_outside_postgresql) {
  using namespace std::chrono;
  const pgpx::date good_date = year(-4713) / November / 24;  // the first PostgreSQL date
  const pgpx::date bad_date = year(-4713) / November / 23;
  check_class<pgpx::date>("d", "date", good_date, bad_date, "4714-11-23 BC", everywhere_pgpx);
  // 294277-01-01 00:00:00 UTC, one past the last PostgreSQL timestamp (beyond year's range).
  const sys_seconds bad_ts{seconds(9'224'318'016'000)};
  // The last second a sys_time in microseconds holds (294247-01-10, see chrono.hpp).
  const sys_seconds good_ts{seconds(std::numeric_limits<std::int64_t>::max() / 1'000'000 - 1)};
  check_class<sys_seconds>("ts", "timestamptz", good_ts, bad_ts, "294277-01-01 00:00:00+00", everywhere_pgpx);
}

TEST_F(write_checks_test, durations_beyond_interval) {
  check_class<hours>("iv", "interval", hours(2'562'047'788), hours(2'562'047'789), "2562047789 hours", everywhere_pgpx);
}

TEST_F(write_checks_test, text_with_a_nul_byte_or_invalid_utf8) {
  const std::string nul("a\0b", 3);
  check_class<std::string>("nul", "text", "a b", nul, std::string("a\0b", 3), everywhere_pgpx);
  check_class<std::string>("utf8", "text", "\xc3\xa9t\xc3\xa9", "caf\xc3", "caf\xc3", everywhere_pgpx);
  check_class<std::string>("surrogate", "text", "\xe2\x82\xac", "\xed\xa0\x80", "\xed\xa0\x80", everywhere_pgpx);
}

TEST_F(write_checks_test, numeric_beyond_its_column_precision_is_refused_by_the_server_on_every_path) {
  // The precision of numeric(5,2) is the column's: only the server knows it, on every path.
  const paths who{by::server, by::server, by::server, by::server, by::server, by::server};
  check_class<pgpx::numeric>("num", "numeric(5,2)", pgpx::numeric("999.99"), pgpx::numeric("1000"), "1000", who);
}

TEST_F(write_checks_test, a_refused_copy_names_row_member_and_column_in_the_error_fields) {
  cx().execute_script("create table small (id int8, n int2)");
  struct row {
    std::int64_t id;
    std::uint64_t n;
  };
  try {
    pgpx::copy_in<row>(cx(), "small", std::vector<row>{{1, 2}, {2, 70000}});
    FAIL();
  } catch (const pgpx::conversion_error& e) {
    EXPECT_EQ(e.info().column, "n");
    EXPECT_EQ(e.info().table, "small");
    EXPECT_THAT(e.what(), HasSubstr("row 2"));
    EXPECT_THAT(e.what(), HasSubstr("70000"));
    EXPECT_THAT(e.what(), HasSubstr("int2"));
  }
  EXPECT_EQ(count("small"), 0);
  EXPECT_EQ(pgpx::copy_in<row>(cx(), "small", std::vector<row>{{1, 32767}}), 1u);
}

}  // namespace

namespace {

// The UTF-8 check follows the session's encoding: a LATIN1 session sends LATIN1 bytes, and
// its own parameters are not refused for not being UTF-8 (NUL still is).
TEST_F(write_checks_test, a_latin1_session_sends_latin1_text_and_still_refuses_nul) {
  cx().execute_script("create table latin (s text)");
  auto ci = conninfo();
  ci.set("client_encoding", "LATIN1");
  pgpx::connection l{ci};
  ASSERT_EQ(l.parameter_status("client_encoding"), "LATIN1");
  l.execute("insert into latin values ($1)", std::string("caf\xe9"));  // é in LATIN1
  EXPECT_EQ(cx().query_value<std::string>("select s from latin"), "caf\xc3\xa9");  // read back as UTF-8
  EXPECT_THROW(l.execute("insert into latin values ($1)", std::string("a\0b", 3)), pgpx::conversion_error);
  EXPECT_TRUE(l.is_open());
  // A UTF-8 session refuses the same bytes before sending them.
  EXPECT_THROW(cx().execute("insert into latin values ($1)", std::string("caf\xe9")), pgpx::conversion_error);
  EXPECT_EQ(cx().query_value<std::int64_t>("select count(*) from latin"), 1);
  // Batches for the LATIN1 session: told so with check_utf8(false), or through add_params from
  // a list that follows the session's rule; by default a batch still refuses the bytes.
  pgpx::batch refused;
  EXPECT_THROW(refused.add("insert into latin values ($1)", std::string("d\xe9j\xe0")), pgpx::conversion_error);
  EXPECT_EQ(pgpx::detail::batch_access::params(refused).size(), 0u);
  pgpx::batch b;
  b.check_utf8(false);
  b.add("insert into latin values ($1)", std::string("d\xe9j\xe0"));
  pgpx::param_list p;
  p.check_utf8(false);
  p.add(std::string("na\xefve"));
  b.add_params("insert into latin values ($1)", p);
  EXPECT_THROW(b.add("insert into latin values ($1)", std::string("a\0b", 3)), pgpx::conversion_error);
  ASSERT_TRUE(pgpx::run_batch(l, b).ok());
  EXPECT_EQ(
      cx().query_value<std::int64_t>("select count(*) from latin where s in ('d\xc3\xa9j\xc3\xa0', 'na\xc3\xafve')"),
      2);
}

}  // namespace
