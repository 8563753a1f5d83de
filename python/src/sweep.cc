// Parameter sweeps from Python: the plan (grid, seeds, hashes) and its points run in
// this process one at a time with the GIL released, as `counterpoint sweep --jobs 1`
// runs them; the Python layer loops over the points (Ctrl-C between two points).
#include "experiment/sweep.h"

#include "core/io.h"
#include "python/src/bindings.h"

namespace counterpoint::python {

namespace {
using PlanPtr = std::shared_ptr<SweepPlan>;

const SweepPoint& Point(const SweepPlan& plan, int64_t index) {
  if (index < 0 || index >= static_cast<int64_t>(plan.points.size())) throw py::index_error("no such sweep point");
  return plan.points[index];
}
}  // namespace

void bind_sweep(py::module_& m) {
  py::class_<SweepPoint>(m, "SweepPoint", "One grid point of a sweep")
      .def_readonly("index", &SweepPoint::index)
      .def_readonly("values", &SweepPoint::values)
      .def_readonly("seed", &SweepPoint::seed)
      .def_readonly("scenario_sha256", &SweepPoint::scenario_sha256);
  py::class_<SweepPlan, PlanPtr>(m, "SweepPlan", "A validated sweep: grid, seeds, points (experiment/sweep.h)")
      .def_readonly("scenario_path", &SweepPlan::scenario_path)
      .def_readonly("sets", &SweepPlan::sets)
      .def_readonly("arms", &SweepPlan::arms)
      .def_readonly("master_seed", &SweepPlan::master_seed)
      .def_readonly("common_seeds", &SweepPlan::common_seeds)
      .def_readonly("points", &SweepPlan::points)
      .def_property_readonly("axes", [](const SweepPlan& p) {
        py::list out;
        for (const GridAxis& a : p.axes) out.append(py::make_tuple(a.key, a.values));
        return out;
      });
  m.def(
      "plan_sweep",
      [](const std::string& scenario_path, const std::vector<std::string>& sets, const std::vector<std::string>& arms,
         const std::vector<std::string>& grid, bool common_seeds) {
        std::vector<GridAxis> axes;
        for (const std::string& g : grid) axes.push_back(ParseGridAxis(g));
        return std::make_shared<SweepPlan>(PlanSweep(scenario_path, sets, arms, axes, common_seeds));
      },
      py::arg("scenario_path"), py::arg("sets"), py::arg("arms"), py::arg("grid"), py::arg("common_seeds"),
      "Expands and validates the grid (each axis 'key.path=v1,v2,...', the CLI's --grid).");
  m.def(
      "sweep_point_finished",
      [](const SweepPlan& plan, int64_t index, const std::string& dir) {
        return PointFinished(dir, Point(plan, index));
      },
      py::arg("plan"), py::arg("index"), py::arg("dir"));
  m.def(
      "sweep_point_dir",
      [](const SweepPlan& plan, int64_t index, const std::string& dir) { return PointDir(dir, Point(plan, index)); },
      py::arg("plan"), py::arg("index"), py::arg("dir"));
  m.def(
      "run_sweep_point",
      [](const SweepPlan& plan, int64_t index, const std::string& dir) {
        const SweepPoint& p = Point(plan, index);
        py::gil_scoped_release release;
        RunSweepPoint(plan, p, dir);
      },
      py::arg("plan"), py::arg("index"), py::arg("dir"), "Runs one point in this process (GIL released).");
  m.def(
      "write_sweep_results",
      [](const SweepPlan& plan, const std::string& dir) {
        std::string csv;
        {
          py::gil_scoped_release release;
          csv = SweepResultsCsv(plan, dir);
          WriteFileAtomic(dir + "/sweep_results.csv", csv);
          WriteFileAtomic(dir + "/sweep.json", SweepManifest(plan));
        }
        return csv;
      },
      py::arg("plan"), py::arg("dir"), "Writes sweep_results.csv and sweep.json (last); returns the CSV text.");
}

}  // namespace counterpoint::python
