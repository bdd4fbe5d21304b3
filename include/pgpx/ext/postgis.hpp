// pgpx/ext/postgis.hpp: PostGIS geometry and geography, their functions and indexes.
//
//   struct shop { pgpx::identity<std::int64_t> id; std::string name; pgpx::postgis::geography location; };
//   template <> struct pgpx::model<shop> {
//     static auto indexes() { return std::tuple{pgpx::postgis::gist(&shop::location)}; } };
//
//   namespace pg = pgpx::postgis;
//   const pg::geography here = pg::geography::point(2.3522, 48.8566);          // lon, lat; SRID 4326
//   auto nearest = pgpx::select<shop>()
//                      .where(pg::dwithin(pgpx::col(&shop::location), here, 5000.0))   // within 5 km
//                      .order_by(pg::knn(pgpx::col(&shop::location), here))         // location <-> $2
//                      .limit(3).all(cx);
//
// Values are codecs by name (pgpx/types/by_name.hpp) in PostGIS's binary form, EWKB: a byte
// order, a type word with Z and SRID flags, the SRID, then the shape. Points, line strings,
// polygons, their multi forms and collections, in 2D or 3D (Z); M coordinates are refused on
// reading (not represented here). Geometries are written in the machine's byte order and
// read in either. Before a value is sent it is checked (finite coordinates, one dimension
// count throughout, polygon rings closed with at least 4 points); malformed input from the
// server is a conversion_error. Each error names postgis and the cause; nothing is sent.
//
// Builder: distance, dwithin, within, contains, intersects, transform, as_geojson, area,
// length, and the index-assisted nearest-neighbour ordering knn (`<->`). gist(&T::m) declares
// a GiST index.
#pragma once

#include <pgpx/detail/endian.hpp>
#include <pgpx/error.hpp>
#include <pgpx/ext/builder_ops.hpp>
#include <pgpx/model/model.hpp>
#include <pgpx/types/by_name.hpp>
#include <pgpx/types/codec.hpp>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pgpx::postgis {

/// One position: x (longitude), y (latitude) and an optional z.
struct coord {
  double x = 0;
  double y = 0;
  std::optional<double> z;
  friend auto operator==(const coord&, const coord&) -> bool = default;
};

struct point {
  coord at;
  friend auto operator==(const point&, const point&) -> bool = default;
};
struct line_string {
  std::vector<coord> points;
  friend auto operator==(const line_string&, const line_string&) -> bool = default;
};
/// The first ring is the exterior, the others holes; each ring is closed (first == last).
struct polygon {
  std::vector<std::vector<coord>> rings;
  friend auto operator==(const polygon&, const polygon&) -> bool = default;
};
struct multi_point {
  std::vector<coord> points;
  friend auto operator==(const multi_point&, const multi_point&) -> bool = default;
};
struct multi_line_string {
  std::vector<line_string> lines;
  friend auto operator==(const multi_line_string&, const multi_line_string&) -> bool = default;
};
struct multi_polygon {
  std::vector<polygon> polygons;
  friend auto operator==(const multi_polygon&, const multi_polygon&) -> bool = default;
};
struct shape;
struct geometry_collection {
  std::vector<shape> items;
  friend auto operator==(const geometry_collection&, const geometry_collection&) -> bool;
};
/// Any of the shapes.
struct shape {
  std::variant<point, line_string, polygon, multi_point, multi_line_string, multi_polygon, geometry_collection> value;
  friend auto operator==(const shape&, const shape&) -> bool = default;
};
inline auto operator==(const geometry_collection& a, const geometry_collection& b) -> bool {
  return a.items == b.items;
}

