// Running a scenario from Python (GIL released, Ctrl-C at step boundaries, a
// progress callback) and its results as numpy columns for pandas: snapshots with
// the columns of metrics.csv, impressions.csv and moderation.csv.
#include <omp.h>
#include <stdlib.h>

#include <filesystem>

#include "cli/summary_table.h"
#include "core/error.h"
#include "core/stats.h"
#include "experiment/event_tables.h"
#include "experiment/existing_result.h"
#include "experiment/outputs.h"
#include "experiment/report.h"
#include "experiment/runner.h"
#include "experiment/summary.h"
#include "experiment/world_runner.h"
#include "experiment/world_tables.h"
#include "python/src/bindings.h"
#include "simulator/induced_graph.h"

namespace counterpoint::python {

namespace {
struct PyRunResult {
  ScenarioPtr scenario;
  RunResult result;
};
using ResultPtr = std::shared_ptr<PyRunResult>;

// the arms in scenario order, and each run's arm code
std::vector<std::string> Arms(const Scenario& sc) {
  std::vector<std::string> out;
  for (const ArmSpec& a : sc.arms) out.push_back(a.name);
  return out;
}
int32_t ArmCode(const std::vector<std::string>& arms, const std::string& arm) {
  return static_cast<int32_t>(std::find(arms.begin(), arms.end(), arm) - arms.begin());
}

// step, arm (codes into `arms`), replicate, seed, then one float64 column per metric
py::dict MetricsColumns(const PyRunResult& r) {
  const RunResult& res = r.result;
  const auto arms = Arms(*r.scenario);
  const size_t rows = res.runs.size() * res.steps, cols = res.columns.size();
  std::vector<int64_t> step(rows), replicate(rows);
  std::vector<int32_t> arm(rows);
  std::vector<uint64_t> seed(rows);
  std::vector<std::vector<double>> values(cols, std::vector<double>(rows));
  size_t i = 0;
  for (const ArmRun& run : res.runs) {
    const int32_t code = ArmCode(arms, run.arm);
    for (int64_t t = 0; t < res.steps; ++t, ++i) {
      step[i] = t, arm[i] = code, replicate[i] = run.replicate, seed[i] = run.seed;
      for (size_t c = 0; c < cols; ++c) values[c][i] = run.rows[t * cols + c];
    }
  }
  py::dict out;
  out["step"] = Owned(std::move(step));
  out["arm"] = Owned(std::move(arm));
  out["replicate"] = Owned(std::move(replicate));
  out["seed"] = Owned(std::move(seed));
  for (size_t c = 0; c < cols; ++c) out[py::str(res.columns[c])] = Owned(std::move(values[c]));
  return out;
}

py::dict ImpressionColumns(const PyRunResult& r) {
  const auto arms = Arms(*r.scenario);
  size_t rows = 0;
  for (const ArmRun& run : r.result.runs) rows += run.impressions.size();
  std::vector<int64_t> step(rows), replicate(rows), user(rows), item(rows), position(rows), organisation(rows);
  std::vector<int32_t> arm(rows);
  std::vector<int8_t> source(rows), clicked(rows), dismissed(rows);
  size_t i = 0;
  for (const ArmRun& run : r.result.runs) {
    const int32_t code = ArmCode(arms, run.arm);
    for (const ImpressionRecord& rec : run.impressions) {
      step[i] = rec.step, arm[i] = code, replicate[i] = run.replicate, user[i] = rec.user, item[i] = rec.item;
      position[i] = rec.position;
      source[i] = rec.provenance == static_cast<uint8_t>(Provenance::kInjected) ? 1 : 0;
      organisation[i] = rec.organisation;
      dismissed[i] = static_cast<int8_t>(rec.dismissed);
      clicked[i++] = static_cast<int8_t>(rec.clicked);
    }
  }
  py::dict out;
  out["step"] = Owned(std::move(step));
  out["arm"] = Owned(std::move(arm));
  out["replicate"] = Owned(std::move(replicate));
  out["user"] = Owned(std::move(user));
  out["item"] = Owned(std::move(item));
  out["position"] = Owned(std::move(position));
  out["source"] = Owned(std::move(source));              // codes: 0 organic, 1 injected
  out["organisation"] = Owned(std::move(organisation));  // -1 = none (empty in the CSV)
  out["clicked"] = Owned(std::move(clicked));
  out["dismissed"] = Owned(std::move(dismissed));
  return out;
}

py::dict ModerationColumns(const PyRunResult& r) {
  const auto arms = Arms(*r.scenario);
  size_t rows = 0;
  for (const ArmRun& run : r.result.runs) rows += run.moderation.size();
  std::vector<int64_t> step(rows), replicate(rows), item(rows), latency(rows);
  std::vector<int32_t> arm(rows);
  std::vector<int8_t> event(rows), channel(rows);
  size_t i = 0;
  for (const ArmRun& run : r.result.runs) {
    const int32_t code = ArmCode(arms, run.arm);
    for (const ModerationRecord& rec : run.moderation) {
      step[i] = rec.step, arm[i] = code, replicate[i] = run.replicate, item[i] = rec.item;
      event[i] = static_cast<int8_t>(rec.event), channel[i] = static_cast<int8_t>(rec.channel);
      latency[i++] = rec.latency_steps;
    }
  }
  py::dict out;
  out["step"] = Owned(std::move(step));
  out["arm"] = Owned(std::move(arm));
  out["replicate"] = Owned(std::move(replicate));
  out["item"] = Owned(std::move(item));
  out["event"] = Owned(std::move(event));
  out["channel"] = Owned(std::move(channel));
  out["latency_steps"] = Owned(std::move(latency));
  return out;
}

std::vector<std::string> EventNames() {
  std::vector<std::string> out;
  for (int e = 0; e <= static_cast<int>(kLastModerationEvent); ++e)
    out.push_back(EventName(static_cast<ModerationEvent>(e)));
  return out;
}
std::vector<std::string> ChannelNames() {
  std::vector<std::string> out;
  for (int c = 0; c <= static_cast<int>(kLastModerationChannel); ++c)
    out.push_back(ChannelName(static_cast<ModerationChannel>(c)));
  return out;
}
}  // namespace

/// Runs `sc` with the GIL released; at each step boundary takes the GIL, honours
/// Ctrl-C (PyErr_CheckSignals) and calls progress(done, total). An exception from
/// either aborts the run between steps and propagates (KeyboardInterrupt included).
RunResult RunReleasingGil(const Scenario& sc, const py::object& progress, int threads) {
  if (threads > 0) omp_set_num_threads(threads);
  ProgressFn fn = [&](int64_t done, int64_t total) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (!progress.is_none()) progress(done, total);
  };
  py::gil_scoped_release release;
  return RunScenario(sc, fn);
}

