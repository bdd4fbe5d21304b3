// The SQL of the CRUD verbs, built from model descriptions once per model, and their errors.
// Lowercase keywords, single spaces, identifiers through quote_identifier; values are only
// ever $n placeholders.
#include <pgpx/orm/crud.hpp>

#include <pgpx/core/identifier.hpp>
#include <pgpx/schema/ddl.hpp>

#include <algorithm>
#include <bit>
#include <string>
#include <utility>

namespace pgpx {

stale_object_error::stale_object_error(std::string model, std::int64_t expected_version, std::string message,
                                       error_info info)
    : error(error_kind::conflict, std::move(message), std::move(info)),
      model_(std::move(model)),
      expected_(expected_version) {}

constraint_error::constraint_error(std::string model, std::vector<std::string> members, std::string message,
                                   error_info info)
    : sql_error(std::move(message), std::move(info)), model_(std::move(model)), members_(std::move(members)) {}

namespace orm::detail {

namespace {

auto column(const model_description& m, std::size_t c) -> std::string { return quote_identifier(m.columns[c].name); }

auto list(const model_description& m, const std::vector<std::size_t>& cols) -> std::string {
  std::string out;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i > 0) out += ", ";
    out += column(m, cols[i]);
  }
  return out;
}

auto index_of(const model_description& m, const column_info* c) -> std::size_t {
  return static_cast<std::size_t>(c - m.columns.data());
}

auto role_column(const model_description& m, column_role role) -> const column_info* {
  for (const auto& c : m.columns)
    if (c.facts.role == role) return &c;
  return nullptr;
}

void require_key(const model_description& m, std::string_view verb) {
  if (m.primary_key.empty())
    throw usage_error(std::string(verb) + " " + std::string(m.cpp_name) +
                      ": the model has no primary key (mark a member key<>/identity<>, or declare "
                      "model<T>::primary_key)");
}

/// `"k1" = $n and "k2" = $n+1`, numbering from `next`.
auto key_condition(const model_description& m, int& next) -> std::string {
  std::string out;
  for (std::size_t i = 0; i < m.primary_key.size(); ++i) {
    if (i > 0) out += " and ";
    out += column(m, m.primary_key[i]) + " = $" + std::to_string(next++);
  }
  return out;
}

auto returning(const model_description& m, const std::vector<std::size_t>& cols) -> std::string {
  return cols.empty() ? std::string() : " returning " + list(m, cols);
}

auto is_key(const model_description& m, std::size_t c) -> bool {
  return std::find(m.primary_key.begin(), m.primary_key.end(), c) != m.primary_key.end();
}

/// Columns an update may set: not key, identity, generated, or managed by pgpx.

auto member_names(const model_description& m, const std::vector<std::size_t>& cols) -> std::vector<std::string> {
  std::vector<std::string> out;
  out.reserve(cols.size());
  for (std::size_t c : cols) out.emplace_back(m.columns[c].member);
  return out;
}

/// The columns a constraint of `m` covers, by its name; nullopt when it is not one of m's.
auto constraint_columns(const model_description& m, const std::string& name)
    -> std::optional<std::vector<std::size_t>> {
  if (name.empty()) return std::nullopt;
  if (name == m.primary_key_name) return m.primary_key;
  for (std::size_t i = 0; i < m.columns.size(); ++i) {
    const auto& c = m.columns[i];
    if (c.unique_name == name) return std::vector<std::size_t>{i};
    if (c.reference && c.reference->constraint_name == name) return std::vector<std::size_t>{i};
    if (c.check_name == name) return std::vector<std::size_t>{i};
  }
  for (const auto& u : m.uniques)
    if (u.name == name) return u.columns;
  for (const auto& ix : m.indexes)
    if (ix.unique && ix.name == name) return ix.columns;
  for (const auto& ck : m.checks)  // a typed check knows the columns it reads (pgpx::check)
    if (ck.name == name && !ck.columns.empty()) return ck.columns;
  return std::nullopt;
}

}  // namespace

