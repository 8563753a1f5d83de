#include "experiment/sweep.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/io.h"
#include "core/rng.h"
#include "experiment/outputs.h"
#include "experiment/runner.h"

namespace counterpoint {

namespace fs = std::filesystem;

GridAxis ParseGridAxis(const std::string& arg) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    throw InputError("--grid",
                     "'" + arg + "' is not of the form key.path=v1,v2,... (e.g. population.n_users=500,1000)");
  GridAxis axis{arg.substr(0, eq), {}};
  std::set<std::string> seen;
  size_t start = eq + 1;
  while (true) {
    const size_t comma = arg.find(',', start);
    const std::string v = arg.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (v.empty()) throw InputError("--grid", "'" + arg + "': an empty value (two commas, or a trailing comma)");
    if (!seen.insert(v).second) throw InputError("--grid", "'" + arg + "': the value '" + v + "' is given twice");
    axis.values.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return axis;
}

uint64_t SweepPointSeed(uint64_t master_seed, int64_t point, bool common_seeds) {
  // 2^32 + p keeps point seeds apart from the replicate seeds DeriveSeed(master, r); the
  // top 62 bits, so that the seed is a valid scenario seed (below 2^62)
  if (common_seeds) return master_seed;
  return DeriveSeed(master_seed, (uint64_t{1} << 32) + static_cast<uint64_t>(point)) >> 2;
}

std::vector<std::string> PointOverrides(const SweepPlan& plan, const SweepPoint& point) {
  std::vector<std::string> out = plan.sets;
  for (size_t a = 0; a < plan.axes.size(); ++a) out.push_back(plan.axes[a].key + "=" + point.values[a]);
  out.push_back("seed=" + std::to_string(point.seed));
  return out;
}

namespace {

// the point's scenario, validated; errors name the grid values that produced them
Scenario PointScenario(const SweepPlan& plan, const SweepPoint& point) {
  try {
    Scenario sc = LoadScenario(plan.scenario_path, PointOverrides(plan, point));
    SelectArms(sc, plan.arms);
    return sc;
  } catch (const InputError& e) {
    std::string where;
    for (size_t a = 0; a < plan.axes.size(); ++a) where += (a ? ", " : "") + plan.axes[a].key + "=" + point.values[a];
    std::vector<Diagnostic> ds = e.diagnostics();
    for (Diagnostic& d : ds) d.message = "grid point " + std::to_string(point.index) + " (" + where + "): " + d.message;
    throw InputError(ds);
  }
}

}  // namespace

SweepPlan PlanSweep(const std::string& scenario_path, const std::vector<std::string>& sets,
                    const std::vector<std::string>& arms, const std::vector<GridAxis>& axes, bool common_seeds,
                    int64_t max_points) {
  SweepPlan plan{scenario_path, sets, arms, axes, 0, common_seeds, {}};
  if (axes.empty()) throw InputError("--grid", "a sweep needs at least one --grid key.path=v1,v2,...");
  std::set<std::string> keys;
  for (const GridAxis& axis : axes) {
    if (!keys.insert(axis.key).second)
      throw InputError("--grid", "the key '" + axis.key + "' has two --grid axes; give all its values in one");
    if (axis.key == "seed") throw InputError("--grid", "'seed' cannot be swept: each point's seed is derived");
  }
  // the point count, checked before it can overflow
  int64_t n = 1;
  for (const GridAxis& axis : axes) {
    if (n > max_points / static_cast<int64_t>(axis.values.size()))
      throw InputError("--grid", "the grid has more than " + std::to_string(max_points) +
                                     " points; split the sweep or coarsen the grid");
    n *= static_cast<int64_t>(axis.values.size());
  }
  plan.master_seed = LoadScenario(scenario_path, sets).seed;
  // last axis fastest
  for (int64_t p = 0; p < n; ++p) {
    SweepPoint point;
    point.index = p;
    int64_t rest = p;
    point.values.resize(axes.size());
    for (size_t a = axes.size(); a-- > 0;) {
      const int64_t m = static_cast<int64_t>(axes[a].values.size());
      point.values[a] = axes[a].values[rest % m];
      rest /= m;
    }
    point.seed = SweepPointSeed(plan.master_seed, p, common_seeds);
    point.scenario_sha256 = ScenarioSha256(PointScenario(plan, point));
    plan.points.push_back(std::move(point));
  }
  return plan;
}

std::string PointDir(const std::string& dir, const SweepPoint& point) {
  char name[32];
  std::snprintf(name, sizeof name, "points/%04lld", static_cast<long long>(point.index));
  return (fs::path(dir) / name).string();
}

bool PointFinished(const std::string& dir, const SweepPoint& point) {
  const fs::path manifest = fs::path(PointDir(dir, point)) / "manifest.json";
  std::error_code ec;
  if (!fs::is_regular_file(manifest, ec)) return false;
  const nlohmann::json j = nlohmann::json::parse(ReadFile(manifest.string()), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("scenario_sha256") || j["scenario_sha256"] != point.scenario_sha256) return false;
  return !(j.contains("status") && j["status"] == "partial");
}

void RunSweepPoint(const SweepPlan& plan, const SweepPoint& point, const std::string& dir) {
  const Scenario sc = PointScenario(plan, point);
  const RunResult result = RunScenario(sc);
  WriteOutputs(PointDir(dir, point), sc, result, 0);
}

std::string SweepResultsCsv(const SweepPlan& plan, const std::string& dir) {
  std::ostringstream out;
  out << "point";
  for (const GridAxis& axis : plan.axes) out << ',' << axis.key;
  out << ",arm,metric,mean,ci95_low,ci95_high,n,diff,diff_ci95_low,diff_ci95_high\n";
  auto num = [](const nlohmann::json& e, const char* key) {
    return e.is_object() && e.contains(key) && e[key].is_number() ? CsvNumber(e[key].get<double>()) : std::string();
  };
  for (const SweepPoint& point : plan.points) {
    const std::string path = (fs::path(PointDir(dir, point)) / "summary.json").string();
    const nlohmann::json s = nlohmann::json::parse(ReadFile(path), nullptr, /*allow_exceptions=*/false);
    if (!s.is_object() || !s.contains("arms"))
      throw InputError(path, "not a summary.json of a finished run; run the sweep again to redo this point");
    const std::string control = s.value("control", "");
    // arms in the scenario's order (summary.json's objects are sorted by name)
    const Scenario sc = PointScenario(plan, point);
    for (const ArmSpec& arm : sc.arms) {
      const nlohmann::json& a = s["arms"][arm.name];
      if (!a.contains("final")) continue;
      for (const auto& [metric, e] : a["final"].items()) {
        out << point.index;
        for (const std::string& v : point.values) out << ',' << v;
        out << ',' << arm.name << ',' << metric << ',' << num(e, "mean") << ',' << num(e, "ci95_low") << ','
            << num(e, "ci95_high") << ',' << (e.contains("n") ? e["n"].dump() : "");
        if (arm.name != control && a.contains("difference_vs_baseline") &&
            a["difference_vs_baseline"].contains(metric)) {
          const nlohmann::json& d = a["difference_vs_baseline"][metric];
          out << ',' << num(d, "mean") << ',' << num(d, "ci95_low") << ',' << num(d, "ci95_high");
        } else {
          out << ",,,";
        }
        out << '\n';
      }
    }
  }
  return out.str();
}

std::string SweepManifest(const SweepPlan& plan) {
  nlohmann::json j;
  j["tool"] = "counterpoint sweep";
  j["scenario_file"] = plan.scenario_path;
  j["sets"] = plan.sets;
  j["arms"] = plan.arms;
  j["master_seed"] = plan.master_seed;
  j["common_seeds"] = plan.common_seeds;
  j["seed_rule"] = plan.common_seeds ? "every point runs on the master seed"
                                     : "point p runs on DeriveSeed(master_seed, 2^32 + p) / 4; replicate r of it "
                                       "on DeriveSeed(point seed, r)";
  for (const GridAxis& axis : plan.axes) j["grid"].push_back({{"key", axis.key}, {"values", axis.values}});
  for (const SweepPoint& p : plan.points) {
    nlohmann::json pj = {
        {"point", p.index}, {"seed", p.seed}, {"scenario_sha256", p.scenario_sha256}, {"dir", PointDir("", p)}};
    for (size_t a = 0; a < plan.axes.size(); ++a) pj["values"][plan.axes[a].key] = p.values[a];
    j["points"].push_back(pj);
  }
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace counterpoint
