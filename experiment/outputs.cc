// A run's output files: metrics.csv, the event logs, the induced graphs, the
// coverage map and manifest.json, each written atomically, the manifest last.
#include "experiment/outputs.h"

#include <cctype>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <set>
#include <sstream>
#include <utility>

#include "core/gzip.h"
#include "core/hash.h"
#include "core/io.h"
#include "core/plugin_sources.h"
#include "core/version.h"
#include "core/wait_policy.h"
#include "embeddings/catalog_source.h"
#include "experiment/event_tables.h"
#include "experiment/runner.h"
#include "experiment/summary.h"
#include "experiment/world_runner.h"
#include "experiment/world_tables.h"

namespace counterpoint {

namespace {
// names, descriptions and paths come from user files: invalid UTF-8 becomes U+FFFD
// rather than a JSON encoding error after the whole run
std::string JsonText(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}
}  // namespace

std::string MetricsCsv(const RunResult& res) {
  std::ostringstream out;
  out.precision(9);
  out << "step,arm,replicate,seed";
  for (const auto& c : res.columns) out << ',' << c;
  out << '\n';
  const size_t cols = res.columns.size();
  for (const auto& run : res.runs) {
    for (int64_t t = 0; t < run.Steps(res.steps); ++t) {
      out << t << ',' << run.arm << ',' << run.replicate << ',' << run.seed;
      for (size_t c = 0; c < cols; ++c) out << ',' << CsvNumber(run.rows[t * cols + c]);
      out << '\n';
    }
  }
  return out.str();
}

std::string ImpressionsCsv(const RunResult& res) {
  std::ostringstream out;
  out << "step,arm,replicate,user,item,position,source,organisation,clicked,dismissed\n";
  for (const auto& run : res.runs)
    for (const ImpressionRecord& r : run.impressions) {
      out << r.step << ',' << run.arm << ',' << run.replicate << ',' << r.user << ',' << r.item << ',' << r.position
          << ',' << (r.provenance == static_cast<uint8_t>(Provenance::kInjected) ? "injected" : "organic") << ',';
      if (r.organisation >= 0) out << r.organisation;
      out << ',' << static_cast<int>(r.clicked) << ',' << static_cast<int>(r.dismissed) << '\n';
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

std::string ScenarioSha256(const Scenario& sc, std::vector<FileDigest>* digests) {
  // SHA-256 over the resolved scenario, then a line per input file: key, path, its SHA-256
  Sha256 hash;
  hash.Update(sc.Resolved().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  for (const InputFile& in : ScenarioInputFiles(sc)) {
    const FileDigest d = Sha256File(in.path);
    hash.Update("\n" + in.key + "\t" + in.written + "\t" + d.sha256);
    if (digests) digests->push_back(d);
  }
  return hash.HexDigest();
}

namespace {
// every plug-in the scenario uses, once: a built-in is identified by the engine's version,
// a plug-in registered at run time (a Python class) by its module, name and source hash
nlohmann::json PluginOrigins(const Scenario& sc) {
  std::vector<std::pair<std::string, std::string>> used = {{"catalog", sc.catalog.type},
                                                           {"user_model", sc.user_model.type}};
  for (const auto& arm : sc.arms) {
    used.push_back({"retriever", arm.retriever.type});
    used.push_back({"ranker", arm.ranker.type});
    for (const auto& iv : arm.interventions) used.push_back({"intervention", iv.type});
  }
  for (const auto& o : sc.observers) used.push_back({"observer", o.type});
  nlohmann::json out = nlohmann::json::array();
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& [kind, type] : used) {
    if (type.empty() || !seen.insert({kind, type}).second) continue;
    nlohmann::json p = {{"kind", kind}, {"type", type}};
    if (const PluginSource* src = FindPluginSource(kind, type)) {
      p["origin"] = src->language;
      p["module"] = src->module;
      p["qualname"] = src->qualname;
      p["file"] = src->file;
      p["source_sha256"] = src->source_sha256;
      p["source_of"] = src->source_of;
    } else {
      p["origin"] = "built-in";
    }
    out.push_back(std::move(p));
  }
  return out;
}
}  // namespace

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
  std::vector<FileDigest> digests;
  j["scenario_sha256"] = ScenarioSha256(sc, &digests);
  j["inputs"] = nlohmann::json::array();
  const std::vector<InputFile> inputs = ScenarioInputFiles(sc);
  for (size_t i = 0; i < inputs.size(); ++i)
    j["inputs"].push_back(
        {{"key", inputs[i].key}, {"path", inputs[i].path}, {"sha256", digests[i].sha256}, {"bytes", digests[i].bytes}});
  j["plugins"] = PluginOrigins(sc);
  j["seed"] = sc.seed;
  for (int r = 0; r < sc.replicates; ++r) j["replicate_seeds"].push_back(DeriveSeed(sc.seed, r));
  j["threads"] = threads;
  j["omp_wait"] = WaitPolicyInEffect();  // docs/cluster.md, "Shared machines"
  j["mpi_ranks"] = res.ranks;
  if (res.ranks > 1) {
    j["mpi_mode"] = res.replicated_because.empty() ? "sharded" : "replicated";
    if (!res.replicated_because.empty()) j["mpi_replicated_because"] = res.replicated_because;
  }
  j["finished_utc"] = when;
  j["wall_seconds"] = res.wall_seconds;
  j["build_seconds"] = res.build_seconds;
  for (const auto& run : res.runs)
    j["timings"].push_back({{"arm", run.arm},
                            {"replicate", run.replicate},
                            {"step_seconds", run.times.total_s},
                            {"faiss_search_seconds", run.times.retrieve_s}});
  // what was completed: every arm run with its steps (a partial run stopped early)
  j["status"] = res.partial ? "partial" : "complete";
  j["completed"] = nlohmann::json::array();
  for (const auto& run : res.runs)
    j["completed"].push_back({{"arm", run.arm},
                              {"replicate", run.replicate},
                              {"steps", run.Steps(res.steps)},
                              {"complete", run.Complete(res.steps)}});
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
  // every file is staged first: a full disk leaves the earlier result set as it was;
  // each file written is listed, with its digest, in the manifest
  StagedFiles files;
  nlohmann::json outputs = nlohmann::json::array();
  auto write = [&](const std::string& rel, const std::string& contents) {
    files.Write(dir + "/" + rel, contents);
    outputs.push_back({{"path", rel}, {"sha256", Sha256Hex(contents)}, {"bytes", contents.size()}});
  };
  write("metrics.csv", MetricsCsv(res));
  write("summary.json", JsonText(Summarize(sc, res)));
  write("metrics_summary.csv", MetricsSummaryCsv(sc, res));
  // an event log: gzip by default (about 1 GB of impressions per shipped scenario uncompressed)
  auto event_file = [&](const std::string& name, const std::string& text) {
    if (sc.compress_events)
      write(name + ".gz", GzipCompress(text));
    else
      write(name, text);
  };
  if (sc.output_events) {
    event_file("impressions.csv", ImpressionsCsv(res));
    event_file("moderation.csv", ModerationCsv(res));
    const std::vector<ReplicateCatalog> catalogs = ReplicateCatalogs(sc, res);
    event_file("items.csv", ItemsCsv(catalogs));
    event_file("users.csv", UsersCsv(sc, catalogs));
  }
  // a world of platforms: every upload and what became of it, every removal order, what
  // was kept for law enforcement and who asked for it, and each platform's transparency
  // report (docs/crisis.md)
  if (std::any_of(res.runs.begin(), res.runs.end(), [](const ArmRun& run) { return run.world != nullptr; })) {
    event_file("uploads.csv", UploadsCsv(res));
    write("orders.csv", OrdersCsv(res));
    event_file("preservation.csv", PreservationCsv(res));
    write("access_log.csv", AccessLogCsv(res));
    write("transparency.csv", TransparencyCsv(res));
  }
  // each arm's induced graph: the disjoint union of its replicates' graphs
  if (sc.output_graph) {
    for (const auto& arm : sc.arms) {
      std::vector<std::pair<int, const InducedGraphTable*>> graphs;
      for (const auto& run : res.runs)
        if (run.arm == arm.name) graphs.push_back({run.replicate, &run.graph});
      const auto [nodes, edges] = GraphFiles(arm.name);
      write(nodes, InducedNodesCsv(graphs));
      write(edges, InducedEdgesCsv(graphs));
    }
  }
  // the NGO coverage map of every arm and replicate that has one
  std::vector<std::pair<std::string, int>> coverage_runs;
  std::vector<const std::vector<CoverageRegion>*> coverage_maps;
  for (const auto& run : res.runs)
    if (!run.coverage.empty())
      coverage_runs.push_back({run.arm, run.replicate}), coverage_maps.push_back(&run.coverage);
  if (!coverage_runs.empty()) write("coverage_gaps.csv", CoverageGapsCsv(coverage_runs, coverage_maps));
  // the manifest goes last: its presence marks a complete result directory (an older
  // run's would make a half-replaced directory look complete while the renames run)
  nlohmann::json manifest = Manifest(sc, res, threads);
  manifest["outputs"] = outputs;
  files.Write(dir + "/manifest.json", JsonText(manifest));
  std::error_code ec;
  std::filesystem::remove(dir + "/manifest.json", ec);
  files.Commit();
}

}  // namespace counterpoint