auto map_constraint(const error& e, const model_description& m) -> std::optional<constraint_error> {
  const std::string& state = e.sqlstate();
  if (e.kind() != error_kind::sql || state.size() != 5 || state.compare(0, 2, "23") != 0) return std::nullopt;
  const error_info& info = e.info();
  std::optional<std::vector<std::size_t>> cols = constraint_columns(m, info.constraint);
  if (!cols && state == "23502" && !info.column.empty()) {  // not null: the server names the column
    if (const column_info* c = m.find_column(info.column)) cols = std::vector<std::size_t>{index_of(m, c)};
  }
  if (!cols && info.constraint.empty()) return std::nullopt;
  std::vector<std::string> members = cols ? member_names(m, *cols) : std::vector<std::string>{};
  std::string msg = std::string(m.cpp_name) + ": ";
  msg += info.constraint.empty() ? std::string("a constraint") : "constraint \"" + info.constraint + "\"";
  msg += " refused the write";
  if (!members.empty()) {
    msg += " (member";
    msg += members.size() > 1 ? "s " : " ";
    for (std::size_t i = 0; i < members.size(); ++i) msg += (i > 0 ? ", " : "") + members[i];
    msg += ")";
  }
  msg += ": " + e.message();
  return constraint_error(std::string(m.cpp_name), std::move(members), std::move(msg), info);
}

void rethrow_for_model(const error& e, const model_description& m) {
  if (auto c = map_constraint(e, m)) throw std::move(*c);
  throw;  // NOLINT(hicpp-exception-baseclass): rethrows the error being handled, unchanged
}

auto make_insert_shape(const model_description& m) -> insert_shape {
  insert_shape s;
  for (std::size_t i = 0; i < m.columns.size(); ++i) {
    if (m.columns[i].sent_on_insert()) s.sent.push_back(i);
    else s.returned.push_back(i);
  }
  s.sql = "insert into " + schema::table_name(m);
  if (s.sent.empty()) {
    s.sql += " default values";
  } else {
    s.sql += " (" + list(m, s.sent) + ") values (";
    for (std::size_t i = 0; i < s.sent.size(); ++i) s.sql += (i > 0 ? ", $" : "$") + std::to_string(i + 1);
    s.sql += ')';
  }
  s.sql += returning(m, s.returned);
  return s;
}

auto make_insert_rows_sql(const model_description& m, const insert_shape& shape) -> insert_rows_sql {
  insert_rows_sql out;
  const std::size_t per_row = shape.sent.size();
  if (per_row == 0) return out;  // `default values` has no multi-row form
  constexpr std::size_t max_params = 65535, max_rows = 1024, min_rows = 16;
  std::size_t largest = std::bit_floor(std::min(max_rows, max_params / per_row));
  if (largest < min_rows) return out;
  out.largest = largest;
  const std::string head = "insert into " + schema::table_name(m) + " (" + list(m, shape.sent) + ") values ";
  const std::string tail = returning(m, shape.returned);
  out.by_log.resize(static_cast<std::size_t>(std::countr_zero(largest)) + 1);
  for (std::size_t rows = min_rows; rows <= largest; rows *= 2) {
    std::string sql = head;
    sql.reserve(head.size() + tail.size() + rows * per_row * 8);
    std::size_t n = 1;
    for (std::size_t r = 0; r < rows; ++r) {
      sql += r > 0 ? ", (" : "(";
      for (std::size_t c = 0; c < per_row; ++c, ++n) {
        if (c > 0) sql += ", ";
        sql += '$';
        sql += std::to_string(n);
      }
      sql += ')';
    }
    sql += tail;
    out.by_log[static_cast<std::size_t>(std::countr_zero(rows))] = std::move(sql);
  }
  return out;
}

auto insert_chunks(const insert_rows_sql& s, std::size_t rows) -> std::vector<std::size_t> {
  std::vector<std::size_t> out;
  if (s.largest == 0) return out;
  for (; rows >= s.largest; rows -= s.largest) out.push_back(s.largest);
  for (std::size_t k = s.largest / 2; k >= 16; k /= 2)
    if (rows >= k) {
      out.push_back(k);
      rows -= k;
    }
  return out;
}

void throw_rows_returned(const model_description& m, std::size_t sent, std::size_t returned) {
  throw usage_error("insert_many " + std::string(m.cpp_name) + ": a multi-row insert of " + std::to_string(sent) +
                    " rows returned " + std::to_string(returned) +
                    " (a trigger that skips or adds rows): the rows cannot be matched to their objects");
}

