// counterpoint._core: the engine's Python bindings; one bind_*() per area. The
// pure-Python package `counterpoint` (python/counterpoint/) is the public API.
#include "core/version.h"
#include "python/src/bindings.h"

PYBIND11_MODULE(_core, m) {
  using namespace counterpoint::python;
  m.doc() = "counterpoint engine bindings (use the `counterpoint` package, not this module)";
  m.attr("__version__") = counterpoint::kVersion;
  bind_errors(m);
  bind_scenario(m);
  bind_results(m);
  bind_simulation(m);
  bind_plugins(m);
  bind_graph(m);
  bind_privacy(m);
  bind_sweep(m);
  bind_cost(m);
}