/// A `geometry` value: a shape and its spatial reference id (0: none).
struct geometry {
  shape value;
  std::int32_t srid = 0;
  friend auto operator==(const geometry&, const geometry&) -> bool = default;
  /// A 2D point.
  [[nodiscard]] static auto point(double x, double y, std::int32_t srid = 0) -> geometry {
    return {{postgis::point{{x, y, std::nullopt}}}, srid};
  }
};
/// A `geography` value: on the spheroid, SRID 4326 (WGS 84) unless given; distances in metres.
struct geography {
  shape value;
  std::int32_t srid = 4326;
  friend auto operator==(const geography&, const geography&) -> bool = default;
  /// A point at longitude `lon`, latitude `lat`.
  [[nodiscard]] static auto point(double lon, double lat) -> geography {
    return {{postgis::point{{lon, lat, std::nullopt}}}, 4326};
  }
};

// ---- builder --------------------------------------------------------------------------------

/// `ST_Distance(a, b)` (geography: metres).
template <class A, class B>
[[nodiscard]] auto distance(const A& a, const B& b) {
  return ext::call<double>("ST_Distance", a, b);
}
/// `ST_DWithin(a, b, d)`: within distance d (index-assisted).
template <class A, class B>
[[nodiscard]] auto dwithin(const A& a, const B& b, double d) {
  return ext::call<bool>("ST_DWithin", a, b, d);
}
/// `ST_Within(a, b)`.
template <class A, class B>
[[nodiscard]] auto within(const A& a, const B& b) {
  return ext::call<bool>("ST_Within", a, b);
}
/// `ST_Contains(a, b)`.
template <class A, class B>
[[nodiscard]] auto contains(const A& a, const B& b) {
  return ext::call<bool>("ST_Contains", a, b);
}
/// `ST_Intersects(a, b)`.
template <class A, class B>
[[nodiscard]] auto intersects(const A& a, const B& b) {
  return ext::call<bool>("ST_Intersects", a, b);
}
/// `ST_Transform(g, srid)`.
template <class G>
[[nodiscard]] auto transform(const G& g, std::int32_t srid) {
  return ext::call<geometry>("ST_Transform", g, srid);
}
/// `ST_AsGeoJSON(g)`.
template <class G>
[[nodiscard]] auto as_geojson(const G& g) {
  return ext::call<std::string>("ST_AsGeoJSON", g);
}
/// `ST_Area(g)`.
template <class G>
[[nodiscard]] auto area(const G& g) {
  return ext::call<double>("ST_Area", g);
}
/// `ST_Length(g)`.
template <class G>
[[nodiscard]] auto length(const G& g) {
  return ext::call<double>("ST_Length", g);
}
/// `a <-> b`: the distance ordering a GiST index serves (nearest first).
template <class A, class B>
[[nodiscard]] auto knn(const A& a, const B& b) {
  return ext::binary<double>(" <-> ", a, b);
}
/// A GiST index on a geometry or geography member (model<T>::indexes()).
template <class C, class M>
[[nodiscard]] auto gist(M C::*member) -> index_decl {
  return pgpx::index(member).using_(pgpx::gist);
}

// ---- EWKB -------------------------------------------------------------------------------

namespace detail {

[[noreturn]] inline void fail(const std::string& what) { throw conversion_error("postgis: " + what); }

inline constexpr std::uint32_t flag_z = 0x80000000U;
inline constexpr std::uint32_t flag_m = 0x40000000U;
inline constexpr std::uint32_t flag_srid = 0x20000000U;

/// Writes EWKB in the machine's byte order.
class writer {
 public:
  explicit writer(std::string& out) : out_(out) {}

  void write(const shape& s, std::int32_t srid) {
    has_z_ = dimension_of(s);
    header(type_of(s), srid);
    body(s);
  }

 private:
  std::string& out_;
  bool has_z_ = false;

  template <class T>
  void raw(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out_.append(b, sizeof(T));
  }
  void header(std::uint32_t type, std::int32_t srid) {
    out_ += std::endian::native == std::endian::little ? '\1' : '\0';
    if (has_z_) type |= flag_z;
    if (srid != 0) type |= flag_srid;
    raw(type);
    if (srid != 0) raw(srid);
  }
  // The WKB type number: shape's alternatives are in WKB's order (Point = 1 ... collection = 7).
  static auto type_of(const shape& s) -> std::uint32_t { return static_cast<std::uint32_t>(s.value.index()) + 1; }
  static_assert(std::variant_size_v<decltype(shape::value)> == 7 &&
                std::is_same_v<std::variant_alternative_t<6, decltype(shape::value)>, geometry_collection>);

