// Models for the query builder's PostgreSQL operators (ranges, time arithmetic, jsonpath,
// unnest, raw fragments) and MERGE, shared by their SQL tests and their server tests.
#pragma once

#include <pgpx/model/model.hpp>
#include <pgpx/types/multirange.hpp>
#include <pgpx/types/range.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace query_ops {

/// A room booked for a time range and a range of seats.
struct booking {
  pgpx::identity<std::int64_t> id;
  std::string room;
  pgpx::range<pgpx::timestamptz> during;
  pgpx::range<std::int32_t> seats;
  pgpx::date day;
  pgpx::timestamptz created_at;
  std::optional<pgpx::timestamptz> closed_at;
  pgpx::interval grace;
  nlohmann::json meta;
  std::vector<std::string> tags;
};

/// A room's free hours of the day (a multirange) and its opening hours (a range), for the
/// multirange operators.
struct availability {
  pgpx::identity<std::int64_t> id;
  std::string room;
  pgpx::multirange<std::int32_t> free;
  pgpx::range<std::int32_t> hours;
  std::optional<pgpx::multirange<pgpx::date>> closed;
};

/// Stock per SKU, the target of MERGE (soft-deleted: discontinued SKUs).
struct stock {
  pgpx::key<std::string> sku;
  std::int32_t qty;
  std::optional<std::string> note;
  pgpx::deleted_at deleted_at;
};
/// Incoming deliveries, the source of MERGE.
struct delivery {
  pgpx::identity<std::int64_t> id;
  std::string sku;
  std::int32_t qty;
};

}  // namespace query_ops
