// Python-defined rankers and interventions in the engine's registries. Each is an
// adapter (not a trampoline): a C++ plug-in holding the Python object, calling one
// Python method per batch hook with numpy views of the whole batch. The views are
// valid only during the call (the Batch object refuses access afterwards).
#include "recommender/plugins.h"

#include <set>

#include "core/plugin_sources.h"
#include "python/src/bindings.h"
#include "simulator/observers/observer.h"
#include "simulator/observers/puppet_slates.h"
#include "simulator/sock_puppets.h"
#include "world/world.h"

namespace counterpoint::python {

namespace {

// What a hook may read (and, per hook, write) of one batch, for the duration of one call.
struct PyBatch {
  SlateBatch* batch = nullptr;
  bool write_candidates = false, write_scores = false, write_slate = false;
  SlateBatch& Get() const {
    if (!batch) throw py::value_error("this batch is gone: batch arrays are valid only during the hook call");
    return *batch;
  }
};

struct PyChoices {
  const ChoiceBuffer* choices = nullptr;
  int64_t n = 0;
  bool write_dismissed = false;  ///< on_response: the users' dismissals may be marked
  const ChoiceBuffer& Get() const {
    if (!choices) throw py::value_error("these choices are gone: valid only during the hook call");
    return *choices;
  }
};

// The step's context: step, seed and the item states (read-only).
struct PyStepContext {
  const RecContext* ctx = nullptr;
  const Catalog* truth = nullptr;  ///< write_metrics only: the ground truth, for measurement
  const RecContext& Get() const {
    if (!ctx) throw py::value_error("this context is gone: valid only during the hook call");
    return *ctx;
  }
};

struct PyActions {
  ItemActions* actions = nullptr;
  ItemActions& Get() const {
    if (!actions) throw py::value_error("these actions are gone: valid only during the hook call");
    return *actions;
  }
};

// Wraps `value` in a Python object for one call; invalidates it afterwards.
template <class Wrapper>
class Scoped {
 public:
  explicit Scoped(Wrapper w) : obj_(py::cast(std::move(w))) {}
  ~Scoped() { *obj_.template cast<Wrapper*>() = Wrapper{}; }
  const py::object& get() const { return obj_; }

 private:
  py::object obj_;
};

ModerationChannel ParseChannel(const std::string& name) {
  for (int c = 0; c <= static_cast<int>(ModerationChannel::kAppeal); ++c)
    if (name == ChannelName(static_cast<ModerationChannel>(c))) return static_cast<ModerationChannel>(c);
  throw py::value_error("unknown moderation channel '" + name + "'");
}

// a Params set as a dict of Python values
py::dict ParamsDict(const Params& p) {
  py::dict out;
  for (const auto& [k, v] : p.values()) std::visit([&](const auto& x) { out[py::str(k)] = py::cast(x); }, v);
  return out;
}

// the Python object's hooks, looked up once (an absent hook costs no GIL round trip)
bool Has(const py::object& obj, const char* name) {
  return py::hasattr(obj, name) && !py::getattr(obj, name).is_none();
}

// Releases the Python object under the GIL, whichever thread destroys the plug-in.
struct PyHolder {
  py::object obj;
  explicit PyHolder(py::object o) : obj(std::move(o)) {}
  ~PyHolder() {
    if (!Py_IsInitialized()) {
      obj.release();  // the interpreter is gone: leak rather than crash
      return;
    }
    py::gil_scoped_acquire gil;
    obj = py::object();
  }
};

class PythonRanker : public Ranker {
 public:
  explicit PythonRanker(py::object obj)
      : holder_(std::move(obj)),
        has_begin_(Has(holder_.obj, "begin_step")),
        has_observe_(Has(holder_.obj, "observe_slates")) {}

