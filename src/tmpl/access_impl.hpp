// src/tmpl/access_impl.hpp: the members of sql_template and value that the template engine's
// own sources use (private header, not installed).
#pragma once

#include <pgpx/tmpl/template.hpp>
#include <pgpx/tmpl/value.hpp>

#include <memory>
#include <utility>

namespace pgpx::tmpl::detail {

/// Access to sql_template's compiled form.
struct template_access {
  [[nodiscard]] static auto impl(const sql_template& t) noexcept -> const std::shared_ptr<const template_impl>& {
    return t.impl();
  }
  [[nodiscard]] static auto make(std::shared_ptr<const template_impl> impl) noexcept -> sql_template {
    return sql_template(std::move(impl));
  }
};

/// Access to the engine objects (fragments, callables) inside values.
struct value_access {
  /// The engine object of a fragment or callable, or nullptr.
  [[nodiscard]] static auto engine(const value& v) noexcept -> const std::shared_ptr<const engine_object>* {
    return v.engine();
  }
  /// Wraps an engine object (a host program cannot make fragments).
  [[nodiscard]] static auto from_engine(std::shared_ptr<const engine_object> object, value_kind kind) -> value {
    return value::from_engine(std::move(object), kind);
  }
};

}  // namespace pgpx::tmpl::detail