void bind_results(py::module_& m) {
  py::class_<PyRunResult, ResultPtr>(m, "RunResult", "What one run of a scenario produced")
      .def_property_readonly("scenario", [](const PyRunResult& r) { return r.scenario; })
      .def_property_readonly("columns", [](const PyRunResult& r) { return r.result.columns; })
      .def_property_readonly("steps", [](const PyRunResult& r) { return r.result.steps; })
      .def_property_readonly("wall_seconds", [](const PyRunResult& r) { return r.result.wall_seconds; })
      .def_property_readonly("build_seconds", [](const PyRunResult& r) { return r.result.build_seconds; })
      .def_property_readonly("arms", [](const PyRunResult& r) { return Arms(*r.scenario); })
      .def("metrics_columns", &MetricsColumns)
      .def("impression_columns", &ImpressionColumns)
      .def("moderation_columns", &ModerationColumns)
      .def("stage_times",
           [](const PyRunResult& r) {
             py::list out;
             for (const ArmRun& run : r.result.runs)
               out.append(py::make_tuple(run.arm, run.replicate, run.times.retrieve_s, run.times.total_s));
             return out;
           })
      .def("metrics_csv", [](const PyRunResult& r) { return MetricsCsv(r.result); })
      .def("impressions_csv", [](const PyRunResult& r) { return ImpressionsCsv(r.result); })
      .def("moderation_csv", [](const PyRunResult& r) { return ModerationCsv(r.result); })
      .def("uploads_csv", [](const PyRunResult& r) { return UploadsCsv(r.result); })
      .def("transparency_csv", [](const PyRunResult& r) { return TransparencyCsv(r.result); })
      .def("orders_csv", [](const PyRunResult& r) { return OrdersCsv(r.result); })
      .def("preservation_csv", [](const PyRunResult& r) { return PreservationCsv(r.result); })
      .def("access_log_csv", [](const PyRunResult& r) { return AccessLogCsv(r.result); })
      .def("items_csv", [](const PyRunResult& r) { return ItemsCsv(ReplicateCatalogs(*r.scenario, r.result)); })
      .def("users_csv",
           [](const PyRunResult& r) { return UsersCsv(*r.scenario, ReplicateCatalogs(*r.scenario, r.result)); })
      .def("metrics_summary_csv", [](const PyRunResult& r) { return MetricsSummaryCsv(*r.scenario, r.result); })
      .def("summary_json", [](const PyRunResult& r) { return Summarize(*r.scenario, r.result).dump(); })
      .def("summary_table",
           [](const PyRunResult& r) { return SummaryTable(*r.scenario, Summarize(*r.scenario, r.result)); })
      .def("coverage_gaps_csv",
           [](const PyRunResult& r) {
             std::vector<std::pair<std::string, int>> runs;
             std::vector<const std::vector<CoverageRegion>*> maps;
             for (const ArmRun& run : r.result.runs)
               if (!run.coverage.empty()) runs.push_back({run.arm, run.replicate}), maps.push_back(&run.coverage);
             return runs.empty() ? std::string() : CoverageGapsCsv(runs, maps);
           })
      .def("induced_graph_csv",
           [](const PyRunResult& r, const std::string& arm) {
             std::vector<std::pair<int, const InducedGraphTable*>> graphs;
             for (const ArmRun& run : r.result.runs)
               if (run.arm == arm) graphs.push_back({run.replicate, &run.graph});
             return py::make_tuple(InducedNodesCsv(graphs), InducedEdgesCsv(graphs));
           })
      .def(
          "write",
          [](const PyRunResult& r, const std::string& dir, int threads, bool overwrite) {
            // an earlier result is never replaced unasked (experiment/existing_result.h)
            if (!overwrite) RefuseToOverwrite(dir, "Result.write", "overwrite=True");
            WriteOutputs(dir, *r.scenario, r.result, threads > 0 ? threads : omp_get_max_threads());
          },
          py::arg("dir"), py::arg("threads") = 0, py::arg("overwrite") = false)
      .def(
          "report",
          [](const PyRunResult& r, const std::string& path, int threads) {
            // the report reads a run directory: the run's files go to a private temporary one
            // (removed after), so the page is the one `counterpoint report` writes for them
            std::string tmpl = (std::filesystem::temp_directory_path() / "counterpoint_report_XXXXXX").string();
            if (!mkdtemp(tmpl.data())) throw InputError(tmpl, "cannot create a temporary directory for the report");
            struct Remove {
              std::string dir;
              ~Remove() {
                std::error_code ec;
                std::filesystem::remove_all(dir, ec);
              }
            } remove{tmpl};
            WriteOutputs(tmpl, *r.scenario, r.result, threads > 0 ? threads : omp_get_max_threads());
            WriteReport(tmpl, path, r.result.partial);
          },
          py::arg("path"), py::arg("threads") = 0);

  m.attr("EVENT_NAMES") = EventNames();
  m.attr("CHANNEL_NAMES") = ChannelNames();
  m.attr("LABEL_NAMES") = LabelNames();
  m.def(
      "run",
      [](ScenarioPtr sc, const py::object& progress, int threads) {
        auto out = std::make_shared<PyRunResult>();
        out->scenario = sc;
        out->result = RunReleasingGil(*sc, progress, threads);
        return out;
      },
      py::arg("scenario"), py::arg("progress") = py::none(), py::arg("threads") = 0,
      "Runs every arm for every replicate (GIL released; Ctrl-C stops it between steps).");
  m.def(
      "mean_ci",
      [](const std::vector<double>& values, const std::string& kind, double level) {
        const MetricKind k = ParseMetricKind(kind);  // std::invalid_argument: ValueError
        const Estimate e = k == MetricKind::kShare ? ShareMeanCi(values, level) : MeanCi(values, level);
        return py::make_tuple(e.mean, e.ci_low, e.ci_high, e.n);
      },
      py::arg("values"), py::arg("kind") = "level", py::arg("level") = 0.95,
      "Mean over replicates with the summaries' interval (docs/metrics.md, Statistics): (mean, low, high, n).");
  m.def("max_threads", [] { return omp_get_max_threads(); });
  m.def("set_threads", [](int n) { omp_set_num_threads(n); });
}

}  // namespace counterpoint::python
