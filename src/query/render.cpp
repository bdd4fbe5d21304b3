// The query builder's renderer: expression trees and statements into SQL text with $n
// parameters. Names go through quote_identifier; values are copied from their nodes'
// encoded parameters, each node numbered once (a node used twice keeps its $n).
#include <pgpx/core/identifier.hpp>
#include <pgpx/error.hpp>
#include <pgpx/query/modify.hpp>
#include <pgpx/query/select.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace pgpx::query::detail {

query_data::query_data() = default;
query_data::query_data(const query_data&) = default;
query_data::query_data(query_data&&) noexcept = default;
auto query_data::operator=(const query_data&) -> query_data& = default;
auto query_data::operator=(query_data&&) noexcept -> query_data& = default;
query_data::~query_data() = default;

void finish_relation(relation& r) {
  r.quoted.clear();
  r.quoted.reserve(r.columns.size());
  for (const auto& c : r.columns) r.quoted.push_back(quote_identifier(c));
  r.quoted_name = quote_identifier(r.name);
  if (r.model != nullptr)
    r.quoted_table =
        r.model->schema.empty() ? quote_identifier(r.model->table) : quote_qualified({r.model->schema, r.model->table});
}

void and_where(query_data& d, node_ptr cond) {
  d.where = d.where ? make_node(node_kind::binary, prec::and_, " and ", {d.where, std::move(cond)}) : std::move(cond);
}

auto with_returning(const query_data& d, std::vector<select_item> items) -> std::shared_ptr<query_data> {
  auto out = std::make_shared<query_data>(d);
  out->returning = std::move(items);
  return out;
}

auto make_node(node_kind kind, std::uint8_t precedence, std::string text, std::vector<node_ptr> kids) -> node_ptr {
  auto n = std::make_shared<node>();
  n->kind = kind;
  n->precedence = precedence;
  n->text = std::move(text);
  n->kids = std::move(kids);
  return n;
}

auto column_node(relation_ptr rel, std::size_t index) -> node_ptr {
  if (index >= rel->columns.size())
    throw usage_error(
        "pgpx: the member is not a direct member of the relation's row type (nested members, "
        "base-class members and embedded members themselves cannot be columns; a member of an "
        "embedded member is pgpx::col(&T::mixin, &M::member))");
  auto n = std::make_shared<node>();
  n->kind = node_kind::column;
  n->rel = std::move(rel);
  n->column = index;
  return n;
}

auto column_node_by_member(const relation_ptr& rel, std::string_view member, std::string_view owner) -> node_ptr {
  const auto it = std::find(rel->members.begin(), rel->members.end(), member);
  if (it == rel->members.end())
    throw usage_error("pgpx: " + std::string(owner) + "." + std::string(member) + " is not a column of \"" + rel->name +
                      "\" (the first FROM item): bind it with pgpx::as<&" + std::string(owner) +
                      "::" + std::string(member) + ">(expression)");
  return column_node(rel, static_cast<std::size_t>(it - rel->members.begin()));
}

auto typed_literal(std::string_view text, std::string_view type) -> node_ptr {
  return make_node(node_kind::sql, prec::atom, quote_literal(text) + "::" + std::string(type));
}

auto ordering_node(const ordering& o) -> node_ptr {
  std::string suffix;
  if (o.descending()) suffix += " desc";
  if (o.nulls() == 1) suffix += " nulls first";
  if (o.nulls() == 2) suffix += " nulls last";
  return make_node(node_kind::ordering, prec::atom, std::move(suffix), {o.node()});
}

auto frame_text(std::string_view kind, std::string_view start, std::string_view end) -> std::string {
  auto bound = [](std::string_view b) {
    if (b == unbounded_preceding || b == current_row || b == unbounded_following) return std::string(b);
    // "N preceding" / "N following" with N digits
    const auto space = b.find(' ');
    const auto digits = b.substr(0, space);
    const auto rest = space == std::string_view::npos ? std::string_view{} : b.substr(space + 1);
    const bool numeric =
        !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric || (rest != "preceding" && rest != "following"))
      throw usage_error(
          "pgpx: a window frame bound is \"unbounded preceding\", \"current row\", \"unbounded "
          "following\", or \"N preceding\"/\"N following\"; got \"" +
          std::string(b) + "\"");
    return std::string(b);
  };
  return std::string(kind) + " between " + bound(start) + " and " + bound(end);
}

