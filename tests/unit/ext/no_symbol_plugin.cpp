// A shared library that is not a plugin: it exports no pgpx_plugin_v1.
extern "C" __attribute__((visibility("default"))) auto not_a_plugin() -> int { return 42; }