auto make_write_shape(const model_description& m, write_kind kind, const std::vector<std::size_t>& columns)
    -> write_shape {
  static constexpr std::string_view verbs[] = {"update", "remove", "restore", "hard_delete"};
  const std::string_view verb = verbs[static_cast<int>(kind)];
  require_key(m, verb);
  const column_info* deleted = m.soft_delete_column();
  const column_info* version = m.version_column();
  const column_info* updated = role_column(m, column_role::updated_at);
  if ((kind == write_kind::soft_delete || kind == write_kind::restore) && deleted == nullptr)
    throw usage_error(std::string(verb) + " " + std::string(m.cpp_name) + ": the model has no pgpx::deleted_at column");

  write_shape s;
  std::string sets;
  int next = 1;
  auto add_set = [&](const std::string& text) {
    if (!sets.empty()) sets += ", ";
    sets += text;
  };
  if (kind == write_kind::update) {
    if (columns.empty()) {
      for (std::size_t i = 0; i < m.columns.size(); ++i)
        if (!is_key(m, i) && settable(m.columns[i].facts)) s.set.push_back(i);
    } else {
      for (std::size_t c : columns) {
        const column_info& ci = m.columns[c];
        if (is_key(m, c) || !settable(ci.facts))
          throw usage_error("update " + std::string(m.cpp_name) + ": member " + std::string(ci.member) +
                            " cannot be set by an update (a key, identity, generated, version, updated_at or "
                            "deleted_at column)");
        if (std::find(s.set.begin(), s.set.end(), c) == s.set.end()) s.set.push_back(c);
      }
    }
    for (std::size_t c : s.set) add_set(column(m, c) + " = $" + std::to_string(next++));
  } else if (kind == write_kind::soft_delete) {
    add_set(quote_identifier(deleted->name) + " = now()");
    s.returned.push_back(index_of(m, deleted));
  } else if (kind == write_kind::restore) {
    add_set(quote_identifier(deleted->name) + " = null");
    s.returned.push_back(index_of(m, deleted));
  }
  const bool writes = kind != write_kind::hard_delete;
  if (writes && version != nullptr) {
    add_set(quote_identifier(version->name) + " = " + quote_identifier(version->name) + " + 1");
    s.returned.push_back(index_of(m, version));
  }
  if (writes && updated != nullptr) {
    add_set(quote_identifier(updated->name) + " = now()");
    s.returned.push_back(index_of(m, updated));
  }
  if (writes && sets.empty())
    throw usage_error("update " + std::string(m.cpp_name) + ": the model has no column an update can set");

  s.keys = m.primary_key;
  std::string where = " where " + key_condition(m, next);
  if (version != nullptr) {
    s.checks_version = true;
    where += " and " + quote_identifier(version->name) + " = $" + std::to_string(next++);
  }
  if (deleted != nullptr && kind != write_kind::hard_delete)
    where += " and " + quote_identifier(deleted->name) + (kind == write_kind::restore ? " is not null" : " is null");

  s.sql = writes ? "update " + schema::table_name(m) + " set " + sets + where + returning(m, s.returned)
                 : "delete from " + schema::table_name(m) + where;
  return s;
}