auto subquery_node(query_ptr q, std::string prefix) -> node_ptr {
  auto n = std::make_shared<node>();
  n->kind = node_kind::subquery;
  n->text = std::move(prefix);
  n->sub = std::move(q);
  return n;
}

namespace {

struct level {
  std::vector<const relation*> rels;
};

class renderer {
 public:
  rendered out;
  bool lenient = false;
  // A CRUD verb's predicate (count, exists, update_many, delete_many): the verb's own table is
  // the one outside every level, so a column of no level is written qualified by its table
  // ("authors"."id"); a correlated subquery then reads the outer row, and a column of a table
  // the verb does not name is the server's "missing FROM-clause entry", never another table's
  // column of the same name.
  bool outer_table = false;
  bool texts = false;

  void expression(const node& n, std::uint8_t outer = 0) {
    const bool paren = n.precedence < outer;
    if (paren) out.sql += '(';
    switch (n.kind) {
      case node_kind::column: column(n); break;
      case node_kind::value: param(n); break;
      case node_kind::sql: out.sql += n.text; break;
      case node_kind::binary: binary(n); break;
      case node_kind::prefix:
        out.sql += n.text;
        expression(*n.kids[0], n.precedence);
        break;
      case node_kind::postfix:
        expression(*n.kids[0], static_cast<std::uint8_t>(n.precedence + 1));
        out.sql += n.text;
        break;
      case node_kind::ordering:
        expression(*n.kids[0]);
        out.sql += n.text;
        break;
      case node_kind::call: call(n); break;
      case node_kind::row:
        out.sql += '(';
        list(n.kids);
        out.sql += ')';
        break;
      case node_kind::subquery:
        out.sql += n.text;
        out.sql += '(';
        statement(*n.sub);
        out.sql += ')';
        break;
      case node_kind::between:
        expression(*n.kids[0], static_cast<std::uint8_t>(prec::like + 1));
        out.sql += " between ";
        expression(*n.kids[1], static_cast<std::uint8_t>(prec::like + 1));
        out.sql += " and ";
        expression(*n.kids[2], static_cast<std::uint8_t>(prec::like + 1));
        break;
      case node_kind::any:
        expression(*n.kids[0], static_cast<std::uint8_t>(prec::compare + 1));
        out.sql += n.text;
        out.sql += "any(";
        expression(*n.kids[1]);
        out.sql += ')';
        break;
      case node_kind::cast:
        expression(*n.kids[0], prec::cast);
        out.sql += "::";
        out.sql += n.text;
        break;
      case node_kind::fragment: fragment(n); break;
    }
    if (paren) out.sql += ')';
  }

  void statement(const query_data& q) {
    ctes(q);
    switch (q.kind) {
      case query_kind::select: select(q); break;
      case query_kind::compound: compound(q); break;
      case query_kind::insert: insert(q); break;
      case query_kind::update: update(q); break;
      case query_kind::delete_: remove(q); break;
      case query_kind::merge: merge(q); break;
    }
  }

 private:
  std::vector<std::pair<const node*, int>> numbers_;  // few values: a scan beats hashing
  std::vector<level> levels_;

  void param(const node& n) {
    const auto it = std::find_if(numbers_.begin(), numbers_.end(), [&](const auto& p) { return p.first == &n; });
    if (it != numbers_.end()) {
      out.sql += '$';
      out.sql += std::to_string(it->second);
      return;
    }
    const encoded_value& v = n.value;
    if (v.null) out.params.add_null(v.type);
    else if (v.format == 1) out.params.add_binary(v.bytes, v.type);
    else out.params.add_text(v.bytes, v.type);
    if (v.named != encoded_value::no_named_type) pgpx::detail::param_list_access::mark_last_named(out.params, v.named);
    if (texts) out.texts.push_back(v.text.empty() && !v.null ? std::string("?") : v.text);
    const int number = static_cast<int>(out.params.size());
    if (v.slot >= 0) out.slots.emplace_back(out.params.size() - 1, v.slot);
    numbers_.emplace_back(&n, number);
    out.sql += '$';
    out.sql += std::to_string(number);
  }

