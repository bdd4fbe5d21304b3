// A plugin library built for another plugin ABI: registry::load_library must refuse it
// before touching the plugin (which is deliberately absent).
#include <pgpx/ext/plugin.hpp>

extern "C" __attribute__((visibility("default"))) auto pgpx_plugin_v1() -> const pgpx_plugin_descriptor* {
  static const pgpx_plugin_descriptor d{999, "9.9.9", nullptr};
  return &d;
}