  // Whether the shape is 3D; every coordinate must agree.
  static auto dimension_of(const shape& s) -> bool {
    std::optional<bool> z;
    visit_coords(s, [&](const coord& c) {
      if (!std::isfinite(c.x) || !std::isfinite(c.y) || (c.z && !std::isfinite(*c.z)))
        fail("coordinates must be finite numbers");
      if (!z) z = c.z.has_value();
      else if (*z != c.z.has_value()) fail("a geometry mixes 2D and 3D coordinates");
    });
    return z.value_or(false);
  }
  template <class F>
  static void visit_coords(const shape& s, F&& f) {
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, point>) f(v.at);
          else if constexpr (std::is_same_v<V, line_string> || std::is_same_v<V, multi_point>)
            for (const auto& c : v.points) f(c);
          else if constexpr (std::is_same_v<V, polygon>)
            for (const auto& r : v.rings)
              for (const auto& c : r) f(c);
          else if constexpr (std::is_same_v<V, multi_line_string>)
            for (const auto& l : v.lines)
              for (const auto& c : l.points) f(c);
          else if constexpr (std::is_same_v<V, multi_polygon>)
            for (const auto& p : v.polygons)
              for (const auto& r : p.rings)
                for (const auto& c : r) f(c);
          else
            for (const auto& item : v.items) visit_coords(item, f);
        },
        s.value);
  }
  void coords(const coord& c) {
    raw(c.x);
    raw(c.y);
    if (has_z_) raw(*c.z);
  }
  void count(std::size_t n) {
    if (n > 0x7fffffffU) fail("too many elements");
    raw(static_cast<std::uint32_t>(n));
  }
  void points(const std::vector<coord>& ps) {
    count(ps.size());
    for (const auto& c : ps) coords(c);
  }
  void rings(const polygon& p) {
    count(p.rings.size());
    for (const auto& r : p.rings) {
      if (r.size() < 4) fail("a polygon ring needs at least 4 points");
      if (r.front().x != r.back().x || r.front().y != r.back().y || r.front().z != r.back().z)
        fail("a polygon ring must be closed (its last point equal to its first)");
      points(r);
    }
  }
  void body(const shape& s) {
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, point>) {
            coords(v.at);
          } else if constexpr (std::is_same_v<V, line_string>) {
            if (v.points.size() == 1) fail("a line string needs 0 or at least 2 points");
            points(v.points);
          } else if constexpr (std::is_same_v<V, polygon>) {
            rings(v);
          } else if constexpr (std::is_same_v<V, multi_point>) {
            count(v.points.size());
            for (const auto& c : v.points) sub(shape{point{c}});
          } else if constexpr (std::is_same_v<V, multi_line_string>) {
            count(v.lines.size());
            for (const auto& l : v.lines) sub(shape{l});
          } else if constexpr (std::is_same_v<V, multi_polygon>) {
            count(v.polygons.size());
            for (const auto& p : v.polygons) sub(shape{p});
          } else {
            count(v.items.size());
            for (const auto& item : v.items) sub(item);
          }
        },
        s.value);
  }
  void sub(const shape& s) {  // a member of a multi shape: its own header, no SRID
    header(type_of(s), 0);
    body(s);
  }
};

/// Reads EWKB in either byte order.
class reader {
 public:
  explicit reader(std::string_view in) : in_(in) {}

  auto read(std::int32_t& srid) -> shape {
    shape s = geometry_at(srid, 0);
    if (at_ != in_.size()) fail("trailing bytes after the geometry");
    return s;
  }

 private:
  std::string_view in_;
  std::size_t at_ = 0;
  bool little_ = true;

