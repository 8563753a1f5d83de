// One arm of one replicate stepped by hand, with zero-copy numpy views of the
// catalog (read-only: immutable), the population (traits read-only; interest,
// estimate, history and counters writable: the engine's live state), the item
// states and the last step's slates (read-only).
#include <omp.h>

#include <cmath>

#include "core/rng.h"
#include "experiment/runner.h"
#include "python/src/bindings.h"

namespace counterpoint::python {

namespace {

// Keeps every user's slate of the current step (-1 for users without a session);
// its buffers are allocated once, so views of them stay valid.
class SlateRecorder : public Observer {
 public:
  SlateRecorder(int64_t n_users, int slate_size)
      : slate_size_(slate_size), slates_(n_users * slate_size, -1), provenance_(n_users * slate_size, 0) {}
  std::vector<std::string> Columns() const override { return {}; }
  void BeginStep(const StepView&) override {
    std::fill(slates_.begin(), slates_.end(), -1);
    std::fill(provenance_.begin(), provenance_.end(), 0);
  }
  void ObserveBatch(const StepView&, const SlateBatch& b, const ChoiceBuffer&) override {
    for (int64_t u = 0; u < b.n; ++u) {
      const int64_t row = static_cast<int64_t>(b.users[u]) * slate_size_;
      std::copy_n(b.Slate(u), slate_size_, slates_.begin() + row);
      std::copy_n(b.SlateProvenance(u), slate_size_, provenance_.begin() + row);
    }
  }
  void EndStep(const StepView&, double*) override {}
  const std::vector<int64_t>& slates() const { return slates_; }
  const std::vector<uint8_t>& provenance() const { return provenance_; }
  int slate_size() const { return slate_size_; }