  void column(const node& n) {
    const relation* r = n.rel.get();
    const std::string& name = r->columns[n.column];
    if (lenient) {
      out.sql += r->quoted[n.column];
      return;
    }
    for (std::size_t i = levels_.size(); i-- > 0;) {
      const auto& rels = levels_[i].rels;
      if (std::find(rels.begin(), rels.end(), r) == rels.end()) continue;
      const bool unqualified = i + 1 == levels_.size() && rels.size() == 1;
      if (!unqualified) {
        out.sql += r->quoted_name;
        out.sql += '.';
      }
      out.sql += r->quoted[n.column];
      return;
    }
    if (outer_table) {
      out.sql += r->quoted_name;
      out.sql += '.';
      out.sql += r->quoted[n.column];
      return;
    }
    const std::string owner = r->model != nullptr ? std::string(r->model->cpp_name) : r->name;
    const std::string member = n.column < r->members.size() ? r->members[n.column] : name;
    throw usage_error("pgpx: " + owner + "." + member + " is used but \"" + r->name + "\" is not in FROM");
  }

  void binary(const node& n) {
    const std::uint8_t p = n.precedence;
    const bool assoc = p == prec::and_ || p == prec::or_;
    const bool nonassoc = p == prec::compare || p == prec::like || p == prec::is;
    expression(*n.kids[0], static_cast<std::uint8_t>(nonassoc ? p + 1 : p));
    out.sql += n.text;
    expression(*n.kids[1], static_cast<std::uint8_t>(assoc ? p : p + 1));
  }

  // pgpx::raw<V>: the literal text, each "{}" replaced by the next kid (the text was checked
  // at compile time: every "{}" is a hole, and there are as many as kids).
  void fragment(const node& n) {
    std::size_t k = 0;
    for (std::size_t i = 0; i < n.text.size(); ++i) {
      if (n.text[i] == '{' && i + 1 < n.text.size() && n.text[i + 1] == '}' && k < n.kids.size()) {
        expression(*n.kids[k++], prec::atom);
        ++i;
      } else {
        out.sql += n.text[i];
      }
    }
  }

  void list(const std::vector<node_ptr>& kids) {
    for (std::size_t i = 0; i < kids.size(); ++i) {
      if (i > 0) out.sql += ", ";
      expression(*kids[i]);
    }
  }

  void call(const node& n) {
    out.sql += n.text;
    out.sql += '(';
    if (n.distinct) out.sql += "distinct ";
    list(n.kids);
    out.sql += ')';
    if (n.filter) {
      out.sql += " filter (where ";
      expression(*n.filter);
      out.sql += ')';
    }
    if (n.over) {
      const window_spec& w = *n.over;
      out.sql += " over (";
      bool space = false;
      if (!w.partition.empty()) {
        out.sql += "partition by ";
        list(w.partition);
        space = true;
      }
      if (!w.order.empty()) {
        if (space) out.sql += ' ';
        out.sql += "order by ";
        list(w.order);
        space = true;
      }
      if (!w.frame.empty()) {
        if (space) out.sql += ' ';
        out.sql += w.frame;
      }
      out.sql += ')';
    }
  }

  void ctes(const query_data& q) {
    if (q.ctes.empty()) return;
    const bool recursive = std::any_of(q.ctes.begin(), q.ctes.end(), [](const auto& c) { return c->recursive; });
    out.sql += recursive ? "with recursive " : "with ";
    for (std::size_t i = 0; i < q.ctes.size(); ++i) {
      const cte_def& d = *q.ctes[i];
      const relation& c = *d.rel;
      if (!d.body) throw usage_error("pgpx: the CTE \"" + c.name + "\" has no definition (call .recursive(...))");
      if (i > 0) out.sql += ", ";
      out.sql += c.quoted_name;
      if (d.column_list) {
        out.sql += " (";
        for (std::size_t k = 0; k < c.columns.size(); ++k) {
          if (k > 0) out.sql += ", ";
          out.sql += c.quoted[k];
        }
        out.sql += ')';
      }
      out.sql += " as (";
      statement(*d.body);
      out.sql += ')';
    }
    out.sql += ' ';
  }