  auto bytes(std::size_t n) -> const char* {
    if (in_.size() - at_ < n) fail("truncated geometry");
    const char* p = in_.data() + at_;
    at_ += n;
    return p;
  }
  auto u32() -> std::uint32_t {
    std::uint32_t v = 0;
    std::memcpy(&v, bytes(4), 4);
    if (little_ != (std::endian::native == std::endian::little)) v = __builtin_bswap32(v);
    return v;
  }
  auto f64() -> double {
    std::uint64_t v = 0;
    std::memcpy(&v, bytes(8), 8);
    if (little_ != (std::endian::native == std::endian::little)) v = __builtin_bswap64(v);
    return std::bit_cast<double>(v);
  }
  auto count(std::size_t min_bytes_each) -> std::size_t {
    const std::uint32_t n = u32();
    if (min_bytes_each != 0 && n > (in_.size() - at_) / min_bytes_each) fail("element count beyond the value's end");
    return n;
  }
  auto position(bool z) -> coord {
    coord c;
    c.x = f64();
    c.y = f64();
    if (z) c.z = f64();
    return c;
  }
  auto positions(bool z) -> std::vector<coord> {
    const std::size_t n = count(z ? 24 : 16);
    std::vector<coord> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(position(z));
    return out;
  }
  auto geometry_at(std::int32_t& srid, int depth) -> shape {
    if (depth > 32) fail("geometry collections nested too deeply");
    const char order = *bytes(1);
    if (order != 0 && order != 1) fail("bad byte order mark");
    little_ = order == 1;
    const std::uint32_t word = u32();
    const bool z = (word & flag_z) != 0;
    if ((word & flag_m) != 0) fail("M coordinates are not supported (use ST_Force2D or ST_Force3DZ)");
    if ((word & flag_srid) != 0) srid = static_cast<std::int32_t>(u32());
    std::uint32_t type = word & 0x0fffffffU;
    if (type > 1000) {  // ISO WKB dimension codes (1001 = Point Z...)
      if (type / 1000 != 1) fail("M coordinates are not supported");
      type %= 1000;
      return body(type, true, depth);
    }
    return body(type, z, depth);
  }
  auto body(std::uint32_t type, bool z, int depth) -> shape {
    switch (type) {
      case 1: return {point{position(z)}};
      case 2: return {line_string{positions(z)}};
      case 3: {
        polygon p;
        const std::size_t n = count(4);
        for (std::size_t i = 0; i < n; ++i) p.rings.push_back(positions(z));
        return {p};
      }
      case 4:
      case 5:
      case 6:
      case 7: {
        const std::size_t n = count(5);
        std::vector<shape> items;
        items.reserve(n);
        std::int32_t member_srid = 0;  // members carry no SRID of their own in EWKB
        for (std::size_t i = 0; i < n; ++i) items.push_back(geometry_at(member_srid, depth + 1));
        if (type == 7) return {geometry_collection{std::move(items)}};
        if (type == 4) {
          multi_point m;
          for (auto& it : items) {
            if (!std::holds_alternative<point>(it.value)) fail("a multipoint holds a non-point");
            m.points.push_back(std::get<point>(it.value).at);
          }
          return {m};
        }
        if (type == 5) {
          multi_line_string m;
          for (auto& it : items) {
            if (!std::holds_alternative<line_string>(it.value)) fail("a multilinestring holds a non-line");
            m.lines.push_back(std::get<line_string>(std::move(it.value)));
          }
          return {m};
        }
        multi_polygon m;
        for (auto& it : items) {
          if (!std::holds_alternative<polygon>(it.value)) fail("a multipolygon holds a non-polygon");
          m.polygons.push_back(std::get<polygon>(std::move(it.value)));
        }
        return {m};
      }
      default: fail("unsupported geometry type " + std::to_string(type) + " (curves and surfaces are not read)");
    }
  }
};

