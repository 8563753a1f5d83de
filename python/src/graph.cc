// Graph audits and rewiring (docs/graph.md): the audit configuration, the loaded
// watch-next graph, and RunAudit / RunRewire (GIL released) returning their JSON.
#include "graph/graph_audit.h"
#include "python/src/bindings.h"

namespace counterpoint::python {

namespace {
struct PyGraph {
  std::shared_ptr<const WatchNextGraph> graph;
};

py::tuple RunGraph(const AuditConfig& config, const PyGraph& g,
                   nlohmann::json (*run)(const AuditConfig&, const WatchNextGraph&, std::string&)) {
  std::string text;
  nlohmann::json out;
  {
    py::gil_scoped_release release;
    out = run(config, *g.graph, text);
  }
  if (!config.file.empty()) out["scenario"] = config.file;
  return py::make_tuple(out.dump(), text);
}
// "uniform" or "attribute:NAME": a start distribution, or the weights of a group flow's sources
StartSpec ParseWeight(const std::string& text, const std::string& what) {
  if (text == "uniform") return {"uniform", ""};
  if (text.rfind("attribute:", 0) == 0 && text.size() > 10) return {"attribute", text.substr(10)};
  throw InputError(what, "'" + text + "' is not uniform or attribute:NAME");
}
}  // namespace

void bind_graph(py::module_& m) {
  py::class_<AuditConfig>(m, "AuditConfig", "Settings of a graph audit or rewiring run (docs/graph.md)")
      .def(py::init<>())
      .def_readwrite("name", &AuditConfig::name)
      .def_readwrite("description", &AuditConfig::description)
      .def_readonly("file", &AuditConfig::file)
      .def_readwrite("source", &AuditConfig::source)
      .def_readwrite("nodes", &AuditConfig::nodes)
      .def_readwrite("edges", &AuditConfig::edges)
      .def_readwrite("dir", &AuditConfig::dir)
      .def_property(
          "sinks", [](const AuditConfig& c) { return std::string(SinkPolicyName(c.sinks)); },
          [](AuditConfig& c, const std::string& s) {
            auto p = ParseSinkPolicy(s);
            if (!p) throw InputError("sinks", "'" + s + "' is not prune, absorb or self_loop");
            c.sinks = *p;
          })
      .def_property(
          "knn_scenario", [](const AuditConfig& c) { return c.knn_catalog ? c.knn_catalog->file : std::string(); },
          [](AuditConfig& c, ScenarioPtr sc) {
            c.knn_catalog = std::make_shared<const CatalogConfig>(sc->CatalogBlocks());
            c.source = "knn";
          })
      .def_property(
          "harmful",
          [](const AuditConfig& c) {
            std::vector<std::pair<std::string, std::vector<std::string>>> out;
            for (const auto& h : c.harmful) out.push_back({h.name, h.labels});
            return out;
          },
          [](AuditConfig& c, const std::vector<std::pair<std::string, std::vector<std::string>>>& sets) {
            c.harmful.clear();
            for (const auto& [name, labels] : sets) {
              if (labels.empty()) throw InputError("harmful", "the harmful set '" + name + "' names no label");
              c.harmful.push_back({name, labels});
            }
          })
      .def_property(
          "start",
          [](const AuditConfig& c) {
            return c.start.kind == "attribute" ? "attribute:" + c.start.attribute : c.start.kind;
          },
          [](AuditConfig& c, const std::string& s) { c.start = ParseWeight(s, "start"); })
      .def_property(
          "group_flows",
          [](const AuditConfig& c) {
            std::vector<std::tuple<std::string, std::vector<std::string>, std::string>> out;
            for (const auto& g : c.group_flows)
              out.push_back(
                  {g.name, g.labels, g.weight.kind == "attribute" ? "attribute:" + g.weight.attribute : g.weight.kind});
            return out;
          },
          [](AuditConfig& c,
             const std::vector<std::tuple<std::string, std::vector<std::string>, std::string>>& groups) {
            c.group_flows.clear();
            for (const auto& [name, labels, weight] : groups) {
              if (labels.empty()) throw InputError("group_flows", "the group '" + name + "' names no label");
              c.group_flows.push_back({name, labels, ParseWeight(weight, "group_flows")});
            }
          })
      .def_readwrite("reach_k", &AuditConfig::reach_k)
      .def_readwrite("horizon", &AuditConfig::horizon)
      .def_property(
          "walkers", [](const AuditConfig& c) { return c.journeys.walkers; },
          [](AuditConfig& c, int64_t w) { c.journeys.walkers = w; })
      .def_property(
          "length", [](const AuditConfig& c) { return c.journeys.length; },
          [](AuditConfig& c, int l) { c.journeys.length = l; })
      .def_property(
          "restart", [](const AuditConfig& c) { return c.journeys.restart; },
          [](AuditConfig& c, double r) { c.journeys.restart = r; })
      .def_property(
          "seed", [](const AuditConfig& c) { return c.journeys.seed; },
          [](AuditConfig& c, uint64_t s) { c.journeys.seed = s; })
      .def_readwrite("user_autonomy", &AuditConfig::user_autonomy)
      .def_readwrite("user_preference", &AuditConfig::user_preference)
      .def_readwrite("rewire_budget", &AuditConfig::rewire_budget)
      .def_readwrite("tau", &AuditConfig::tau)
      .def_readwrite("max_sources", &AuditConfig::max_sources)
      .def_readwrite("bubble_links", &AuditConfig::bubble_links)
      .def_readwrite("counter_budget", &AuditConfig::counter_budget)
      .def_readwrite("alpha", &AuditConfig::alpha)
      .def_readonly("output_dir", &AuditConfig::output_dir)
      .def("data_dates", &DataDates)
      .def("__copy__", [](const AuditConfig& c) { return AuditConfig(c); });

  py::class_<PyGraph>(m, "WatchNextGraph", "A loaded watch-next graph (immutable)")
      .def_property_readonly("size", [](const PyGraph& g) { return g.graph->size(); })
      .def_property_readonly("num_edges", [](const PyGraph& g) { return g.graph->num_edges(); })
      .def_property_readonly("source", [](const PyGraph& g) { return g.graph->source(); })
      .def_property_readonly("label_names", [](const PyGraph& g) { return g.graph->label_names(); })
      .def("node_columns", [](const PyGraph& g) {
        const WatchNextGraph& w = *g.graph;
        std::vector<std::string> ids, names;
        std::vector<int32_t> labels;
        std::vector<int64_t> out_degree;
        for (int64_t i = 0; i < w.size(); ++i) {
          ids.push_back(w.id(i)), names.push_back(w.name(i)), labels.push_back(w.label_index(i));
          out_degree.push_back(w.OutDegree(i));
        }
        py::dict out;
        out["id"] = ids, out["name"] = names, out["label"] = Owned(std::move(labels));
        out["out_degree"] = Owned(std::move(out_degree));
        for (const auto& a : w.AttributeNames()) out[py::str(a)] = Owned(std::vector<double>(w.Attribute(a)));
        return out;
      });

  m.def("load_audit_config", &LoadAuditConfig, py::arg("path"));
  m.def("load_audit_graph", [](const AuditConfig& c) {
    std::shared_ptr<const WatchNextGraph> g;
    {
      py::gil_scoped_release release;
      g = std::make_shared<const WatchNextGraph>(LoadAuditGraph(c));
    }
    return PyGraph{g};
  });
  m.def("run_audit", [](const AuditConfig& c, const PyGraph& g) { return RunGraph(c, g, &RunAudit); });
  m.def("run_rewire", [](const AuditConfig& c, const PyGraph& g) { return RunGraph(c, g, &RunRewire); });
}

}  // namespace counterpoint::python
