#include "simulator/runner.h"

#include <omp.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "core/hash.h"
#include "core/io.h"
#include "core/rng.h"
#include "embeddings/catalog_source.h"
#include "simulator/version.h"

namespace counterpoint {

World BuildWorld(const Scenario& sc, uint64_t replicate_seed) {
  World w;
  const auto* source = CatalogRegistry::Get().Find(sc.catalog.type);
  if (!source) throw InputError(sc.file, "unknown catalog source '" + sc.catalog.type + "'");
  w.catalog = source->factory(sc.catalog.params, CatalogContext{replicate_seed, sc.base_dir, sc.file});
  try {
    w.index = std::make_shared<const VectorIndex>(*w.catalog, sc.index);
  } catch (const InputError& e) {
    throw InputError(sc.file, std::string(e.what()));
  }
  return w;
}

Simulation BuildSimulation(const Scenario& sc, const ArmSpec& arm, const World& world, Population pop,
                           uint64_t replicate_seed) {
  auto retriever = RetrieverRegistry::Get().Find(arm.retriever.type)->factory(arm.retriever.params);
  auto ranker = RankerRegistry::Get().Find(arm.ranker.type)->factory(arm.ranker.params);
  std::vector<std::unique_ptr<Intervention>> interventions;
  for (const auto& iv : arm.interventions)
    interventions.push_back(InterventionRegistry::Get().Find(iv.type)->factory(iv.params));
  auto rec =
      std::make_unique<Recommender>(std::move(retriever), std::move(ranker), std::move(interventions), arm.options);
  auto um = UserModelRegistry::Get().Find(sc.user_model.type)->factory(sc.user_model.params);
  std::vector<std::unique_ptr<Observer>> observers;
  for (const auto& o : sc.observers) observers.push_back(ObserverRegistry::Get().Find(o.type)->factory(o.params));
  SimOptions opts{sc.steps, sc.batch_size, replicate_seed, sc.output_graph, arm.name, sc.output_events};
  return Simulation(world, std::move(pop), std::move(rec), std::move(um), std::move(observers), opts);
}

namespace {
// steps x old_cols rows -> steps x (old_cols + 1), the new last column NaN (not in that arm)
void WidenRows(std::vector<double>& rows, int64_t steps, size_t old_cols) {
  std::vector<double> wide(steps * (old_cols + 1), std::nan(""));
  for (int64_t t = 0; t < steps; ++t)
    std::copy_n(rows.begin() + t * old_cols, old_cols, wide.begin() + t * (old_cols + 1));
  rows = std::move(wide);
}
}  // namespace

RunResult RunScenario(const Scenario& sc, const ProgressFn& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  RunResult result;
  result.steps = sc.steps;
  const int64_t total = static_cast<int64_t>(sc.replicates) * sc.arms.size() * sc.steps;
  int64_t done = 0;
  for (int r = 0; r < sc.replicates; ++r) {
    // one world and one starting population per replicate, shared by every arm
    const uint64_t seed = DeriveSeed(sc.seed, r);
    const auto tb = std::chrono::steady_clock::now();
    const World world = BuildWorld(sc, seed);
    Population pop = GeneratePopulation(sc.population, *world.catalog, seed);
    result.build_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - tb).count();
    for (size_t a = 0; a < sc.arms.size(); ++a) {
      const ArmSpec& arm = sc.arms[a];
      // every arm starts from the same population; the last one may take it
      Simulation sim = a + 1 < sc.arms.size() ? BuildSimulation(sc, arm, world, pop, seed)
                                              : BuildSimulation(sc, arm, world, std::move(pop), seed);
      ArmRun run;
      run.arm = arm.name;
      run.replicate = r;
      run.seed = seed;
      sim.Run(run.rows, [&](int64_t) {
        if (progress) progress(++done, total);
      });
      // arms may add different intervention columns: the result's columns are their union
      const auto& cols = sim.columns();
      std::vector<size_t> to(cols.size());
      for (size_t c = 0; c < cols.size(); ++c) {
        to[c] = std::find(result.columns.begin(), result.columns.end(), cols[c]) - result.columns.begin();
        if (to[c] == result.columns.size()) {
          result.columns.push_back(cols[c]);
          for (auto& earlier : result.runs) WidenRows(earlier.rows, sc.steps, result.columns.size() - 1);
        }
      }
      std::vector<double> rows(sc.steps * result.columns.size(), std::nan(""));
      for (int64_t t = 0; t < sc.steps; ++t)
        for (size_t c = 0; c < cols.size(); ++c)
          rows[t * result.columns.size() + to[c]] = run.rows[t * cols.size() + c];
      run.rows = std::move(rows);
      run.times = sim.times();
      run.moderation = sim.moderation_log();
      run.impressions = sim.impression_log();
      if (sim.induced_graph()) run.graph = sim.induced_graph()->Table(*world.catalog, sim.items());
      // the NGO coverage map, from the at-risk traffic the counter_narrative_reach observer counted
      for (const auto& obs : sim.observers())
        if (const auto* reach = dynamic_cast<const CounterNarrativeReachObserver*>(obs.get()))
          run.coverage = CoverageGaps(*world.catalog, reach->at_risk_impressions(), reach->coverage());
      result.runs.push_back(std::move(run));
    }
  }
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

namespace {

// final-step value of column c for every replicate of `arm`
std::vector<double> FinalValues(const RunResult& res, const std::string& arm, size_t c) {
  std::vector<double> out;
  const size_t cols = res.columns.size();
  for (const auto& run : res.runs)
    if (run.arm == arm) out.push_back(run.rows[(res.steps - 1) * cols + c]);
  return out;
}

// one table cell: "mean [low,high]", the mean alone without a CI (one replicate), n/a
// without a mean (a metric undefined in some replicate); `sign` for differences
std::string SummaryCell(const nlohmann::json& e, bool sign) {
  char buf[64];
  if (e["mean"].is_null())
    std::snprintf(buf, sizeof buf, " %24s", "n/a");
  else if (e["ci95_low"].is_null())
    std::snprintf(buf, sizeof buf, sign ? " %+24.4f" : " %24.4f", e["mean"].get<double>());
  else
    std::snprintf(buf, sizeof buf, sign ? " %+8.4f [%+6.3f,%+6.3f]" : " %8.4f [%6.3f,%6.3f]", e["mean"].get<double>(),
                  e["ci95_low"].get<double>(), e["ci95_high"].get<double>());
  return buf;
}

// a CSV number; empty where undefined (NaN), so that any reader sees a missing value
std::string CsvNumber(double x) {
  if (std::isnan(x)) return "";
  std::ostringstream s;
  s.precision(9);
  s << x;
  return s.str();
}

}  // namespace

namespace {

// metrics for which a relative difference (arm / control - 1) means something: levels, not
// differences of signed quantities (extremity is a signed projection)
bool HasRelative(const std::string& metric) {
  return metric != "extremity_mean" && metric.rfind("extremity_p", 0) != 0;
}

// one comparison record: paired difference of final values, and the paired relative difference
nlohmann::json Comparison(const std::string& arm, const std::string& control, const std::string& metric,
                          const std::vector<double>& a, const std::vector<double>& b) {
  const Estimate d = PairedDifference(a, b);
  auto num = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
  nlohmann::json j = {{"arm", arm},
                      {"control", control},
                      {"metric", metric},
                      {"diff", num(d.mean)},
                      {"ci_low", num(d.ci_low)},
                      {"ci_high", num(d.ci_high)},
                      {"n", d.n}};
  if (HasRelative(metric)) {
    // per replicate a_i / b_i - 1; undefined if any control value is 0 or missing
    std::vector<double> rel;
    for (size_t i = 0; i < a.size(); ++i)
      rel.push_back(b[i] != 0 && std::isfinite(b[i]) ? a[i] / b[i] - 1 : std::nan(""));
    const Estimate r = MeanCi(rel);
    j["relative"] = num(r.mean);
    j["relative_ci_low"] = num(r.ci_low);
    j["relative_ci_high"] = num(r.ci_high);
  }
  return j;
}

}  // namespace

nlohmann::json Summarize(const Scenario& sc, const RunResult& res) {
  nlohmann::json j;
  j["scenario"] = sc.name;
  j["steps"] = sc.steps;
  j["replicates"] = sc.replicates;
  j["statistic"] = "final-step value; mean over replicates with a 95% Student-t confidence interval";
  const std::string control = sc.ControlArm();
  j["baseline_arm"] = control;
  j["control"] = control;
  j["comparisons"] = nlohmann::json::array();
  for (const auto& arm : sc.arms) {
    nlohmann::json a;
    for (size_t c = 0; c < res.columns.size(); ++c) {
      const auto values = FinalValues(res, arm.name, c);
      a["final"][res.columns[c]] = EstimateJson(MeanCi(values));
      if (arm.name == control) continue;
      const auto base = FinalValues(res, control, c);
      a["difference_vs_baseline"][res.columns[c]] = EstimateJson(PairedDifference(values, base));
      j["comparisons"].push_back(Comparison(arm.name, control, res.columns[c], values, base));
    }
    j["arms"][arm.name] = a;
  }
  // amplification (Huszar et al. 2022): users reached by harmful content under an arm over
  // users reached under the reverse-chronological control, per replicate
  const auto reach = std::find(res.columns.begin(), res.columns.end(), "harmful_reach") - res.columns.begin();
  if (!sc.amplification_control.empty() && reach < static_cast<std::ptrdiff_t>(res.columns.size())) {
    const auto base = FinalValues(res, sc.amplification_control, reach);
    j["amplification_control"] = sc.amplification_control;
    for (const auto& arm : sc.arms) {
      if (arm.name == sc.amplification_control) continue;
      const auto values = FinalValues(res, arm.name, reach);
      std::vector<double> ratio;
      for (size_t i = 0; i < values.size(); ++i) ratio.push_back(base[i] > 0 ? values[i] / base[i] : std::nan(""));
      j["arms"][arm.name]["amplification"] = EstimateJson(MeanCi(ratio));
    }
  }
  return j;
}

std::string MetricsCsv(const RunResult& res) {
  std::ostringstream out;
  out.precision(9);
  out << "step,arm,replicate,seed";
  for (const auto& c : res.columns) out << ',' << c;
  out << '\n';
  const size_t cols = res.columns.size();
  for (const auto& run : res.runs) {
    for (int64_t t = 0; t < res.steps; ++t) {
      out << t << ',' << run.arm << ',' << run.replicate << ',' << run.seed;
      for (size_t c = 0; c < cols; ++c) out << ',' << CsvNumber(run.rows[t * cols + c]);
      out << '\n';
    }
  }
  return out.str();
}

std::string ImpressionsCsv(const RunResult& res) {
  std::ostringstream out;
  out << "step,arm,replicate,user,item,position,source,organisation,clicked\n";
  for (const auto& run : res.runs)
    for (const ImpressionRecord& r : run.impressions) {
      out << r.step << ',' << run.arm << ',' << run.replicate << ',' << r.user << ',' << r.item << ',' << r.position
          << ',' << (r.provenance == static_cast<uint8_t>(Provenance::kInjected) ? "injected" : "organic") << ',';
      if (r.organisation >= 0) out << r.organisation;
      out << ',' << static_cast<int>(r.clicked) << '\n';
    }
  return out.str();
}

std::string ModerationCsv(const RunResult& res) {
  std::ostringstream out;
  out << "step,arm,replicate,item,event,channel,latency_steps\n";
  for (const auto& run : res.runs)
    for (const ModerationRecord& r : run.moderation)
      out << r.step << ',' << run.arm << ',' << run.replicate << ',' << r.item << ',' << EventName(r.event) << ','
          << ChannelName(r.channel) << ',' << r.latency_steps << '\n';
  return out.str();
}

std::string MetricsSummaryCsv(const Scenario& sc, const RunResult& res) {
  // runs of each arm, in scenario order
  std::vector<std::vector<const ArmRun*>> by_arm(sc.arms.size());
  for (const auto& run : res.runs)
    for (size_t a = 0; a < sc.arms.size(); ++a)
      if (run.arm == sc.arms[a].name) by_arm[a].push_back(&run);
  std::ostringstream out;
  out << "step,arm,metric,mean,ci95_low,ci95_high,n\n";
  const size_t cols = res.columns.size();
  std::vector<double> values;
  for (int64_t t = 0; t < res.steps; ++t)
    for (size_t a = 0; a < sc.arms.size(); ++a)
      for (size_t c = 0; c < cols; ++c) {
        // mean over replicates with its Student-t 95% CI
        values.clear();
        for (const ArmRun* run : by_arm[a]) values.push_back(run->rows[t * cols + c]);
        const Estimate e = MeanCi(values);
        out << t << ',' << sc.arms[a].name << ',' << res.columns[c] << ',' << CsvNumber(e.mean) << ','
            << CsvNumber(e.ci_low) << ',' << CsvNumber(e.ci_high) << ',' << e.n << '\n';
      }
  return out.str();
}

std::vector<InputFile> ScenarioInputFiles(const Scenario& sc) {
  std::vector<InputFile> out;
  const auto* entry = CatalogRegistry::Get().Find(sc.catalog.type);
  if (!entry) return out;
  for (const ParamSpec& p : entry->spec.params) {
    if (!p.input_file || sc.catalog.params.String(p.name).empty()) continue;
    const std::string& written = sc.catalog.params.String(p.name);
    out.push_back({"catalog." + p.name, written, ResolveInputPath(sc.base_dir, written)});
  }
  return out;
}

std::pair<std::string, std::string> GraphFiles(const std::string& arm) {
  // arm names are free text; keep file names portable
  std::string safe = arm;
  for (char& c : safe)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return {"graph/" + safe + "_nodes.csv", "graph/" + safe + "_edges.csv"};
}

nlohmann::json Manifest(const Scenario& sc, const RunResult& res, int threads) {
  const nlohmann::json resolved = sc.Resolved();
  char when[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  nlohmann::json j;
  j["tool"] = "counterpoint";
  j["version"] = kVersion;
  j["git_revision"] = kGitRevision;
  j["scenario_file"] = sc.file;
  // SHA-256 over the resolved scenario, then a line per input file: key, path, its SHA-256
  Sha256 hash;
  hash.Update(resolved.dump());
  j["inputs"] = nlohmann::json::array();
  for (const InputFile& in : ScenarioInputFiles(sc)) {
    const FileDigest d = Sha256File(in.path);
    hash.Update("\n" + in.key + "\t" + in.written + "\t" + d.sha256);
    j["inputs"].push_back({{"key", in.key}, {"path", in.path}, {"sha256", d.sha256}, {"bytes", d.bytes}});
  }
  j["scenario_sha256"] = hash.HexDigest();
  j["seed"] = sc.seed;
  for (int r = 0; r < sc.replicates; ++r) j["replicate_seeds"].push_back(DeriveSeed(sc.seed, r));
  j["threads"] = threads;
  j["finished_utc"] = when;
  j["wall_seconds"] = res.wall_seconds;
  j["build_seconds"] = res.build_seconds;
  for (const auto& run : res.runs)
    j["timings"].push_back({{"arm", run.arm},
                            {"replicate", run.replicate},
                            {"step_seconds", run.times.total_s},
                            {"faiss_search_seconds", run.times.retrieve_s}});
  j["resolved_scenario"] = resolved;
  j["columns"] = res.columns;
  if (sc.output_graph) {
    for (const auto& arm : sc.arms) {
      const auto [nodes, edges] = GraphFiles(arm.name);
      j["graph_files"][arm.name] = {{"nodes", nodes}, {"edges", edges}};
    }
  }
  return j;
}

void WriteOutputs(const std::string& dir, const Scenario& sc, const RunResult& res, int threads) {
  // an older run's manifest would make a half-replaced directory look complete
  std::error_code ec;
  std::filesystem::remove(dir + "/manifest.json", ec);
  WriteFileAtomic(dir + "/metrics.csv", MetricsCsv(res));
  WriteFileAtomic(dir + "/summary.json", Summarize(sc, res).dump(2) + "\n");
  WriteFileAtomic(dir + "/metrics_summary.csv", MetricsSummaryCsv(sc, res));
  if (sc.output_events) {
    WriteFileAtomic(dir + "/impressions.csv", ImpressionsCsv(res));
    WriteFileAtomic(dir + "/moderation.csv", ModerationCsv(res));
  }
  // each arm's induced graph: the disjoint union of its replicates' graphs
  if (sc.output_graph) {
    for (const auto& arm : sc.arms) {
      std::vector<std::pair<int, const InducedGraphTable*>> graphs;
      for (const auto& run : res.runs)
        if (run.arm == arm.name) graphs.push_back({run.replicate, &run.graph});
      const auto [nodes, edges] = GraphFiles(arm.name);
      WriteFileAtomic(dir + "/" + nodes, InducedNodesCsv(graphs));
      WriteFileAtomic(dir + "/" + edges, InducedEdgesCsv(graphs));
    }
  }
  // the NGO coverage map of every arm and replicate that has one
  std::vector<std::pair<std::string, int>> coverage_runs;
  std::vector<const std::vector<CoverageRegion>*> coverage_maps;
  for (const auto& run : res.runs)
    if (!run.coverage.empty())
      coverage_runs.push_back({run.arm, run.replicate}), coverage_maps.push_back(&run.coverage);
  if (!coverage_runs.empty())
    WriteFileAtomic(dir + "/coverage_gaps.csv", CoverageGapsCsv(coverage_runs, coverage_maps));
  // the manifest goes last: its presence marks a complete result directory
  WriteFileAtomic(dir + "/manifest.json", Manifest(sc, res, threads).dump(2) + "\n");
}

std::string SummaryTable(const Scenario& sc, const nlohmann::json& summary) {
  static const std::vector<std::pair<std::string, std::string>> kKey = {
      {"harmful_exposure_share", "harmful exposure"},
      {"rabbit_hole_share", "in rabbit hole"},
      {"extremity_mean", "mean extremity"},
      {"clicks_per_session", "clicks/session"},
      {"counter_narrative_exposure_share", "CN exposure"}};
  std::ostringstream out;
  char buf[256];
  out << "Scenario '" << sc.name << "': final step " << sc.steps - 1 << ", " << sc.replicates
      << " replicate(s); mean [95% CI]\n";
  std::snprintf(buf, sizeof buf, "%-16s", "arm");
  out << buf;
  std::vector<std::pair<std::string, std::string>> shown;
  const auto& arms = summary["arms"];
  for (const auto& [key, label] : kKey)
    if (arms.begin()->contains("final") && (*arms.begin())["final"].contains(key)) shown.push_back({key, label});
  for (const auto& [key, label] : shown) {
    std::snprintf(buf, sizeof buf, " %24s", label.c_str());
    out << buf;
  }
  out << '\n';
  for (const auto& arm : sc.arms) {
    std::snprintf(buf, sizeof buf, "%-16s", arm.name.c_str());
    out << buf;
    for (const auto& [key, label] : shown) {
      out << SummaryCell(arms[arm.name]["final"][key], false);
    }
    out << '\n';
  }
  // paired differences from the control (common random numbers)
  if (sc.arms.size() > 1) {
    out << "Difference from the control '" << sc.ControlArm() << "' (paired over replicates), mean [95% CI]:\n";
    for (size_t a = 0; a < sc.arms.size(); ++a) {
      if (sc.arms[a].name == sc.ControlArm()) continue;
      std::snprintf(buf, sizeof buf, "%-16s", sc.arms[a].name.c_str());
      out << buf;
      for (const auto& [key, label] : shown) {
        out << SummaryCell(arms[sc.arms[a].name]["difference_vs_baseline"][key], true);
      }
      out << '\n';
    }
  }
  out << "harmful exposure: share of impressions that are borderline or extremist; in rabbit hole: share of users\n"
         "whose recent consumption is mostly harmful; mean extremity: users' true interest projected on the\n"
         "extremity direction; CN exposure: share of impressions that are counter-narratives (docs/metrics.md).\n";
  return out.str();
}

}  // namespace counterpoint