inline void append_number(std::string& out, double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
inline void ewkt_coord(const coord& c, std::string& out) {
  append_number(out, c.x);
  out += ' ';
  append_number(out, c.y);
  if (c.z) {
    out += ' ';
    append_number(out, *c.z);
  }
}
inline void ewkt_list(const std::vector<coord>& cs, std::string& out) {
  out += '(';
  for (std::size_t i = 0; i < cs.size(); ++i) {
    if (i != 0) out += ',';
    ewkt_coord(cs[i], out);
  }
  out += ')';
}
inline void ewkt_body(const shape& s, std::string& out) {
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, point>) {
          out += "POINT(";
          ewkt_coord(v.at, out);
          out += ')';
        } else if constexpr (std::is_same_v<V, line_string>) {
          out += "LINESTRING";
          ewkt_list(v.points, out);
        } else if constexpr (std::is_same_v<V, polygon>) {
          out += "POLYGON(";
          for (std::size_t i = 0; i < v.rings.size(); ++i) {
            if (i != 0) out += ',';
            ewkt_list(v.rings[i], out);
          }
          out += ')';
        } else if constexpr (std::is_same_v<V, multi_point>) {
          out += "MULTIPOINT";  // MULTIPOINT(1 1,2 2), as ST_AsEWKT writes it
          ewkt_list(v.points, out);
        } else {
          out += std::is_same_v<V, multi_line_string> ? "MULTILINESTRING("
                 : std::is_same_v<V, multi_polygon>   ? "MULTIPOLYGON("
                                                      : "GEOMETRYCOLLECTION(";
          std::string inner;
          if constexpr (std::is_same_v<V, multi_line_string>) {
            for (std::size_t i = 0; i < v.lines.size(); ++i) {
              if (i != 0) inner += ',';
              ewkt_list(v.lines[i].points, inner);
            }
          } else if constexpr (std::is_same_v<V, multi_polygon>) {
            for (std::size_t i = 0; i < v.polygons.size(); ++i) {
              if (i != 0) inner += ',';
              inner += '(';
              for (std::size_t j = 0; j < v.polygons[i].rings.size(); ++j) {
                if (j != 0) inner += ',';
                ewkt_list(v.polygons[i].rings[j], inner);
              }
              inner += ')';
            }
          } else {
            for (std::size_t i = 0; i < v.items.size(); ++i) {
              if (i != 0) inner += ',';
              ewkt_body(v.items[i], inner);
            }
          }
          out += inner;
          out += ')';
        }
      },
      s.value);
}
/// The EWKT of a value (logs and text literals): SRID=4326;POINT(1 2).
inline void ewkt(const shape& s, std::int32_t srid, std::string& out) {
  if (srid != 0) out += "SRID=" + std::to_string(srid) + ";";
  ewkt_body(s, out);
}

}  // namespace detail

}  // namespace pgpx::postgis

namespace pgpx::postgis::detail {
/// The codec of geometry and geography (G): EWKB both ways, EWKT as text. The codecs below
/// add their names.
template <class G>
struct ewkb_codec : pgpx::codec_by_name<G> {
  static constexpr pgpx::format param_format = pgpx::format::binary;
  static void encode(const G& g, std::string& out) {
    const std::size_t at = out.size();
    try {
      writer(out).write(g.value, g.srid);
    } catch (...) {
      out.resize(at);
      throw;
    }
  }
  [[nodiscard]] static auto decode(std::string_view in, pgpx::oid) -> G {
    G g;
    g.srid = 0;
    g.value = reader(in).read(g.srid);
    return g;
  }
  static void to_text(const G& g, std::string& out) { ewkt(g.value, g.srid, out); }
};
}  // namespace pgpx::postgis::detail

/// PostGIS geometry: EWKB (geometry_send/geometry_recv).
template <>
struct pgpx::codec<pgpx::postgis::geometry> : pgpx::postgis::detail::ewkb_codec<pgpx::postgis::geometry> {
  static constexpr std::string_view name = "pgpx::postgis::geometry";
  static constexpr std::string_view pg_type = "geometry";
};

/// PostGIS geography: EWKB (geography_send/geography_recv), SRID 4326 by default.
template <>
struct pgpx::codec<pgpx::postgis::geography> : pgpx::postgis::detail::ewkb_codec<pgpx::postgis::geography> {
  static constexpr std::string_view name = "pgpx::postgis::geography";
  static constexpr std::string_view pg_type = "geography";
};