  void relation_sql(const relation& r) {
    switch (r.kind) {
      case relation_kind::table:
      case relation_kind::excluded:
        out.sql += r.model != nullptr ? r.quoted_table : r.quoted_name;
        if (r.aliased) {
          out.sql += " as ";
          out.sql += r.quoted_name;
        }
        break;
      case relation_kind::cte: out.sql += r.quoted_name; break;
      case relation_kind::derived:
        if (r.lateral) out.sql += "lateral ";
        out.sql += '(';
        statement(*r.body);
        out.sql += ") as ";
        out.sql += r.quoted_name;
        break;
      case relation_kind::function:
        // A function in FROM sees the items before it (implicitly LATERAL).
        expression(*r.call);
        if (r.ordinality) out.sql += " with ordinality";
        out.sql += " as ";
        out.sql += r.quoted_name;
        out.sql += " (";
        for (std::size_t k = 0; k < r.quoted.size(); ++k) {
          if (k > 0) out.sql += ", ";
          out.sql += r.quoted[k];
        }
        out.sql += ')';
        break;
    }
  }

  // `"deleted_at" is null` for a model relation with soft delete, else nullptr.
  static auto soft_filter(const relation_ptr& r) -> node_ptr {
    if (r->kind != relation_kind::table || r->model == nullptr) return nullptr;
    const column_info* c = r->model->soft_delete_column();
    if (c == nullptr) return nullptr;
    const auto index = static_cast<std::size_t>(c - r->model->columns.data());
    return make_node(node_kind::postfix, prec::is, " is null", {column_node(r, index)});
  }
  static auto and_node(node_ptr a, node_ptr b) -> node_ptr {
    if (!a) return b;
    if (!b) return a;
    return make_node(node_kind::binary, prec::and_, " and ", {std::move(a), std::move(b)});
  }

  static auto keyset_node(const query_data& q) -> node_ptr {
    const auto& cols = q.order_columns;
    const auto& vals = q.after->values;
    if (cols.empty()) throw usage_error("pgpx: after(row) needs order_by(...) first");
    if (vals.size() != cols.size())
      throw usage_error("pgpx: after(row) must come after every order_by(...): it read " + std::to_string(vals.size()) +
                        " ORDER BY values, and the query orders by " + std::to_string(cols.size()));
    const bool same =
        std::all_of(q.order_desc.begin(), q.order_desc.end(), [&](bool d) { return d == q.order_desc[0]; });
    if (same) {
      const char* op = q.order_desc[0] ? " < " : " > ";
      if (cols.size() == 1) return make_node(node_kind::binary, prec::compare, op, {cols[0], vals[0]});
      return make_node(
          node_kind::binary, prec::compare, op,
          {make_node(node_kind::row, prec::atom, "", cols), make_node(node_kind::row, prec::atom, "", vals)});
    }
    // Mixed directions: (c1 > v1) or (c1 = v1 and c2 < v2) or ...
    node_ptr any;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      node_ptr term;
      for (std::size_t k = 0; k < i; ++k)
        term = and_node(term, make_node(node_kind::binary, prec::compare, " = ", {cols[k], vals[k]}));
      term = and_node(term,
                      make_node(node_kind::binary, prec::compare, q.order_desc[i] ? " < " : " > ", {cols[i], vals[i]}));
      any = any ? make_node(node_kind::binary, prec::or_, " or ", {any, term}) : term;
    }
    return any;
  }