 private:
  int slate_size_;
  std::vector<int64_t> slates_;
  std::vector<uint8_t> provenance_;
};

// The catalog shared by a world's arms (immutable: every view is read-only).
struct PyCatalog {
  std::shared_ptr<const Catalog> catalog;
};

py::array CatalogArray(py::object self, const std::string& name) {
  const Catalog& c = *self.cast<PyCatalog&>().catalog;
  const CatalogData& d = c.data();
  const py::ssize_t n = c.size();
  if (name == "embeddings") return View(c.embeddings(), {n, c.dim()}, self, false);
  if (name == "labels") return View(reinterpret_cast<const uint8_t*>(d.labels.data()), {n}, self, false);
  if (name == "extremity") return View(d.extremity.data(), {n}, self, false);
  if (name == "harm_score") return View(d.harm_score.data(), {n}, self, false);
  if (name == "creator") return View(d.creator.data(), {n}, self, false);
  if (name == "topic") return View(d.topic.data(), {n}, self, false);
  if (name == "upload_step") return View(d.upload_step.data(), {n}, self, false);
  if (name == "parent") {
    if (d.parent.empty()) return Owned(std::vector<int64_t>(n, -1));  // no re-upload pool: none has a parent
    return View(d.parent.data(), {n}, self, false);
  }
  if (name == "extremity_direction")
    return View(d.extremity_direction.data(), {static_cast<py::ssize_t>(d.extremity_direction.size())}, self, false);
  throw py::key_error("no catalog array '" + name + "'");
}

uintptr_t CatalogAddress(const PyCatalog& pc, const std::string& name) {
  const Catalog& c = *pc.catalog;
  if (name == "embeddings") return reinterpret_cast<uintptr_t>(c.embeddings());
  if (name == "labels") return reinterpret_cast<uintptr_t>(c.labels().data());
  if (name == "extremity") return reinterpret_cast<uintptr_t>(c.data().extremity.data());
  if (name == "harm_score") return reinterpret_cast<uintptr_t>(c.data().harm_score.data());
  throw py::key_error(name);
}

struct PySimulation {
  ScenarioPtr scenario;
  const ArmSpec* arm = nullptr;
  int replicate = 0;
  uint64_t seed = 0;
  IndexedCatalog world;
  std::unique_ptr<Simulation> sim;
  const SlateRecorder* recorder = nullptr;
  std::vector<double> rows;  // steps x columns, filled up to `next_step`
  int64_t next_step = 0;
  py::object catalog;  // the PyCatalog, made once
};

std::unique_ptr<PySimulation> MakeSimulation(ScenarioPtr sc, const std::string& arm_name, int replicate) {
  auto s = std::make_unique<PySimulation>();
  s->scenario = sc;
  for (const ArmSpec& a : sc->arms)
    if (a.name == arm_name || (arm_name.empty() && a.name == sc->ControlArm())) s->arm = &a;
  if (!s->arm) {
    std::vector<std::string> names;
    for (const ArmSpec& a : sc->arms) names.push_back(a.name);
    throw py::value_error("no arm '" + arm_name + "' in scenario '" + sc->name + "' (arms: " + JoinNames(names) + ")");
  }
  if (replicate < 0 || replicate >= sc->replicates)
    throw py::value_error("replicate " + std::to_string(replicate) + " is outside 0.." +
                          std::to_string(sc->replicates - 1));
  s->replicate = replicate;
  s->seed = DeriveSeed(sc->seed, replicate);
  // the same world, population and plug-ins as RunScenario builds for this arm and
  // replicate, plus a zero-column observer keeping the step's slates
  s->world = BuildIndexedCatalog(*sc, s->seed);
  Population pop = BuildPopulation(*sc, *s->world.catalog, s->seed);
  const ArmSpec& arm = *s->arm;
  auto retriever = RetrieverRegistry::Get().Find(arm.retriever.type)->factory(arm.retriever.params);
  auto ranker = RankerRegistry::Get().Find(arm.ranker.type)->factory(arm.ranker.params);
  std::vector<std::unique_ptr<Intervention>> interventions;
  for (const auto& iv : arm.interventions)
    interventions.push_back(InterventionRegistry::Get().Find(iv.type)->factory(iv.params));
  CheckOneSlateBuilder(arm, interventions);
  auto rec =
      std::make_unique<Recommender>(std::move(retriever), std::move(ranker), std::move(interventions), arm.options);
  auto um = BuildUserModel(*sc);
  std::vector<std::unique_ptr<Observer>> observers = BuildObservers(*sc);
  auto recorder = std::make_unique<SlateRecorder>(pop.n, arm.options.slate_size);
  s->recorder = recorder.get();
  observers.push_back(std::move(recorder));
  SimOptions opts{sc->steps, sc->batch_size, s->seed, sc->output_graph, arm.name, sc->output_events};
  s->sim =
      std::make_unique<Simulation>(s->world, std::move(pop), std::move(rec), std::move(um), std::move(observers), opts);
  s->rows.assign(sc->steps * s->sim->columns().size(), 0.0);
  s->catalog = py::cast(PyCatalog{s->world.catalog});
  return s;
}

// The rules for the population's writable views (docs/python.md, "What plug-ins may
// write"), checked before each step: a write that breaks one is named (array, user row,
// column, the rule) instead of turning a metric into NaN or reading out of bounds.
void CheckPopulation(const PySimulation& s, int64_t step) {
  const Population& p = s.sim->population();
  const int64_t n = p.rows, d = p.dim, h = p.history_length;
  const int64_t n_items = s.world.catalog->size();
  auto fail = [&](const std::string& array, int64_t row, int64_t col, const std::string& rule) {
    throw py::value_error("population." + array + "[" + std::to_string(row) +
                          (col >= 0 ? ", " + std::to_string(col) : std::string()) + "] breaks a rule before step " +
                          std::to_string(step) + " (arm '" + s.arm->name + "'): " + rule);
  };
  for (const auto* v : {&p.interest, &p.estimate}) {
    const char* name = v == &p.interest ? "interest" : "estimate";
    for (int64_t r = 0; r < n; ++r) {
      double norm2 = 0;
      for (int64_t j = 0; j < d; ++j) {
        const float x = (*v)[r * d + j];
        if (!std::isfinite(x)) fail(name, r, j, "every entry is a finite number");
        norm2 += static_cast<double>(x) * x;
      }
      if (std::abs(std::sqrt(norm2) - 1.0) > 1e-3)
        fail(name, r, -1, "each row has unit norm (it is " + std::to_string(std::sqrt(norm2)) + ")");
    }
  }
  for (int64_t r = 0; r < n; ++r) {
    if (h > 0 && (p.history_head[r] < 0 || p.history_head[r] >= h))  // h 0: no observer reads a history
      fail("history_head", r, -1, "0 <= history_head < history length " + std::to_string(h));
    if (h > 0 && (p.history_count[r] < 0 || p.history_count[r] > h))
      fail("history_count", r, -1, "0 <= history_count <= history length " + std::to_string(h));
    for (int64_t j = 0; j < h; ++j)
      if (p.history[r * h + j] < -1 || p.history[r * h + j] >= n_items)
        fail("history", r, j, "an entry is -1 (empty) or an item id, 0.." + std::to_string(n_items - 1));
    if (p.sessions[r] < 0 || p.impressions[r] < 0 || p.clicks[r] < 0)
      fail(p.sessions[r] < 0 ? "sessions" : p.impressions[r] < 0 ? "impressions" : "clicks", r, -1, "counts are >= 0");
  }
}

// steps n more steps (GIL released; Ctrl-C and progress at each step boundary)
void StepSimulation(PySimulation& s, int64_t n, const py::object& progress) {
  if (n < 0) throw py::value_error("steps must be >= 0");
  if (s.next_step + n > s.scenario->steps)
    throw py::value_error("the scenario has " + std::to_string(s.scenario->steps) + " steps; " +
                          std::to_string(s.next_step) + " are done (raise it with overrides={'steps': ...})");
  const size_t cols = s.sim->columns().size();
  const int64_t first = s.next_step;
  py::gil_scoped_release release;
  for (int64_t t = first; t < first + n; ++t) {
    CheckPopulation(s, t);
    s.sim->Step(t, s.rows.data() + t * cols);
    s.next_step = t + 1;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (!progress.is_none()) progress(t + 1 - first, n);
  }
}

py::array PopulationArray(py::object self, const std::string& name) {
  PySimulation& s = self.cast<PySimulation&>();
  // the simulation owns its population; the engine mutates it in place
  Population& p = const_cast<Population&>(s.sim->population());
  const py::ssize_t n = p.n, d = p.dim, h = p.history_length;
  if (name == "interest") return View(p.interest.data(), {n, d}, self, true);
  if (name == "estimate") return View(p.estimate.data(), {n, d}, self, true);
  if (name == "susceptibility") return View(p.susceptibility.data(), {n}, self, false);
  if (name == "appetite") return View(p.appetite.data(), {n}, self, false);
  if (name == "receptivity") return View(p.receptivity.data(), {n}, self, false);
  if (name == "session_prob") return View(p.session_prob.data(), {n}, self, false);
  if (name == "history") return View(p.history.data(), {n, h}, self, true);
  if (name == "history_step") return View(p.history_step.data(), {n, h}, self, true);
  if (name == "history_head") return View(p.history_head.data(), {n}, self, true);
  if (name == "history_count") return View(p.history_count.data(), {n}, self, true);
  if (name == "sessions") return View(p.sessions.data(), {n}, self, true);
  if (name == "impressions") return View(p.impressions.data(), {n}, self, true);
  if (name == "clicks") return View(p.clicks.data(), {n}, self, true);
  throw py::key_error("no population array '" + name + "'");
}

uintptr_t PopulationAddress(const PySimulation& s, const std::string& name) {
  const Population& p = s.sim->population();
  if (name == "interest") return reinterpret_cast<uintptr_t>(p.interest.data());
  if (name == "estimate") return reinterpret_cast<uintptr_t>(p.estimate.data());
  if (name == "susceptibility") return reinterpret_cast<uintptr_t>(p.susceptibility.data());
  if (name == "clicks") return reinterpret_cast<uintptr_t>(p.clicks.data());
  throw py::key_error(name);
}

py::array ItemArray(py::object self, const std::string& name) {
  const PySimulation& s = self.cast<PySimulation&>();
  const ItemState& it = s.sim->items();
  const py::ssize_t n = static_cast<py::ssize_t>(it.status.size());
  if (name == "status") return View(reinterpret_cast<const uint8_t*>(it.status.data()), {n}, self, false);
  if (name == "clicks") return View(it.clicks.data(), {n}, self, false);
  if (name == "impressions") return View(it.impressions.data(), {n}, self, false);
  throw py::key_error("no item array '" + name + "'");
}

}  // namespace

void bind_simulation(py::module_& m) {
  py::class_<PyCatalog>(m, "Catalog", "The item catalog (immutable: every array is a read-only view)")
      .def_property_readonly("size", [](const PyCatalog& c) { return c.catalog->size(); })
      .def_property_readonly("dim", [](const PyCatalog& c) { return c.catalog->dim(); })
      .def_property_readonly("n_topics", [](const PyCatalog& c) { return c.catalog->n_topics(); })
      .def_property_readonly("source", [](const PyCatalog& c) { return c.catalog->source(); })
      .def("array", &CatalogArray, py::arg("name"))
      .def("_address", &CatalogAddress)
      .def("ids", [](const PyCatalog& c) {
        std::vector<std::string> out(c.catalog->size());
        for (int64_t i = 0; i < c.catalog->size(); ++i) out[i] = c.catalog->id(i);
        return out;
      });
  m.def("label_names", &LabelNames);

  py::class_<PySimulation>(m, "Simulation", "One arm of one replicate, stepped by hand")
      .def(py::init(&MakeSimulation), py::arg("scenario"), py::arg("arm") = "", py::arg("replicate") = 0)
      .def("step", &StepSimulation, py::arg("n") = 1, py::arg("progress") = py::none())
      .def_property_readonly("next_step", [](const PySimulation& s) { return s.next_step; })
      .def_property_readonly("steps", [](const PySimulation& s) { return s.scenario->steps; })
      .def_property_readonly("arm", [](const PySimulation& s) { return s.arm->name; })
      .def_property_readonly("replicate", [](const PySimulation& s) { return s.replicate; })
      .def_property_readonly("seed", [](const PySimulation& s) { return s.seed; })
      .def_property_readonly("scenario", [](const PySimulation& s) { return s.scenario; })
      .def_property_readonly("columns", [](const PySimulation& s) { return s.sim->columns(); })
      .def_property_readonly("catalog", [](const PySimulation& s) { return s.catalog; })
      .def_property_readonly("n_users", [](const PySimulation& s) { return s.sim->population().n; })
      .def("metric_rows",
           [](const PySimulation& s) {
             const size_t cols = s.sim->columns().size();
             std::vector<double> rows(s.rows.begin(), s.rows.begin() + s.next_step * cols);
             return Owned(std::move(rows), {static_cast<py::ssize_t>(s.next_step), static_cast<py::ssize_t>(cols)});
           })
      .def("population_array", &PopulationArray, py::arg("name"))
      .def("_population_address", &PopulationAddress)
      .def("item_array", &ItemArray, py::arg("name"))
      .def("last_slates",
           [](py::object self) {
             const auto& r = *self.cast<PySimulation&>().recorder;
             const py::ssize_t n = static_cast<py::ssize_t>(r.slates().size() / std::max(1, r.slate_size()));
             return View(r.slates().data(), {n, r.slate_size()}, self, false);
           })
      .def("last_provenance",
           [](py::object self) {
             const auto& r = *self.cast<PySimulation&>().recorder;
             const py::ssize_t n = static_cast<py::ssize_t>(r.provenance().size() / std::max(1, r.slate_size()));
             return View(r.provenance().data(), {n, r.slate_size()}, self, false);
           })
      .def("_slates_address",
           [](const PySimulation& s) { return reinterpret_cast<uintptr_t>(s.recorder->slates().data()); })
      .def("moderation_log_size", [](const PySimulation& s) { return s.sim->moderation_log().size(); })
      .def("stage_times",
           [](const PySimulation& s) { return py::make_tuple(s.sim->times().retrieve_s, s.sim->times().total_s); });
}

}  // namespace counterpoint::python
