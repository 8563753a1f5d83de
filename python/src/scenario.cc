// Scenarios: load from a file or from YAML/JSON text (a dict arrives as JSON,
// which is YAML), with --set style overrides and an arm selection.
#include "core/registry.h"
#include "experiment/shipped_scenarios.h"
#include "python/src/bindings.h"

namespace counterpoint::python {

namespace {
ScenarioPtr Select(Scenario sc, const std::vector<std::string>& arms) {
  if (!arms.empty()) SelectArms(sc, arms);
  return std::make_shared<Scenario>(std::move(sc));
}

// `first`, then the directories the engine looks in for shipped scenarios
std::vector<std::string> WithEngineDirs(std::vector<std::string> first) {
  for (std::string& d : ShippedScenarioDirs()) first.push_back(std::move(d));
  return first;
}

std::vector<std::string> ArmNames(const Scenario& sc) {
  std::vector<std::string> out;
  for (const ArmSpec& a : sc.arms) out.push_back(a.name);
  return out;
}
}  // namespace

void bind_scenario(py::module_& m) {
  py::class_<Scenario, ScenarioPtr>(m, "Scenario", "A validated scenario (immutable; see counterpoint.Scenario)")
      .def_readonly("file", &Scenario::file)
      .def_readonly("base_dir", &Scenario::base_dir)
      .def_readonly("name", &Scenario::name)
      .def_readonly("description", &Scenario::description)
      .def_readonly("seed", &Scenario::seed)
      .def_readonly("steps", &Scenario::steps)
      .def_readonly("replicates", &Scenario::replicates)
      .def_readonly("batch_size", &Scenario::batch_size)
      .def_readonly("output_dir", &Scenario::output_dir)
      .def_readonly("output_events", &Scenario::output_events)
      .def_readonly("output_graph", &Scenario::output_graph)
      .def_readonly("overrides", &Scenario::overrides)
      .def_property_readonly("arms", &ArmNames)
      .def_property_readonly("control", &Scenario::ControlArm)
      .def_property_readonly("n_users", [](const Scenario& sc) { return sc.population.n_users; })
      .def("resolved_json", [](const Scenario& sc) { return sc.Resolved().dump(); });

  m.def(
      "load_scenario",
      [](const std::string& path, const std::vector<std::string>& overrides, const std::vector<std::string>& arms) {
        return Select(LoadScenario(path, overrides), arms);
      },
      py::arg("path"), py::arg("overrides") = std::vector<std::string>{}, py::arg("arms") = std::vector<std::string>{});
  // shipped scenarios by name: `dirs` first (the package's own copy), then the engine's
  m.def(
      "resolve_scenario",
      [](const std::string& arg, const std::vector<std::string>& dirs) {
        return ResolveScenarioPath(arg, WithEngineDirs(dirs));
      },
      py::arg("arg"), py::arg("dirs") = std::vector<std::string>{});
  m.def("shipped_scenarios", [](const std::vector<std::string>& dirs) {
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    for (const ShippedScenario& s : ListShippedScenarios(WithEngineDirs(dirs)))
      out.emplace_back(s.name, s.description, s.path);
    return out;
  });
  m.def(
      "parse_scenario",
      [](const std::string& text, const std::string& file, const std::vector<std::string>& overrides,
         const std::string& base_dir,
         const std::vector<std::string>& arms) { return Select(ParseScenario(text, file, overrides, base_dir), arms); },
      py::arg("text"), py::arg("file") = "<dict>", py::arg("overrides") = std::vector<std::string>{},
      py::arg("base_dir") = "", py::arg("arms") = std::vector<std::string>{});
}

}  // namespace counterpoint::python
