// What a run will cost before it starts (counterpoint.predict_cost; the CLI's --dry-run):
// the calibration reloads the scenario the way the Python Scenario was made (a file or
// YAML text) with the calibration's overrides appended.
#include "experiment/cost_prediction.h"
#include "experiment/world_cost.h"
#include "experiment/world_runner.h"
#include "python/src/bindings.h"

namespace counterpoint::python {

void bind_cost(py::module_& m) {
  m.def(
      "predict_cost",
      [](const ScenarioPtr& sc, const std::string& kind, const std::string& source, const std::string& base_dir,
         const std::vector<std::string>& overrides, const std::vector<std::string>& arms) {
        const ScenarioLoader load = AppendingOverrides(overrides, [&](const std::vector<std::string>& all) {
          return kind == "file" ? LoadScenario(source, all) : ParseScenario(source, "<dict>", all, base_dir);
        });
        if (HasWorld(*sc)) {
          WorldCostPrediction w;
          {
            py::gil_scoped_release release;  // the calibration runs the world for seconds
            w = PredictWorldCost(*sc, load, arms);
          }
          py::list per_arm;
          for (const WorldArmCost& a : w.arms)
            per_arm.append(py::dict(py::arg("arm") = a.arm, py::arg("calibration_seconds") = a.calibration_seconds,
                                    py::arg("calibration_uploads") = a.calibration_uploads,
                                    py::arg("uploads") = a.uploads, py::arg("seconds") = a.seconds,
                                    py::arg("exponent") = a.exponent, py::arg("fixed_seconds") = a.fixed_seconds));
          py::dict memory;
          memory["upload logs"] = w.log_bytes;
          memory["running world"] = w.world_bytes;
          memory["background hashes"] = w.background_bytes;
          memory["audiences"] = w.audience_bytes;
          memory["output text"] = w.output_bytes;
          return py::dict(py::arg("seconds_per_step") = w.seconds_per_step, py::arg("run_seconds") = w.run_seconds,
                          py::arg("peak_bytes") = w.peak_bytes, py::arg("program_bytes") = w.program_bytes,
                          py::arg("memory") = memory, py::arg("arms") = per_arm,
                          py::arg("calibration") = py::dict(py::arg("scale") = w.scale));
        }
        CostPrediction p;
        {
          py::gil_scoped_release release;  // the calibration runs the engine for seconds
          p = PredictCost(*sc, load, arms);
        }
        py::dict memory;
        for (const auto& [name, bytes] : p.memory.parts) memory[py::str(name)] = bytes;
        py::list per_arm;
        for (const ArmCost& a : p.arms)
          per_arm.append(
              py::dict(py::arg("arm") = a.arm, py::arg("calibration_seconds_per_step") = a.calibration_seconds_per_step,
                       py::arg("search_share") = a.search_share, py::arg("seconds_per_step") = a.seconds_per_step));
        return py::dict(py::arg("seconds_per_step") = p.seconds_per_step, py::arg("run_seconds") = p.run_seconds,
                        py::arg("peak_bytes") = p.peak_bytes, py::arg("program_bytes") = p.program_bytes,
                        py::arg("memory") = memory, py::arg("arms") = per_arm,
                        py::arg("calibration") =
                            py::dict(py::arg("users") = p.calibration_users, py::arg("items") = p.calibration_items,
                                     py::arg("steps") = p.calibration_steps, py::arg("index") = p.calibration_factory),
                        py::arg("user_ratio") = p.user_ratio, py::arg("search_work_ratio") = p.search_work_ratio);
      },
      py::arg("scenario"), py::arg("kind"), py::arg("source"), py::arg("base_dir"), py::arg("overrides"),
      py::arg("arms"));
}

}  // namespace counterpoint::python