  void items(const std::vector<select_item>& list, const relation_ptr& first, std::string_view row_name) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      const select_item& it = list[i];
      if (i > 0) out.sql += ", ";
      node_ptr e = it.e;
      if (!e) {
        if (!first)
          throw usage_error("pgpx: " + std::string(row_name) + "." + it.member +
                            " is not bound to an expression and the query has no FROM item to take it from");
        e = column_node_by_member(first, it.member, row_name);
      }
      expression(*e);
      const bool same_column = e->kind == node_kind::column && e->rel->columns[e->column] == it.name;
      if (!it.name.empty() && !same_column) {
        out.sql += " as ";
        out.sql += quote_identifier(it.name);
      }
    }
  }

  // The columns GROUPING SETS, ROLLUP or CUBE set to NULL in some rows: every column of a
  // rollup or cube (they include the empty set), and a column of grouping sets that some set
  // lacks (a nested rollup or cube counts as a set without any column).
  static void collect_columns(const node& n, std::vector<const node*>& out) {
    if (n.kind == node_kind::column) out.push_back(&n);
    for (const auto& k : n.kids)
      if (k) collect_columns(*k, out);
  }
  static auto is_construct(const node& n, std::string_view name) -> bool {
    return n.kind == node_kind::call && n.text == name;
  }
  static auto same_column(const node* a, const node* b) -> bool { return a->rel == b->rel && a->column == b->column; }
  static auto rolled_up_columns(const query_data& q) -> std::vector<const node*> {
    std::vector<const node*> out;
    for (const auto& g : q.group_by) {
      if (is_construct(*g, "rollup ") || is_construct(*g, "cube ")) {
        collect_columns(*g, out);
      } else if (is_construct(*g, "grouping sets ")) {
        std::vector<std::vector<const node*>> sets;
        std::vector<const node*> all;
        for (const auto& s : g->kids) {
          std::vector<const node*> cols;
          collect_columns(*s, cols);
          all.insert(all.end(), cols.begin(), cols.end());
          if (is_construct(*s, "rollup ") || is_construct(*s, "cube ")) cols.clear();
          sets.push_back(std::move(cols));
        }
        for (const node* c : all) {
          const bool lacking = std::any_of(sets.begin(), sets.end(), [&](const auto& set) {
            return std::none_of(set.begin(), set.end(), [&](const node* x) { return same_column(x, c); });
          });
          if (lacking) out.push_back(c);
        }
      }
    }
    return out;
  }
  // usage_error for a projection member, not std::optional, read from a rolled-up column.
  static void check_rolled_up(const query_data& q, const relation_ptr& first) {
    const auto nulled = rolled_up_columns(q);
    if (nulled.empty()) return;
    for (const select_item& it : q.items) {
      if (it.nullable) continue;
      node_ptr e = it.e;
      if (!e && first) e = column_node_by_member(first, it.member, q.row_name);
      if (!e || e->kind != node_kind::column) continue;
      if (std::none_of(nulled.begin(), nulled.end(), [&](const node* x) { return same_column(x, e.get()); })) continue;
      throw usage_error("pgpx: " + q.row_name + "." + std::string(it.field) +
                        " must be std::optional (rolled-up rows are NULL)");
    }
  }

  // A part of a set operation in parentheses when written bare it would mean something else:
  // a part with its own ORDER BY, LIMIT, OFFSET or lock (bare, they would end the whole
  // statement or be a syntax error), a compound on the right (set operations group to the
  // left; so does a part with its own WITH on the right), and a union or except on the left
  // of an intersect (intersect binds tighter).
  static auto needs_parens(const query_data& part, bool right, const std::string& op) -> bool {
    if (part.kind != query_kind::compound)
      return (right && !part.ctes.empty()) || !part.order.empty() || part.limit || part.offset || !part.lock.empty();
    if (right || !part.order.empty() || part.limit || part.offset) return true;
    return op == " intersect " && part.ops.front() != " intersect ";
  }

  // `a union all b [order by ...] [limit ...] [offset ...]`. The ORDER BY of the whole names
  // output columns: a column is written by its name alone.
  void compound(const query_data& q) {
    if (q.where || !q.group_by.empty() || q.having || q.distinct || !q.distinct_on.empty() || q.after ||
        !q.lock.empty())
      throw usage_error(
          "pgpx: where, group by, having, distinct, after and locks apply to one part of a union, intersect "
          "or except: call them on the part (order_by, limit and offset apply to the whole)");
    for (std::size_t i = 0; i < q.parts.size(); ++i) {
      if (i > 0) out.sql += q.ops[std::min(i - 1, q.ops.size() - 1)];
      const bool paren = needs_parens(*q.parts[i], i > 0, q.ops.front());
      if (paren) out.sql += '(';
      statement(*q.parts[i]);
      if (paren) out.sql += ')';
    }
    if (!q.order.empty()) {
      out.sql += " order by ";
      const bool was = lenient;
      lenient = true;
      list(q.order);
      lenient = was;
    }
    if (q.limit) {
      out.sql += " limit ";
      expression(*q.limit);
    }
    if (q.offset) {
      out.sql += " offset ";
      expression(*q.offset);
    }
  }

  void select(const query_data& q) {
    std::vector<from_item> from_items = q.from;
    // select<Model>() without from(): FROM is the model's table, and joins made without from()
    // join to it.
    if (q.default_from != nullptr && (from_items.empty() || from_items.front().join != join_kind::first))
      from_items.insert(from_items.begin(), {q.default_from(), join_kind::first, {}});
    if (!from_items.empty() && from_items.front().join != join_kind::first)
      throw usage_error("pgpx: a join needs a FROM item to join to: call from<M>() (or from(relation)) first");
    if (!q.group_by.empty()) check_rolled_up(q, from_items.empty() ? nullptr : from_items.front().rel);
    level lv;
    for (const auto& f : from_items) lv.rels.push_back(f.rel.get());
    levels_.push_back(lv);
    out.sql += "select ";
    if (q.distinct) out.sql += "distinct ";
    if (!q.distinct_on.empty()) {
      out.sql += "distinct on (";
      list(q.distinct_on);
      out.sql += ") ";
    }
    relation_ptr first = from_items.empty() ? nullptr : from_items.front().rel;
    items(q.items, first, q.row_name);
    node_ptr where = q.where;
    if (q.after) where = and_node(where, keyset_node(q));
    if (!from_items.empty()) {
      out.sql += " from ";
      const bool outer_preserved = std::any_of(from_items.begin(), from_items.end(), [](const from_item& f) {
        return f.join == join_kind::right || f.join == join_kind::full;
      });
      for (const auto& f : from_items) {
        switch (f.join) {
          case join_kind::first: break;
          case join_kind::inner: out.sql += " join "; break;
          case join_kind::left: out.sql += " left join "; break;
          case join_kind::right: out.sql += " right join "; break;
          case join_kind::full: out.sql += " full join "; break;
          case join_kind::cross: out.sql += " cross join "; break;
        }
        const node_ptr soft = q.with_deleted ? nullptr : soft_filter(f.rel);
        if (soft && outer_preserved) {
          // With a right or full join a filter in WHERE would drop the rows the join keeps
          // for the other side, and one in ON would keep the deleted rows of a preserved
          // side: the live rows are taken before the join instead.
          const column_info* c = f.rel->model->soft_delete_column();
          out.sql += "(select * from ";
          out.sql += f.rel->quoted_table;
          out.sql += " where ";
          out.sql += f.rel->quoted[static_cast<std::size_t>(c - f.rel->model->columns.data())];
          out.sql += " is null) as ";
          out.sql += f.rel->quoted_name;
          if (f.join != join_kind::first && f.join != join_kind::cross) {
            out.sql += " on ";
            expression(*f.on);
          }
          continue;
        }
        relation_sql(*f.rel);
        if (f.join == join_kind::first || f.join == join_kind::cross) {
          where = and_node(where, soft);
        } else {
          out.sql += " on ";
          expression(*and_node(f.on, soft));
        }
      }
    }
    if (where) {
      out.sql += " where ";
      expression(*where);
    }
    if (!q.group_by.empty()) {
      out.sql += " group by ";
      list(q.group_by);
    }
    if (q.having) {
      out.sql += " having ";
      expression(*q.having);
    }
    if (!q.order.empty()) {
      out.sql += " order by ";
      list(q.order);
    }
    if (q.limit) {
      out.sql += " limit ";
      expression(*q.limit);
    }
    if (q.offset) {
      out.sql += " offset ";
      expression(*q.offset);
    }
    if (!q.lock.empty()) {
      out.sql += ' ';
      out.sql += q.lock;
      if (!q.lock_of.empty()) {
        out.sql += " of ";
        for (std::size_t i = 0; i < q.lock_of.size(); ++i) {
          if (i > 0) out.sql += ", ";
          out.sql += q.lock_of[i]->quoted_name;
        }
      }
      out.sql += q.lock_wait;
    }
    levels_.pop_back();
  }

  void target(const query_data& q) { relation_sql(*q.target); }

  void assignments(const std::vector<std::pair<std::size_t, node_ptr>>& sets, const relation& t) {
    for (std::size_t i = 0; i < sets.size(); ++i) {
      if (i > 0) out.sql += ", ";
      out.sql += t.quoted.at(sets[i].first);
      out.sql += " = ";
      expression(*sets[i].second);
    }
  }

  void returning(const query_data& q) {
    if (q.returning.empty()) return;
    out.sql += " returning ";
    items(q.returning, q.target, q.row_name.empty() ? std::string_view("returning") : std::string_view(q.row_name));
  }

  void insert(const query_data& q) {
    const relation& t = *q.target;
    out.sql += "insert into ";
    target(q);
    out.sql += " (";
    for (std::size_t i = 0; i < q.insert_columns.size(); ++i) {
      if (i > 0) out.sql += ", ";
      out.sql += t.quoted.at(q.insert_columns[i]);
    }
    out.sql += ')';
    levels_.push_back({{q.target.get()}});
    if (q.insert_select) {
      out.sql += ' ';
      statement(*q.insert_select);
    } else {
      if (q.rows.empty())
        throw usage_error("pgpx: insert_into<" + std::string(t.model ? t.model->cpp_name : t.name) +
                          ">() needs values(...)");
      out.sql += " values ";
      for (std::size_t r = 0; r < q.rows.size(); ++r) {
        if (r > 0) out.sql += ", ";
        out.sql += '(';
        list(q.rows[r]);
        out.sql += ')';
      }
    }
    if (q.has_conflict) {
      out.sql += " on conflict";
      if (!q.conflict_constraint.empty()) {
        out.sql += " on constraint ";
        out.sql += quote_identifier(q.conflict_constraint);
      } else if (!q.conflict_columns.empty()) {
        out.sql += " (";
        for (std::size_t i = 0; i < q.conflict_columns.size(); ++i) {
          if (i > 0) out.sql += ", ";
          out.sql += t.quoted.at(q.conflict_columns[i]);
        }
        out.sql += ')';
      }
      if (q.do_nothing || q.conflict_sets.empty()) {
        out.sql += " do nothing";
      } else {
        levels_.push_back({{q.target.get(), q.excluded.get()}});
        out.sql += " do update set ";
        assignments(q.conflict_sets, t);
        if (q.conflict_where) {
          out.sql += " where ";
          expression(*q.conflict_where);
        }
        levels_.pop_back();
      }
    }
    returning(q);
    levels_.pop_back();
  }

  void update(const query_data& q) {
    out.sql += "update ";
    target(q);
    levels_.push_back({{q.target.get()}});
    out.sql += " set ";
    assignments(q.sets, *q.target);
    node_ptr where = and_node(q.where, q.with_deleted ? nullptr : soft_filter(q.target));
    if (where) {
      out.sql += " where ";
      expression(*where);
    }
    returning(q);
    levels_.pop_back();
  }

  // merge into t using source on cond when [not] matched [and cond] then ...: both the
  // target and the source are in scope (columns qualified); soft-deleted target rows are
  // left alone and soft-deleted source rows take no action (`"deleted_at" is null` in every
  // WHEN condition), unless with_deleted.
  void merge(const query_data& q) {
    const std::string target_name =
        q.target->model != nullptr ? std::string(q.target->model->cpp_name) : q.target->name;
    if (q.from.empty() || !q.from.front().on)
      throw usage_error("pgpx: merge_into<" + target_name + ">() needs using_(...).on(condition)");
    if (q.merge_clauses.empty())
      throw usage_error("pgpx: merge_into<" + target_name + ">() needs when_matched() or when_not_matched()");
    const from_item& src = q.from.front();
    out.sql += "merge into ";
    target(q);
    levels_.push_back({{q.target.get(), src.rel.get()}});
    out.sql += " using ";
    relation_sql(*src.rel);
    out.sql += " on ";
    expression(*src.on);
    const node_ptr source_live = q.with_deleted ? nullptr : soft_filter(src.rel);
    const node_ptr target_live = q.with_deleted ? nullptr : soft_filter(q.target);
    const relation& t = *q.target;
    for (const merge_clause& c : q.merge_clauses) {
      out.sql += c.matched ? " when matched" : " when not matched";
      const node_ptr cond = and_node(and_node(c.condition, c.matched ? target_live : nullptr), source_live);
      if (cond) {
        out.sql += " and ";
        expression(*cond, prec::and_);
      }
      out.sql += " then ";
      switch (c.what) {
        case merge_clause::action::update:
          out.sql += "update set ";
          assignments(c.sets, t);
          break;
        case merge_clause::action::delete_: out.sql += "delete"; break;
        case merge_clause::action::insert:
          out.sql += "insert (";
          for (std::size_t i = 0; i < c.sets.size(); ++i) {
            if (i > 0) out.sql += ", ";
            out.sql += t.quoted.at(c.sets[i].first);
          }
          out.sql += ") values (";
          for (std::size_t i = 0; i < c.sets.size(); ++i) {
            if (i > 0) out.sql += ", ";
            expression(*c.sets[i].second);
          }
          out.sql += ')';
          break;
        case merge_clause::action::nothing: out.sql += "do nothing"; break;
      }
    }
    levels_.pop_back();
  }

  void remove(const query_data& q) {
    out.sql += "delete from ";
    target(q);
    levels_.push_back({{q.target.get()}});
    if (q.where) {
      out.sql += " where ";
      expression(*q.where);
    }
    returning(q);
    levels_.pop_back();
  }
};

}  // namespace