  void BeginStep(const RecContext& ctx) override {
    if (!has_begin_) return;
    py::gil_scoped_acquire gil;
    Scoped<PyStepContext> c({&ctx});
    holder_.obj.attr("begin_step")(c.get());
  }
  void Score(const RecContext& ctx, SlateBatch& batch) override {
    py::gil_scoped_acquire gil;
    Scoped<PyStepContext> c({&ctx});
    Scoped<PyBatch> b({&batch, false, true, false});
    holder_.obj.attr("score")(c.get(), b.get());
  }
  void ObserveSlates(const RecContext& ctx, const SlateBatch& batch) override {
    if (!has_observe_) return;
    py::gil_scoped_acquire gil;
    Scoped<PyStepContext> c({&ctx});
    Scoped<PyBatch> b({const_cast<SlateBatch*>(&batch), false, false, false});
    holder_.obj.attr("observe_slates")(c.get(), b.get());
  }

 private:
  PyHolder holder_;
  bool has_begin_, has_observe_;
};

class PythonIntervention : public Intervention {
 public:
  explicit PythonIntervention(py::object obj) : holder_(std::move(obj)) {
    const py::object& o = holder_.obj;
    has_init_ = Has(o, "init"), has_begin_ = Has(o, "begin_step"), has_candidates_ = Has(o, "on_candidates");
    has_scores_ = Has(o, "on_scores"), has_slate_ = Has(o, "on_slate"), has_feedback_ = Has(o, "on_feedback");
    has_response_ = Has(o, "on_response");
    has_uploads_ = Has(o, "on_uploads"), has_end_ = Has(o, "end_step"), has_metrics_ = Has(o, "write_metrics");
    ReadColumns();
  }

  void Init(const InterventionContext& ctx) override {
    py::gil_scoped_acquire gil;
    if (has_init_) {
      py::dict c;
      c["n_users"] = ctx.n_users, c["candidates"] = ctx.candidates, c["slate_size"] = ctx.slate_size;
      c["arm"] = ctx.arm, c["seed"] = ctx.seed, c["instance"] = ctx.instance, c["n_items"] = ctx.catalog.size();
      // the catalog outlives the run's plug-ins (it belongs to the replicate's world)
      c["catalog_arrays"] = CatalogArrays(ctx.catalog);
      holder_.obj.attr("init")(c);
    }
    ReadColumns();
  }
  std::vector<std::string> Columns() const override { return columns_; }
  std::vector<std::string> ColumnsZeroWhenAbsent() const override { return zero_when_absent_; }
  void BeginStep(const RecContext& ctx) override {
    if (!has_begin_) return;
    py::gil_scoped_acquire gil;
    Scoped<PyStepContext> c({&ctx});
    holder_.obj.attr("begin_step")(c.get());
  }
  void OnUploads(const RecContext& ctx, std::span<const int64_t> arriving, ItemActions& actions) override {
    if (!has_uploads_) return;
    py::gil_scoped_acquire gil;
    Scoped<PyStepContext> c({&ctx});
    Scoped<PyActions> a({&actions});
    py::array ids = Owned(std::vector<int64_t>(arriving.begin(), arriving.end()));
    holder_.obj.attr("on_uploads")(c.get(), ids, a.get());
  }
  void OnCandidates(const RecContext& ctx, SlateBatch& batch) override {
    if (has_candidates_) CallBatch("on_candidates", ctx, {&batch, true, false, false});
  }
  void OnScores(const RecContext& ctx, SlateBatch& batch) override {
    if (has_scores_) CallBatch("on_scores", ctx, {&batch, false, true, false});
  }
  void OnSlate(const RecContext& ctx, SlateBatch& batch) override {
    if (has_slate_) CallBatch("on_slate", ctx, {&batch, false, false, true});
  }
  void OnResponse(const RecContext& ctx, const SlateBatch& batch, ChoiceBuffer& choices) override {
    if (!has_response_) return;
    py::gil_scoped_acquire gil;
    Scoped<PyStepContext> c({&ctx});
    Scoped<PyBatch> b({const_cast<SlateBatch*>(&batch), false, false, false});
    Scoped<PyChoices> ch({&choices, batch.n, true});
    holder_.obj.attr("on_response")(c.get(), b.get(), ch.get());
  }
  void OnFeedback(const RecContext& ctx, const SlateBatch& batch, const ChoiceBuffer& choices) override {
    if (!has_feedback_) return;
    py::gil_scoped_acquire gil;
    Scoped<PyStepContext> c({&ctx});
    Scoped<PyBatch> b({const_cast<SlateBatch*>(&batch), false, false, false});
    Scoped<PyChoices> ch({&choices, batch.n});
    holder_.obj.attr("on_feedback")(c.get(), b.get(), ch.get());
  }
  void EndStep(const RecContext& ctx, ItemActions& actions) override {
    if (!has_end_) return;
    py::gil_scoped_acquire gil;
    Scoped<PyStepContext> c({&ctx});
    Scoped<PyActions> a({&actions});
    holder_.obj.attr("end_step")(c.get(), a.get());
  }
  void WriteMetrics(const RecContext& ctx, const Catalog& truth, double* row) override {
    if (columns_.empty()) return;
    py::gil_scoped_acquire gil;
    if (!has_metrics_) throw py::value_error("a Python intervention with columns must define write_metrics");
    Scoped<PyStepContext> c({&ctx, &truth});
    auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(
        holder_.obj.attr("write_metrics")(c.get()));
    if (!values || values.ndim() != 1 || static_cast<size_t>(values.shape(0)) != columns_.size())
      throw py::value_error("write_metrics must return " + std::to_string(columns_.size()) +
                            " numbers (one per column)");
    std::copy_n(values.data(), columns_.size(), row);
  }

