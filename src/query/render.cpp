// The query builder's renderer: expression trees and statements into SQL text with $n
// parameters. Names go through quote_identifier; values are copied from their nodes'
// encoded parameters, each node numbered once (a node used twice keeps its $n).
#include <pgpx/core/identifier.hpp>
#include <pgpx/error.hpp>
#include <pgpx/query/modify.hpp>
#include <pgpx/query/select.hpp>

#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <string_view>
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

namespace {
// The index of the column of C++ member `member` in `rel`; usage_error naming both when missing.
auto member_column(const relation& rel, std::string_view member, std::string_view owner) -> std::size_t {
  const auto it = std::find(rel.members.begin(), rel.members.end(), member);
  if (it == rel.members.end())
    throw usage_error("pgpx: " + std::string(owner) + "." + std::string(member) + " is not a column of \"" + rel.name +
                      "\" (the first FROM item): bind it with pgpx::as<&" + std::string(owner) +
                      "::" + std::string(member) + ">(expression)");
  return static_cast<std::size_t>(it - rel.members.begin());
}
}  // namespace

auto column_node_by_member(const relation_ptr& rel, std::string_view member, std::string_view owner) -> node_ptr {
  return column_node(rel, member_column(*rel, member, owner));
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

using std::string_view_literals::operator""sv;  // out.sql += "..."sv: no strlen per piece

// The relations one statement's columns may belong to: a select's FROM items (a view of
// them), or a write's target (with `excluded`, or a merge's source).
struct level {
  std::span<const from_item> from;
  std::array<const relation*, 2> own{};

  [[nodiscard]] auto size() const -> std::size_t {
    return from.size() + (own[0] != nullptr ? 1 : 0) + (own[1] != nullptr ? 1 : 0);
  }
  [[nodiscard]] auto has(const relation* r) const -> bool {
    if (r == own[0] || r == own[1]) return true;
    return std::any_of(from.begin(), from.end(), [&](const from_item& f) { return f.rel.get() == r; });
  }
  // Whether a relation in this scope is exposed under the name `quoted` (a reference
  // "name"."col" would resolve to it).
  [[nodiscard]] auto exposes(const std::string& quoted) const -> bool {
    for (const relation* r : own)
      if (r != nullptr && r->quoted_name == quoted) return true;
    return std::any_of(from.begin(), from.end(), [&](const from_item& f) { return f.rel->quoted_name == quoted; });
  }
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
        out.sql += " between "sv;
        expression(*n.kids[1], static_cast<std::uint8_t>(prec::like + 1));
        out.sql += " and "sv;
        expression(*n.kids[2], static_cast<std::uint8_t>(prec::like + 1));
        break;
      case node_kind::any:
        expression(*n.kids[0], static_cast<std::uint8_t>(prec::compare + 1));
        out.sql += n.text;
        out.sql += "any("sv;
        expression(*n.kids[1]);
        out.sql += ')';
        break;
      case node_kind::cast:
        expression(*n.kids[0], prec::cast);
        out.sql += "::"sv;
        out.sql += n.text;
        break;
      case node_kind::fragment: fragment(n); break;
    }
    if (paren) out.sql += ')';
  }

  // Room for a typical statement, allocated once (growing costs an allocation per doubling).
  void reserve() {
    out.sql.reserve(256);
    out.params.reserve(8);
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
  // The value nodes rendered so far, in parameter order (the k-th is $k+1): a node used twice
  // keeps its number. Few values, so a scan beats hashing; the first eight are inline.
  std::array<const node*, 8> numbered_{};
  std::vector<const node*> numbered_more_;
  std::size_t numbered_count_ = 0;

  // The parameter number of value node `n`, or 0 when it has none yet.
  [[nodiscard]] auto number_of(const node* n) const -> std::size_t {
    const std::size_t inline_count = std::min(numbered_count_, numbered_.size());
    for (std::size_t k = 0; k < inline_count; ++k)
      if (numbered_[k] == n) return k + 1;
    for (std::size_t k = 0; k < numbered_more_.size(); ++k)
      if (numbered_more_[k] == n) return numbered_.size() + k + 1;
    return 0;
  }
  void add_numbered(const node* n) {
    if (numbered_count_ < numbered_.size()) numbered_[numbered_count_] = n;
    else numbered_more_.push_back(n);
    ++numbered_count_;
  }
  std::vector<level> levels_;  // the statements being rendered, the innermost last

  // Puts a statement's level in scope while it lives.
  class scoped_level {
   public:
    scoped_level(renderer& r, level lv) : r_(r) { r_.levels_.push_back(lv); }
    scoped_level(const scoped_level&) = delete;
    auto operator=(const scoped_level&) -> scoped_level& = delete;
    ~scoped_level() { r_.levels_.pop_back(); }

   private:
    renderer& r_;
  };

  void param(const node& n) {
    if (const std::size_t seen = number_of(&n); seen != 0) {
      out.sql += '$';
      out.sql += std::to_string(seen);
      return;
    }
    const encoded_value& v = n.value;
    if (v.null) out.params.add_null(v.type);
    else if (v.format == 1) out.params.add_binary(v.bytes, v.type);
    else out.params.add_text(v.bytes, v.type);
    if (v.named != encoded_value::no_named_type) pgpx::detail::param_list_access::mark_last_named(out.params, v.named);
    if (texts) out.texts.push_back(v.text.empty() && !v.null ? std::string("?") : v.text);
    add_numbered(&n);  // only param() adds parameters: node k is $k+1
    if (v.slot >= 0) out.slots.emplace_back(out.params.size() - 1, v.slot);
    out.sql += '$';
    out.sql += std::to_string(out.params.size());
  }

  void column(const node& n) { column(n.rel.get(), n.column); }

  // Column `index` of `r`, qualified unless its relation is the only one in scope.
  void column(const relation* r, std::size_t index) {
    if (lenient) {
      out.sql += r->quoted[index];
      return;
    }
    for (std::size_t i = levels_.size(); i-- > 0;) {
      const level& l = levels_[i];
      if (!l.has(r)) continue;
      const bool unqualified = i + 1 == levels_.size() && l.size() == 1;
      if (!unqualified) {
        out.sql += r->quoted_name;
        out.sql += '.';
      }
      out.sql += r->quoted[index];
      return;
    }
    if (outer_table) {
      // "authors"."id" would read a subquery's own table of that name (another schema's
      // "authors", the same table again): refused rather than read from the wrong table.
      for (const level& l : levels_)
        if (l.exposes(r->quoted_name))
          throw usage_error("pgpx: " + (r->model != nullptr ? std::string(r->model->cpp_name) : r->name) +
                            " is the verb's own table, but a subquery names a table \"" + r->name +
                            "\" too, so the reference would read that one: give the subquery's table an alias "
                            "(pgpx::alias<M>(\"...\"))");
      out.sql += r->quoted_name;
      out.sql += '.';
      out.sql += r->quoted[index];
      return;
    }
    const std::string owner = r->model != nullptr ? std::string(r->model->cpp_name) : r->name;
    const std::string member = index < r->members.size() ? r->members[index] : r->columns[index];
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
      if (i > 0) out.sql += ", "sv;
      expression(*kids[i]);
    }
  }

  void call(const node& n) {
    out.sql += n.text;
    out.sql += '(';
    if (n.distinct) out.sql += "distinct "sv;
    list(n.kids);
    out.sql += ')';
    if (n.filter) {
      out.sql += " filter (where "sv;
      expression(*n.filter);
      out.sql += ')';
    }
    if (n.over) {
      const window_spec& w = *n.over;
      out.sql += " over ("sv;
      bool space = false;
      if (!w.partition.empty()) {
        out.sql += "partition by "sv;
        list(w.partition);
        space = true;
      }
      if (!w.order.empty()) {
        if (space) out.sql += ' ';
        out.sql += "order by "sv;
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
      if (i > 0) out.sql += ", "sv;
      out.sql += c.quoted_name;
      if (d.column_list) {
        out.sql += " ("sv;
        for (std::size_t k = 0; k < c.columns.size(); ++k) {
          if (k > 0) out.sql += ", "sv;
          out.sql += c.quoted[k];
        }
        out.sql += ')';
      }
      out.sql += " as ("sv;
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
          out.sql += " as "sv;
          out.sql += r.quoted_name;
        }
        break;
      case relation_kind::cte: out.sql += r.quoted_name; break;
      case relation_kind::derived:
        if (r.lateral) out.sql += "lateral "sv;
        out.sql += '(';
        statement(*r.body);
        out.sql += ") as "sv;
        out.sql += r.quoted_name;
        break;
      case relation_kind::function:
        // A function in FROM sees the items before it (implicitly LATERAL).
        expression(*r.call);
        if (r.ordinality) out.sql += " with ordinality"sv;
        out.sql += " as "sv;
        out.sql += r.quoted_name;
        out.sql += " ("sv;
        for (std::size_t k = 0; k < r.quoted.size(); ++k) {
          if (k > 0) out.sql += ", "sv;
          out.sql += r.quoted[k];
        }
        out.sql += ')';
        break;
    }
  }

  static constexpr std::size_t no_column = static_cast<std::size_t>(-1);
  // The index of the soft-delete column (pgpx::deleted_at) of a model relation, or no_column.
  static auto soft_column(const relation& r) -> std::size_t {
    if (r.kind != relation_kind::table || r.model == nullptr) return no_column;
    const column_info* c = r.model->soft_delete_column();
    return c == nullptr ? no_column : static_cast<std::size_t>(c - r.model->columns.data());
  }
  // `"deleted_at" is null` for a model relation with soft delete, else nullptr.
  static auto soft_filter(const relation_ptr& r) -> node_ptr {
    const std::size_t index = soft_column(*r);
    if (index == no_column) return nullptr;
    return make_node(node_kind::postfix, prec::is, " is null", {column_node(r, index)});
  }
  // The same condition written in place, as its node would render inside `and` (the
  // select path makes no node for it).
  void soft_condition(const relation& r, std::size_t index) {
    column(&r, index);
    out.sql += " is null"sv;
  }
  static auto and_node(node_ptr a, node_ptr b) -> node_ptr {
    if (!a) return b;
    if (!b) return a;
    return make_node(node_kind::binary, prec::and_, " and ", {std::move(a), std::move(b)});
  }

  // The keyset condition of after(row) as an `and` operand (outer: the precedence around it).
  // One direction: a row comparison `(c1, c2) > ($1, $2)` (or `c1 > $1`), written in place as
  // its nodes would render; mixed directions: an or-chain of nodes (mixed_keyset_node).
  void keyset(const query_data& q, std::uint8_t outer) {
    const auto& cols = q.order_columns;
    const auto& vals = q.after->values;
    if (cols.empty()) throw usage_error("pgpx: after(row) needs order_by(...) first");
    if (vals.size() != cols.size())
      throw usage_error("pgpx: after(row) must come after every order_by(...): it read " + std::to_string(vals.size()) +
                        " ORDER BY values, and the query orders by " + std::to_string(cols.size()));
    const bool same =
        std::all_of(q.order_desc.begin(), q.order_desc.end(), [&](bool d) { return d == q.order_desc[0]; });
    if (!same) {
      expression(*mixed_keyset_node(q), outer);
      return;
    }
    const std::string_view op = q.order_desc[0] ? " < "sv : " > "sv;
    if (cols.size() == 1) {
      expression(*cols[0], static_cast<std::uint8_t>(prec::compare + 1));
      out.sql += op;
      expression(*vals[0], static_cast<std::uint8_t>(prec::compare + 1));
      return;
    }
    out.sql += '(';
    list(cols);
    out.sql += ')';
    out.sql += op;
    out.sql += '(';
    list(vals);
    out.sql += ')';
  }
  // Mixed directions: (c1 > v1) or (c1 = v1 and c2 < v2) or ...
  static auto mixed_keyset_node(const query_data& q) -> node_ptr {
    const auto& cols = q.order_columns;
    const auto& vals = q.after->values;
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

  // A select list or RETURNING: an item without an expression is the column of its member in
  // `first` (written in place: no node is made for it).
  void items(const std::vector<select_item>& list, const relation* first, std::string_view row_name) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      const select_item& it = list[i];
      if (i > 0) out.sql += ", "sv;
      const relation* rel = nullptr;  // the item's column, when it is one
      std::size_t index = 0;
      if (it.e) {
        expression(*it.e);
        if (it.e->kind == node_kind::column) {
          rel = it.e->rel.get();
          index = it.e->column;
        }
      } else {
        if (first == nullptr)
          throw usage_error("pgpx: " + std::string(row_name) + "." + std::string(it.member) +
                            " is not bound to an expression and the query has no FROM item to take it from");
        rel = first;
        // A model's own items are in its member order: try the item's position first.
        const bool in_order = i < first->members.size() && first->members[i] == it.member;
        index = in_order ? i : member_column(*first, it.member, row_name);
        column(first, index);
      }
      const bool same_column = rel != nullptr && rel->columns[index] == it.name;
      if (!it.name.empty() && !same_column) {
        out.sql += " as "sv;
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
      throw usage_error("pgpx: " + std::string(q.row_name) + "." + std::string(it.field) +
                        " must be std::optional (rolled-up rows are NULL)");
    }
  }

  // A part of a set operation in parentheses when written bare it would mean something else:
  // a part with its own ORDER BY, LIMIT, OFFSET or lock (bare, they would end the whole
  // statement or be a syntax error), a compound on the right (set operations group to the
  // left; so does a part with its own WITH on the right), and a union or except on the left
  // of an intersect (intersect binds tighter).
  static auto needs_parens(const query_data& part, bool right, const std::string& op, bool outer_with) -> bool {
    if (part.kind != query_kind::compound)
      return ((right || outer_with) && !part.ctes.empty()) || !part.order.empty() || part.limit || part.offset ||
             !part.lock.empty();
    if (outer_with && !part.ctes.empty()) return true;
    if (right || !part.order.empty() || part.limit || part.offset) return true;
    return op == " intersect " && part.ops.front() != " intersect ";
  }

  // The output column of a set operation that column `c` is: the leftmost part's select
  // item that is that column (or takes it by name from its first FROM item), by the name the
  // item gives it. A set operation's ORDER BY can name output columns only.
  static auto output_name(const query_data& q, const node& c) -> std::string {
    const query_data* left = &q;
    while (left->kind == query_kind::compound && !left->parts.empty()) left = left->parts.front().get();
    const relation* first = !left->from.empty() && left->from.front().join == join_kind::first
                                ? left->from.front().rel.get()
                                : (left->default_from != nullptr ? left->default_from().get() : nullptr);
    if (c.kind == node_kind::column) {
      const relation* r = c.rel.get();
      for (const select_item& it : left->items) {
        const bool same = it.e ? it.e->kind == node_kind::column && it.e->rel.get() == r && it.e->column == c.column
                               : r == first && c.column < r->members.size() && r->members[c.column] == it.member;
        if (same) return quote_identifier(it.name.empty() ? std::string_view(r->columns[c.column]) : it.name);
      }
    }
    throw usage_error(
        "pgpx: the ORDER BY of a union, intersect or except names output columns: order by a column the first "
        "part selects (an expression, or a column it does not select, cannot be ordered by there)");
  }

  // `a union all b [order by ...] [limit ...] [offset ...]`.
  void compound(const query_data& q) {
    if (q.where || !q.group_by.empty() || q.having || q.distinct || !q.distinct_on.empty() || q.after ||
        !q.lock.empty() || q.with_deleted)
      throw usage_error(
          "pgpx: where, group by, having, distinct, after, with_deleted and locks apply to one part of a union, "
          "intersect or except: call them on the part (order_by, limit and offset apply to the whole)");
    for (std::size_t i = 0; i < q.parts.size(); ++i) {
      if (i > 0) out.sql += q.ops[std::min(i - 1, q.ops.size() - 1)];
      const bool paren = needs_parens(*q.parts[i], i > 0, q.ops.front(), !q.ctes.empty());
      if (paren) out.sql += '(';
      statement(*q.parts[i]);
      if (paren) out.sql += ')';
    }
    if (!q.order.empty()) {
      out.sql += " order by ";
      for (std::size_t i = 0; i < q.order.size(); ++i) {
        if (i > 0) out.sql += ", ";
        const node& o = *q.order[i];
        const bool ordering = o.kind == node_kind::ordering;
        out.sql += output_name(q, ordering ? *o.kids[0] : o);
        if (ordering) out.sql += o.text;
      }
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
    // FROM: the statement's items, else (select<Model>() without from()) the model's table;
    // joins made without from() join to the model's table too
    std::span<const from_item> from_items = q.from;
    from_item own_table;
    std::vector<from_item> with_own_table;
    if (q.default_from != nullptr && (from_items.empty() || from_items.front().join != join_kind::first)) {
      own_table.rel = q.default_from();
      if (from_items.empty()) {
        from_items = {&own_table, 1};
      } else {
        with_own_table.reserve(q.from.size() + 1);
        with_own_table.push_back(own_table);
        with_own_table.insert(with_own_table.end(), q.from.begin(), q.from.end());
        from_items = with_own_table;
      }
    }
    if (!from_items.empty() && from_items.front().join != join_kind::first)
      throw usage_error("pgpx: a join needs a FROM item to join to: call from<M>() (or from(relation)) first");
    if (!q.group_by.empty()) check_rolled_up(q, from_items.empty() ? nullptr : from_items.front().rel);
    const scoped_level in_scope(*this, level{from_items});
    out.sql += "select "sv;
    if (q.distinct) out.sql += "distinct "sv;
    if (!q.distinct_on.empty()) {
      out.sql += "distinct on ("sv;
      list(q.distinct_on);
      out.sql += ") "sv;
    }
    items(q.items, from_items.empty() ? nullptr : from_items.front().rel.get(), q.row_name);
    // WHERE: the statement's condition, the keyset page's, then each FROM item's soft-delete
    // filter, and-ed (written in place as the `and` nodes of them would render)
    std::size_t conditions = (q.where ? 1 : 0) + (q.after ? 1 : 0);
    // With a right or full join, soft-delete filters go into derived tables (below).
    const bool outer_preserved = std::any_of(from_items.begin(), from_items.end(), [](const from_item& f) {
      return f.join == join_kind::right || f.join == join_kind::full;
    });
    if (!from_items.empty()) {
      out.sql += " from "sv;
      for (const auto& f : from_items) {
        switch (f.join) {
          case join_kind::first: break;
          case join_kind::inner: out.sql += " join "sv; break;
          case join_kind::left: out.sql += " left join "sv; break;
          case join_kind::right: out.sql += " right join "sv; break;
          case join_kind::full: out.sql += " full join "sv; break;
          case join_kind::cross: out.sql += " cross join "sv; break;
        }
        const std::size_t soft = q.with_deleted ? no_column : soft_column(*f.rel);
        if (soft != no_column && outer_preserved) {
          // With a right or full join a filter in WHERE would drop the rows the join keeps
          // for the other side, and one in ON would keep the deleted rows of a preserved
          // side: the live rows are taken before the join instead.
          out.sql += "(select * from "sv;
          out.sql += f.rel->quoted_table;
          out.sql += " where "sv;
          out.sql += f.rel->quoted[soft];
          out.sql += " is null) as "sv;
          out.sql += f.rel->quoted_name;
          if (f.join != join_kind::first && f.join != join_kind::cross && f.on) {
            out.sql += " on "sv;
            expression(*f.on);
          }
          continue;
        }
        relation_sql(*f.rel);
        if (f.join == join_kind::first || f.join == join_kind::cross) {
          if (soft != no_column) ++conditions;
        } else {
          out.sql += " on "sv;
          const bool both = f.on && soft != no_column;
          if (f.on) expression(*f.on, both ? prec::and_ : 0);
          if (both) out.sql += " and "sv;
          if (soft != no_column) soft_condition(*f.rel, soft);
        }
      }
    }
    if (conditions > 0) {
      const std::uint8_t outer = conditions > 1 ? prec::and_ : 0;
      std::string_view separator = " where "sv;
      const auto next = [&] {
        out.sql += separator;
        separator = " and "sv;
      };
      if (q.where) {
        next();
        expression(*q.where, outer);
      }
      if (q.after) {
        next();
        keyset(q, outer);
      }
      for (const auto& f : from_items) {
        if (outer_preserved || (f.join != join_kind::first && f.join != join_kind::cross)) continue;
        const std::size_t soft = q.with_deleted ? no_column : soft_column(*f.rel);
        if (soft != no_column) {
          next();
          soft_condition(*f.rel, soft);
        }
      }
    }
    if (!q.group_by.empty()) {
      out.sql += " group by "sv;
      list(q.group_by);
    }
    if (q.having) {
      out.sql += " having "sv;
      expression(*q.having);
    }
    if (!q.order.empty()) {
      out.sql += " order by "sv;
      list(q.order);
    }
    if (q.limit) {
      out.sql += " limit "sv;
      expression(*q.limit);
    }
    if (q.offset) {
      out.sql += " offset "sv;
      expression(*q.offset);
    }
    if (!q.lock.empty()) {
      out.sql += ' ';
      out.sql += q.lock;
      if (!q.lock_of.empty()) {
        out.sql += " of "sv;
        for (std::size_t i = 0; i < q.lock_of.size(); ++i) {
          if (i > 0) out.sql += ", "sv;
          out.sql += q.lock_of[i]->quoted_name;
        }
      }
      out.sql += q.lock_wait;
    }
  }

  void target(const query_data& q) { relation_sql(*q.target); }

  void assignments(const std::vector<std::pair<std::size_t, node_ptr>>& sets, const relation& t) {
    for (std::size_t i = 0; i < sets.size(); ++i) {
      if (i > 0) out.sql += ", "sv;
      out.sql += t.quoted.at(sets[i].first);
      out.sql += " = "sv;
      expression(*sets[i].second);
    }
  }

  void returning(const query_data& q) {
    if (q.returning.empty()) return;
    out.sql += " returning "sv;
    items(q.returning, q.target.get(), q.row_name.empty() ? std::string_view("returning") : q.row_name);
  }

  void insert(const query_data& q) {
    const relation& t = *q.target;
    out.sql += "insert into "sv;
    target(q);
    out.sql += " ("sv;
    for (std::size_t i = 0; i < q.insert_columns.size(); ++i) {
      if (i > 0) out.sql += ", "sv;
      out.sql += t.quoted.at(q.insert_columns[i]);
    }
    out.sql += ')';
    const scoped_level in_scope(*this, level{{}, {q.target.get(), nullptr}});
    if (q.insert_select) {
      out.sql += ' ';
      statement(*q.insert_select);
    } else {
      if (q.rows.empty())
        throw usage_error("pgpx: insert_into<" + std::string(t.model ? t.model->cpp_name : t.name) +
                          ">() needs values(...)");
      out.sql += " values "sv;
      for (std::size_t r = 0; r < q.rows.size(); ++r) {
        if (r > 0) out.sql += ", "sv;
        out.sql += '(';
        list(q.rows[r]);
        out.sql += ')';
      }
    }
    if (q.has_conflict) {
      out.sql += " on conflict"sv;
      if (!q.conflict_constraint.empty()) {
        out.sql += " on constraint "sv;
        out.sql += quote_identifier(q.conflict_constraint);
      } else if (!q.conflict_columns.empty()) {
        out.sql += " ("sv;
        for (std::size_t i = 0; i < q.conflict_columns.size(); ++i) {
          if (i > 0) out.sql += ", "sv;
          out.sql += t.quoted.at(q.conflict_columns[i]);
        }
        out.sql += ')';
      }
      if (q.do_nothing || q.conflict_sets.empty()) {
        out.sql += " do nothing"sv;
      } else {
        const scoped_level with_excluded(*this, level{{}, {q.target.get(), q.excluded.get()}});
        out.sql += " do update set "sv;
        assignments(q.conflict_sets, t);
        if (q.conflict_where) {
          out.sql += " where "sv;
          expression(*q.conflict_where);
        }
      }
    }
    returning(q);
  }

  void update(const query_data& q) {
    out.sql += "update "sv;
    target(q);
    const scoped_level in_scope(*this, level{{}, {q.target.get(), nullptr}});
    out.sql += " set "sv;
    assignments(q.sets, *q.target);
    node_ptr where = and_node(q.where, q.with_deleted ? nullptr : soft_filter(q.target));
    if (where) {
      out.sql += " where "sv;
      expression(*where);
    }
    returning(q);
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
    out.sql += "merge into "sv;
    target(q);
    const scoped_level in_scope(*this, level{{}, {q.target.get(), src.rel.get()}});
    out.sql += " using "sv;
    relation_sql(*src.rel);
    out.sql += " on "sv;
    expression(*src.on);
    const node_ptr source_live = q.with_deleted ? nullptr : soft_filter(src.rel);
    const node_ptr target_live = q.with_deleted ? nullptr : soft_filter(q.target);
    const relation& t = *q.target;
    for (const merge_clause& c : q.merge_clauses) {
      out.sql += c.matched ? " when matched" : " when not matched";
      const node_ptr cond = and_node(and_node(c.condition, c.matched ? target_live : nullptr), source_live);
      if (cond) {
        out.sql += " and "sv;
        expression(*cond, prec::and_);
      }
      out.sql += " then "sv;
      switch (c.what) {
        case merge_clause::action::update:
          out.sql += "update set "sv;
          assignments(c.sets, t);
          break;
        case merge_clause::action::delete_: out.sql += "delete"sv; break;
        case merge_clause::action::insert:
          out.sql += "insert ("sv;
          for (std::size_t i = 0; i < c.sets.size(); ++i) {
            if (i > 0) out.sql += ", "sv;
            out.sql += t.quoted.at(c.sets[i].first);
          }
          out.sql += ") values ("sv;
          for (std::size_t i = 0; i < c.sets.size(); ++i) {
            if (i > 0) out.sql += ", "sv;
            expression(*c.sets[i].second);
          }
          out.sql += ')';
          break;
        case merge_clause::action::nothing: out.sql += "do nothing"sv; break;
      }
    }
  }

  void remove(const query_data& q) {
    out.sql += "delete from "sv;
    target(q);
    const scoped_level in_scope(*this, level{{}, {q.target.get(), nullptr}});
    if (q.where) {
      out.sql += " where "sv;
      expression(*q.where);
    }
    returning(q);
  }
};

}  // namespace

auto render(const query_data& q, bool texts) -> rendered {
  renderer r;
  r.texts = texts;
  r.reserve();
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