auto make_get_sql(const model_description& m, bool with_deleted) -> std::string {
  require_key(m, "get");
  std::vector<std::size_t> all(m.columns.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  int next = 1;
  std::string sql = "select " + list(m, all) + " from " + schema::table_name(m) + " where " + key_condition(m, next);
  if (const column_info* d = m.soft_delete_column(); d != nullptr && !with_deleted)
    sql += " and " + quote_identifier(d->name) + " is null";
  return sql;
}

auto make_count_sql(const model_description& m, bool exists, bool with_deleted, std::string_view predicate, bool bare)
    -> std::string {
  std::string where;
  if (!predicate.empty()) where = bare ? std::string(predicate) : "(" + std::string(predicate) + ")";
  if (const column_info* d = m.soft_delete_column(); d != nullptr && !with_deleted)
    where += (where.empty() ? "" : " and ") + quote_identifier(d->name) + " is null";
  const std::string from = " from " + schema::table_name(m) + (where.empty() ? "" : " where " + where);
  return exists ? "select exists (select 1" + from + ")" : "select count(*)" + from;
}

auto make_upsert_shape(const model_description& m, const std::vector<std::size_t>& members,
                       const std::string& constraint, bool nothing) -> upsert_shape {
  insert_shape ins = make_insert_shape(m);
  upsert_shape s;
  s.sent = std::move(ins.sent);
  s.returned = std::move(ins.returned);
  if (s.sent.empty()) throw usage_error("upsert " + std::string(m.cpp_name) + ": the model sends no column on insert");
  std::vector<std::size_t> conflict = members;
  std::string target;
  const auto unique_index = std::find_if(m.indexes.begin(), m.indexes.end(),
                                         [&](const index_info& ix) { return ix.unique && ix.name == constraint; });
  if (!constraint.empty() && unique_index != m.indexes.end()) {
    // A unique index is not a constraint (ON CONSTRAINT would not find it): the conflict
    // target is its key, with its condition when it is partial, which the server matches to it.
    const index_info& ix = *unique_index;
    target = " on conflict " + schema::index_key_list(m, ix);
    if (!ix.predicate.empty()) target += " where " + ix.predicate;
    conflict = ix.columns;
  } else if (!constraint.empty()) {
    target = " on conflict on constraint " + quote_identifier(constraint);
    if (auto cols = constraint_columns(m, constraint)) conflict = *cols;
  } else {
    if (conflict.empty()) conflict = m.primary_key;
    if (conflict.empty())
      throw usage_error("upsert " + std::string(m.cpp_name) +
                        ": name the conflict (on_conflict(&T::member...) or a constraint); the model has no key");
    target = " on conflict (" + list(m, conflict) + ")";
  }
  s.sql = ins.sql.substr(0, ins.sql.find(" returning")) + target;
  if (nothing) {
    s.sql += " do nothing";
  } else {
    const std::string excluded = "excluded.";
    std::string sets;
    const column_info* version = m.version_column();
    const column_info* updated = role_column(m, column_role::updated_at);
    for (std::size_t c : s.sent) {
      if (std::find(conflict.begin(), conflict.end(), c) != conflict.end()) continue;
      if (!sets.empty()) sets += ", ";
      sets += column(m, c) + " = " + excluded + column(m, c);
    }
    if (version != nullptr)  // the existing row's counter: the target table by its own name
      sets += (sets.empty() ? "" : ", ") + quote_identifier(version->name) + " = " + quote_identifier(m.table) + "." +
              quote_identifier(version->name) + " + 1";
    if (updated != nullptr) sets += (sets.empty() ? "" : ", ") + quote_identifier(updated->name) + " = now()";
    // Every sent column is in the conflict: set one to itself, so the row comes back.
    if (sets.empty()) sets = column(m, conflict.front()) + " = " + excluded + column(m, conflict.front());
    s.sql += " do update set " + sets;
  }
  s.sql += " returning ";
  if (!s.returned.empty()) s.sql += list(m, s.returned) + ", ";
  s.sql += "(xmax = 0)";
  return s;
}

void throw_no_row(const model_description& m, std::string_view verb, const std::string& sql) {
  error_info info;
  info.statement = sql;
  std::string msg = std::string(verb) + " " + std::string(m.cpp_name) + ": no ";
  msg += verb == "restore" ? "soft-deleted" : (m.soft_delete_column() != nullptr ? "live" : "");
  msg += (msg.back() == ' ' ? "" : " ") + std::string("row has this key");
  throw_error(error_kind::row_count, std::move(msg), std::move(info));
}

void throw_stale(const model_description& m, std::int64_t expected, const std::string& sql) {
  error_info info;
  info.statement = sql;
  const column_info* v = m.version_column();
  throw stale_object_error(std::string(m.cpp_name), expected,
                           std::string(m.cpp_name) + ": the row was changed or removed by another writer (" +
                               std::string(v->member) + " was " + std::to_string(expected) +
                               " when read); nothing was written",
                           std::move(info));
}

}  // namespace orm::detail
}  // namespace pgpx