 private:
  void CallBatch(const char* hook, const RecContext& ctx, PyBatch pb) {
    py::gil_scoped_acquire gil;
    Scoped<PyStepContext> c({&ctx});
    Scoped<PyBatch> b(pb);
    holder_.obj.attr(hook)(c.get(), b.get());
  }
  void ReadColumns() {
    py::gil_scoped_acquire gil;
    columns_.clear();
    if (py::hasattr(holder_.obj, "columns"))
      for (auto c : holder_.obj.attr("columns")) columns_.push_back(py::str(c));
    zero_when_absent_.clear();
    if (py::hasattr(holder_.obj, "columns_zero_when_absent"))
      for (auto c : holder_.obj.attr("columns_zero_when_absent")) zero_when_absent_.push_back(py::str(c));
  }
  static py::dict CatalogArrays(const PlatformView& cat) {
    // read-only views of what the platform sees (no label or extremity: those are for
    // measurement, ctx.truth in write_metrics); the catalog lives as long as the run's world
    const py::ssize_t n = cat.size();
    py::none base;
    py::dict out;
    out["embeddings"] = View(cat.embeddings(), {n, cat.dim()}, base, false);
    out["harm_score"] = View(cat.harm_scores(), {n}, base, false);
    out["creator"] = View(cat.creators(), {n}, base, false);
    out["topic"] = View(cat.topics(), {n}, base, false);
    out["upload_step"] = View(cat.upload_steps(), {n}, base, false);
    out["partner_counter_narrative"] =
        View(reinterpret_cast<const bool*>(cat.partner_counter_narratives()), {n}, base, false);
    return out;
  }

