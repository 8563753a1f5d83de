// Shared helpers of the counterpoint._core bindings: numpy views tied to an owner,
// snapshots owning their data, and one bind_*() per area (module.cc calls them).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "experiment/scenario.h"

namespace counterpoint::python {

namespace py = pybind11;

/// A numpy view of `data` (no copy) kept alive through `base`; read-only unless `writeable`.
template <class T>
py::array View(const T* data, std::vector<py::ssize_t> shape, py::handle base, bool writeable) {
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t stride = sizeof(T);
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  py::array a(py::dtype::of<T>(), shape, strides, data, base);
  if (!writeable) py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

/// A numpy array owning `v` (moved into a capsule): a snapshot, not live state.
template <class T>
py::array Owned(std::vector<T>&& v, std::vector<py::ssize_t> shape) {
  if (v.empty()) return py::array(py::dtype::of<T>(), shape);
  auto* holder = new std::vector<T>(std::move(v));
  py::capsule owner(holder, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return View(holder->data(), std::move(shape), owner, true);
}

/// 1-D snapshot.
template <class T>
py::array Owned(std::vector<T>&& v) {
  const auto n = static_cast<py::ssize_t>(v.size());
  return Owned(std::move(v), {n});
}

/// The scenario as the bindings hold it (shared with the Python objects built from it).
using ScenarioPtr = std::shared_ptr<Scenario>;

void bind_errors(py::module_& m);
void bind_scenario(py::module_& m);
void bind_results(py::module_& m);
void bind_simulation(py::module_& m);
void bind_plugins(py::module_& m);
void bind_graph(py::module_& m);
void bind_privacy(py::module_& m);
void bind_sweep(py::module_& m);
void bind_cost(py::module_& m);

}  // namespace counterpoint::python