auto render(const query_data& q, bool texts) -> rendered {
  renderer r;
  r.texts = texts;
  r.statement(q);
  return std::move(r.out);
}

namespace {

// PostgreSQL's name for an index expression in generated index names (FigureColname): a
// column's name, a function's name, a cast's operand's (else its type's), else "expr".
auto ddl_name(const node& n, const model_description& m) -> std::string {
  switch (n.kind) {
    case node_kind::column: return m.columns[n.column].name;
    case node_kind::call: {
      const auto dot = n.text.rfind('.');
      return dot == std::string::npos ? n.text : n.text.substr(dot + 1);
    }
    case node_kind::cast: {
      std::string inner = ddl_name(*n.kids[0], m);
      if (inner != "expr") return inner;
      const auto paren = n.text.find('(');
      return paren == std::string::npos ? n.text : n.text.substr(0, paren);
    }
    default: return "expr";
  }
}

}  // namespace

auto render_ddl(const node_ptr& e, const model_description& m, std::string_view fact) -> pgpx::detail::ddl_rendered {
  pgpx::detail::ddl_rendered out;
  const auto refuse = [&](const std::string& why) {
    throw usage_error(std::string(m.cpp_name) + ": " + std::string(fact) + ": " + why);
  };
  const auto walk = [&](const auto& self, const node& n) -> void {
    switch (n.kind) {
      case node_kind::value:
        refuse(
            "the expression holds a bound value, and DDL takes no parameters: write constants as "
            "pgpx::lit<...>");
        break;
      case node_kind::subquery: refuse("a subquery cannot be part of a check or an index"); break;
      case node_kind::column:
        if (n.rel == nullptr || n.rel->model != &m) {
          const std::string owner =
              n.rel != nullptr && n.rel->model != nullptr ? std::string(n.rel->model->cpp_name) : std::string("?");
          refuse("the expression reads a column of " + owner + "; a check or an index reads only its own table");
        }
        if (std::find(out.columns.begin(), out.columns.end(), n.column) == out.columns.end())
          out.columns.push_back(n.column);
        break;
      default: break;
    }
    if (n.over) refuse("a window function cannot be part of a check or an index");
    for (const auto& k : n.kids) self(self, *k);
    if (n.filter) self(self, *n.filter);
  };
  walk(walk, *e);
  renderer r;
  r.lenient = true;
  r.expression(*e);
  out.sql = std::move(r.out.sql);
  out.call = e->kind == node_kind::call && !e->filter && !e->over;
  out.name = ddl_name(*e, m);
  return out;
}

auto render_predicate(const node_ptr& e, std::uint8_t outer) -> statement<void> {
  renderer r;
  r.outer_table = true;
  r.expression(*e, outer);
  return statement<void>(std::move(r.out.sql), std::move(r.out.params));
}

}  // namespace pgpx::query::detail