  PyHolder holder_;
  std::vector<std::string> columns_, zero_when_absent_;
  bool has_init_ = false, has_begin_ = false, has_candidates_ = false, has_scores_ = false, has_slate_ = false;
  bool has_feedback_ = false, has_response_ = false, has_uploads_ = false, has_end_ = false, has_metrics_ = false;
};

// the Python-registered names, by registry, so that they can be replaced and cleared
std::set<std::string>& PythonRankers() {
  static std::set<std::string> names;
  return names;
}
std::set<std::string>& PythonInterventions() {
  static std::set<std::string> names;
  return names;
}

// spec entries: (name, default, doc) with the type taken from the default; metrics: (column,
// kind, unit, definition)
ComponentSpec MakeSpec(const std::string& doc, const py::list& params, const py::list& metrics) {
  ComponentSpec spec{doc, {}, {}};
  for (auto item : metrics) {
    auto t = item.cast<py::tuple>();
    const std::string column = t[0].cast<std::string>(), kind = t[1].cast<std::string>();
    try {
      spec.metrics.push_back({column, ParseMetricKind(kind), t[2].cast<std::string>(), t[3].cast<std::string>()});
    } catch (const std::invalid_argument& e) {
      throw py::value_error("column_kinds['" + column + "']: " + e.what());
    }
  }
  for (auto item : params) {
    auto t = item.cast<py::tuple>();
    const std::string name = t[0].cast<std::string>(), pdoc = t[2].cast<std::string>();
    py::handle def = t[1];
    if (py::isinstance<py::bool_>(def))
      spec.params.push_back(BoolParam(name, def.cast<bool>(), pdoc));
    else if (py::isinstance<py::int_>(def))
      spec.params.push_back(IntParam(name, def.cast<int64_t>(), pdoc));
    else if (py::isinstance<py::float_>(def))
      spec.params.push_back(DoubleParam(name, def.cast<double>(), pdoc));
    else if (py::isinstance<py::str>(def))
      spec.params.push_back(StringParam(name, def.cast<std::string>(), pdoc));
    else
      throw py::type_error("parameter '" + name + "': the default must be a bool, int, float or str");
  }
  return spec;
}

// what Python passes to register a plug-in (python/counterpoint/plugins.py, _register)
struct PyRegistration {
  const char* kind;  ///< "ranker" or "intervention": the manifest's plug-in kind
  std::string name, doc;
  py::list params, metrics;  ///< (name, default, doc); (column, kind, unit, definition)
  py::dict source;           ///< module, qualname, file, source_sha256, source_of
  py::object cls;
};

template <class Registry, class Adapter>
void Register(Registry& registry, std::set<std::string>& ours, PyRegistration r) {
  if (registry.Find(r.name) && !ours.count(r.name))
    throw py::value_error("'" + r.name + "' is a built-in plug-in; choose another name");
  ComponentSpec spec = MakeSpec(r.doc, r.params, r.metrics);
  auto field = [&](const char* key) {
    return r.source.contains(key) ? py::str(r.source[key]).cast<std::string>() : "";
  };
  PluginSource source{"python",      field("module"),        field("qualname"),
                      field("file"), field("source_sha256"), field("source_of")};
  registry.Remove(r.name);
  ours.insert(r.name);
  SetPluginSource(r.kind, r.name, std::move(source));
  // the factory holds the class; it runs on the thread that builds the simulation
  auto holder = std::make_shared<PyHolder>(std::move(r.cls));
  registry.Add(r.name, std::move(spec), [holder](const Params& p) {
    py::gil_scoped_acquire gil;
    py::object obj = holder->obj(**ParamsDict(p));
    return std::make_unique<Adapter>(std::move(obj));
  });
}

template <class Registry>
void ClearRegistry(Registry& registry, std::set<std::string>& ours, const char* kind) {
  for (const auto& name : ours) registry.Remove(name);
  ours.clear();
  ClearPluginSources(kind);
}

template <class Registry>
py::list Specs(const Registry& registry) {
  py::list out;
  for (const auto& name : registry.Names()) {
    const auto* e = registry.Find(name);
    py::list params;
    for (const ParamSpec& p : e->spec.params)
      params.append(py::make_tuple(p.name, ParamTypeName(p.type), ParamValueToString(p.default_value), p.doc));
    py::list metrics;
    for (const MetricSpec& m : e->spec.metrics)
      metrics.append(py::make_tuple(m.name, MetricKindName(m.kind), m.unit, m.definition));
    out.append(py::make_tuple(name, e->spec.doc, params, metrics));
  }
  return out;
}

}  // namespace

void bind_plugins(py::module_& m) {
  py::class_<PyStepContext>(m, "StepContext", "The step a hook runs in (valid only during the call)")
      .def_property_readonly("step", [](const PyStepContext& c) { return c.Get().step; })
      .def_property_readonly("seed", [](const PyStepContext& c) { return c.Get().seed; })
      .def_property_readonly("item_status",
                             [](py::object self) {
                               const auto& it = self.cast<PyStepContext&>().Get().items;
                               return View(reinterpret_cast<const uint8_t*>(it.status.data()),
                                           {static_cast<py::ssize_t>(it.status.size())}, self, false);
                             })
      .def_property_readonly("item_clicks",
                             [](py::object self) {
                               const auto& it = self.cast<PyStepContext&>().Get().items;
                               return View(it.clicks.data(), {static_cast<py::ssize_t>(it.clicks.size())}, self, false);
                             })
      .def_property_readonly(
          "truth",
          [](py::object self) {
            const PyStepContext& c = self.cast<PyStepContext&>();
            c.Get();
            if (!c.truth)
              throw py::attribute_error(
                  "ctx.truth (labels, extremity) is for measurement: it is given in write_metrics only, since an "
                  "intervention acts on what the platform sees (docs/interventions.md, \"What the platform sees\")");
            const CatalogData& d = c.truth->data();
            const py::ssize_t n = c.truth->size();
            py::dict out;
            out["labels"] = View(reinterpret_cast<const uint8_t*>(d.labels.data()), {n}, self, false);
            out["extremity"] = View(d.extremity.data(), {n}, self, false);
            return out;
          },
          "Ground truth for measurement, in write_metrics only: read-only labels (codes in the order of "
          "counterpoint._core.label_names()) and extremity");

  auto batch = py::class_<PyBatch>(m, "Batch", "One batch of users' buffers (valid only during the hook call)");
  batch.def_property_readonly("n", [](const PyBatch& b) { return b.Get().n; })
      .def_property_readonly("k", [](const PyBatch& b) { return b.Get().k; })
      .def_property_readonly("slate_size", [](const PyBatch& b) { return b.Get().slate_size; })
      .def_property_readonly("dim", [](const PyBatch& b) { return b.Get().dim; });
  batch.def_property_readonly("users", [](py::object self) {
    const SlateBatch& b = self.cast<PyBatch&>().Get();
    return View(b.users, {b.n}, self, false);
  });
  batch.def_property_readonly("queries", [](py::object self) {
    const SlateBatch& b = self.cast<PyBatch&>().Get();
    return View(b.queries.data(), {b.n, b.dim}, self, false);
  });
  batch.def_property_readonly("cand_ids", [](py::object self) {
    const PyBatch& pb = self.cast<PyBatch&>();
    return View(pb.Get().cand_ids.data(), {pb.Get().n, pb.Get().k}, self, pb.write_candidates);
  });
  batch.def_property_readonly("cand_sim", [](py::object self) {
    const SlateBatch& b = self.cast<PyBatch&>().Get();
    return View(b.cand_sim.data(), {b.n, b.k}, self, false);
  });
  batch.def_property_readonly("cand_score", [](py::object self) {
    const PyBatch& pb = self.cast<PyBatch&>();
    return View(pb.Get().cand_score.data(), {pb.Get().n, pb.Get().k}, self, pb.write_scores);
  });
  batch.def_property_readonly("slate", [](py::object self) {
    const PyBatch& pb = self.cast<PyBatch&>();
    return View(pb.Get().slate.data(), {pb.Get().n, pb.Get().slate_size}, self, pb.write_slate);
  });
  batch.def_property_readonly("slate_score", [](py::object self) {
    const PyBatch& pb = self.cast<PyBatch&>();
    return View(pb.Get().slate_score.data(), {pb.Get().n, pb.Get().slate_size}, self, pb.write_slate);
  });
  batch.def_property_readonly("provenance", [](py::object self) {
    const PyBatch& pb = self.cast<PyBatch&>();
    return View(pb.Get().provenance.data(), {pb.Get().n, pb.Get().slate_size}, self, pb.write_slate);
  });

  py::class_<PyChoices>(m, "Choices", "What a batch's users did (valid only during the hook call)")
      .def_property_readonly("clicks",
                             [](py::object self) {
                               const PyChoices& c = self.cast<PyChoices&>();
                               return View(c.Get().clicks.data(), {c.n, c.Get().max_clicks}, self, false);
                             })
      .def_property_readonly("n_clicks",
                             [](py::object self) {
                               const PyChoices& c = self.cast<PyChoices&>();
                               return View(c.Get().n_clicks.data(), {c.n}, self, false);
                             })
      .def_property_readonly("dismissed", [](py::object self) {
        // writeable in on_response only (users act on a control the intervention offers)
        const PyChoices& c = self.cast<PyChoices&>();
        return View(c.Get().dismissed.data(), {c.n, c.Get().slate_size}, self, c.write_dismissed);
      });

  py::class_<PyActions>(m, "ItemActions", "Moderation actions (valid only during the hook call)")
      .def_property_readonly("step", [](const PyActions& a) { return a.Get().step(); })
      .def("block", [](PyActions& a, int64_t item, const std::string& ch) { a.Get().Block(item, ParseChannel(ch)); })
      .def("flag", [](PyActions& a, int64_t item, const std::string& ch,
                      int64_t latency) { a.Get().Flag(item, ParseChannel(ch), latency); })
      .def("remove", [](PyActions& a, int64_t item, const std::string& ch,
                        int64_t latency) { a.Get().Remove(item, ParseChannel(ch), latency); })
      .def("restore", [](PyActions& a, int64_t item, const std::string& ch, int64_t latency) {
        a.Get().Restore(item, ParseChannel(ch), latency);
      });

  m.def(
      "register_ranker",
      [](const std::string& name, const std::string& doc, const py::list& params, py::object cls,
         const py::dict& source) {
        Register<RankerRegistry, PythonRanker>(RankerRegistry::Get(), PythonRankers(),
                                               {"ranker", name, doc, params, py::list(), source, std::move(cls)});
      },
      py::arg("name"), py::arg("doc"), py::arg("params"), py::arg("cls"), py::arg("source") = py::dict());
  m.def(
      "register_intervention",
      [](const std::string& name, const std::string& doc, const py::list& params, py::object cls,
         const py::list& metrics, const py::dict& source) {
        Register<InterventionRegistry, PythonIntervention>(
            InterventionRegistry::Get(), PythonInterventions(),
            {"intervention", name, doc, params, metrics, source, std::move(cls)});
      },
      py::arg("name"), py::arg("doc"), py::arg("params"), py::arg("cls"), py::arg("metrics") = py::list(),
      py::arg("source") = py::dict());
  m.def("clear_python_plugins", [] {
    ClearRegistry(RankerRegistry::Get(), PythonRankers(), "ranker");
    ClearRegistry(InterventionRegistry::Get(), PythonInterventions(), "intervention");
  });
  m.def("rankers", [] { return Specs(RankerRegistry::Get()); });
  m.def("interventions", [] { return Specs(InterventionRegistry::Get()); });
  m.def("retrievers", [] { return Specs(RetrieverRegistry::Get()); });
  m.def("observers", [] { return Specs(ObserverRegistry::Get()); });
  m.def("default_observers", [] { return DefaultObservers(); });
  // the scenario's sock_puppets block (docs/sock_puppets.md): its two specs and its columns
  m.def("sock_puppet_specs", [] {
    py::list out;
    py::list metrics;
    for (const MetricSpec& s : PuppetSlateMetrics())
      metrics.append(py::make_tuple(s.name, MetricKindName(s.kind), s.unit, s.definition));
    const std::pair<const char*, ComponentSpec> blocks[] = {{"sock_puppets[i]", PuppetGroupSpec()},
                                                            {"sock_puppets[i].script[j]", ScriptSegmentSpec()}};
    for (const auto& [block, spec] : blocks) {
      py::list params;
      for (const ParamSpec& p : spec.params)
        params.append(py::make_tuple(p.name, ParamTypeName(p.type), ParamValueToString(p.default_value), p.doc));
      out.append(
          py::make_tuple(block, spec.doc, params, std::string(block) == "sock_puppets[i]" ? metrics : py::list()));
    }
    return out;
  });
  m.def("world_metrics", [] {
    py::list metrics;
    for (const MetricSpec& s : WorldMetrics())
      metrics.append(py::make_tuple(s.name, MetricKindName(s.kind), s.unit, s.definition));
    return metrics;
  });
}

}  // namespace counterpoint::python
