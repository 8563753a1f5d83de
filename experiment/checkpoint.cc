#include "experiment/checkpoint.h"

#include <algorithm>
#include <filesystem>

#include "core/hash.h"
#include "core/io.h"
#include "experiment/outputs.h"

namespace counterpoint {

namespace {

void PutStrings(StateWriter& out, const std::vector<std::string>& v) {
  out.Put<uint64_t>(v.size());
  for (const auto& s : v) out.PutString(s);
}

std::vector<std::string> GetStrings(StateReader& in, const char* what) {
  std::vector<std::string> v(in.GetCount(uint64_t{1} << 32, what));
  for (auto& s : v) s = in.GetString();
  return v;
}

void PutRun(StateWriter& out, const ArmRun& run) {
  out.Tag("arm run");
  out.PutString(run.arm);
  out.Put(run.replicate), out.Put(run.seed), out.Put(run.steps_done);
  out.PutVector(run.rows);
  out.Put(run.times);
  const InducedGraphTable& g = run.graph;
  out.PutVector(g.edges), out.PutVector(g.nodes);
  PutStrings(out, g.ids);
  out.PutVector(g.labels), out.PutVector(g.extremity), out.PutVector(g.harm_score);
  out.PutVector(g.impressions), out.PutVector(g.clicks);
  out.PutVector(run.moderation), out.PutVector(run.impressions), out.PutVector(run.coverage);
}

ArmRun GetRun(StateReader& in) {
  in.Tag("arm run");
  ArmRun run;
  run.arm = in.GetString();
  run.replicate = in.Get<int>(), run.seed = in.Get<uint64_t>(), run.steps_done = in.Get<int64_t>();
  in.GetVector(run.rows);
  run.times = in.Get<StageTimes>();
  InducedGraphTable& g = run.graph;
  in.GetVector(g.edges), in.GetVector(g.nodes);
  g.ids = GetStrings(in, "graph node ids");
  in.GetVector(g.labels, g.nodes.size(), "graph node labels");
  in.GetVector(g.extremity, g.nodes.size(), "graph node extremity");
  in.GetVector(g.harm_score, g.nodes.size(), "graph node harm scores");
  in.GetVector(g.impressions, g.nodes.size(), "graph node impressions");
  in.GetVector(g.clicks, g.nodes.size(), "graph node clicks");
  in.GetVector(run.moderation), in.GetVector(run.impressions), in.GetVector(run.coverage);
  return run;
}

// "ranker", "intervention 2", "observer 1", ... -> the plug-in's type and place
std::string PluginName(const Scenario& sc, int arm, const std::string& where) {
  const ArmSpec& a = sc.arms.at(arm);
  auto index = [&](const char* prefix) { return std::stoul(where.substr(std::string(prefix).size())); };
  if (where == "ranker") return "ranker '" + a.ranker.type + "' of arm '" + a.name + "'";
  if (where == "retriever") return "retriever '" + a.retriever.type + "' of arm '" + a.name + "'";
  if (where == "user model") return "user model '" + sc.user_model.type + "'";
  if (where.rfind("intervention ", 0) == 0)
    return "intervention '" + a.interventions.at(index("intervention ")).type + "' of arm '" + a.name + "'";
  if (where.rfind("observer ", 0) == 0) return "observer '" + sc.observers.at(index("observer ")).type + "'";
  return where;
}

}  // namespace

std::string CheckpointPath(const std::string& dir) { return dir + "/checkpoint.bin"; }

void WriteCheckpoint(const std::string& path, const CheckpointScenarioInfo& scenario, const RunResult& result,
                     const CheckpointPosition& position, const std::vector<double>& rows, const Simulation& sim,
                     const Scenario& sc) {
  const Collective& ranks = sim.users();
  StateWriter out;  // the main file, which rank 0 writes
  if (ranks.rank() == 0) {
    out.Tag("counterpoint checkpoint");
    // the scenario, to parse again on resume
    out.PutString(scenario.sha256), out.PutString(scenario.text), out.PutString(scenario.file);
    out.PutString(scenario.base_dir);
    PutStrings(out, scenario.overrides), PutStrings(out, scenario.arms);
    out.Tag("position");
    out.Put(position.replicate), out.Put(position.arm), out.Put(position.step), out.Put(position.done);
    // the completed arm runs
    out.Tag("result");
    PutStrings(out, result.columns);
    out.Tag("column kinds");
    PutStrings(out, {result.zero_when_absent.begin(), result.zero_when_absent.end()});
    std::vector<std::string> sources;
    for (const auto& [column, type] : result.column_source) sources.push_back(column), sources.push_back(type);
    PutStrings(out, sources);
    std::vector<std::string> kinds;
    for (const auto& [column, kind] : result.metric_kinds)
      kinds.push_back(column), kinds.push_back(MetricKindName(kind));
    PutStrings(out, kinds);
    out.Put(result.build_seconds), out.Put(result.wall_seconds);
    out.Put<uint64_t>(result.runs.size());
    for (const ArmRun& run : result.runs) PutRun(out, run);
    // the arm in progress: its rows of the steps done, then its state: the simulation's,
    // or, sharded over ranks, the digest of each rank's part (its block of users), in rank order
    out.Tag("arm in progress");
    const size_t done_values = sim.columns().size() * static_cast<size_t>(position.step);
    out.PutVector(std::vector<double>(rows.begin(), rows.begin() + std::min(done_values, rows.size())));
    out.Put<uint64_t>(ranks.size() > 1 ? static_cast<uint64_t>(ranks.size()) : 0);
  }
  StateWriter mine;
  try {
    sim.SaveState(ranks.size() > 1 ? mine : out);
  } catch (const CheckpointUnsupported& e) {
    throw InputError("--checkpoint", "the " + PluginName(sc, position.arm, e.what()) +
                                         " does not support checkpoints; run without --checkpoint");
  }
  std::string part_name;
  if (ranks.size() > 1) {
    // sharded: each rank writes its own part, named by its digest, next to the main file;
    // the main file, written last by rank 0, names every part by its digest. Until it is
    // renamed into place the previous main file and its parts stay complete
    const StateSeal seal = SealOf(mine.bytes());
    const std::string digest = SealedSha256(mine.bytes(), seal);
    part_name = CheckpointPartPath(path, ranks.rank(), digest);
    WriteSealedStateAtomic(part_name, mine.bytes(), seal);
    const std::vector<char> digests = GatherInRankOrder(ranks, std::vector<char>(digest.begin(), digest.end()));
    if (ranks.rank() == 0)
      for (int r = 0; r < ranks.size(); ++r)
        out.PutString(std::string(digests.data() + r * digest.size(), digest.size()));
  }
  if (ranks.rank() == 0) {
    out.Tag("end");
    WriteSealedStateAtomic(path, out.bytes(), SealOf(out.bytes()));
  }
  if (ranks.size() > 1) {
    // the new main file is in place on every rank's view: each removes its older parts
    ranks.Barrier();
    RemoveCheckpointParts(path, ranks.rank(), part_name);
  }
}

std::string CheckpointPartPath(const std::string& path, int rank, const std::string& sha256) {
  return path + ".rank" + std::to_string(rank) + "." + sha256.substr(0, 16);
}

void RemoveCheckpointParts(const std::string& path, int rank, const std::string& keep) {
  namespace fs = std::filesystem;
  const fs::path main(path);
  const std::string prefix = main.filename().string() + ".rank" + (rank >= 0 ? std::to_string(rank) + "." : "");
  std::error_code ec;
  const fs::path dir = main.has_parent_path() ? main.parent_path() : fs::path(".");
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) == 0 && it->path().string() != keep) stale.push_back(it->path());
  }
  for (const fs::path& p : stale) fs::remove(p, ec);
}

void RemoveCheckpoint(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  RemoveCheckpointParts(path, -1, "");
}

Checkpoint::Checkpoint(const std::string& path)
    : path_(path), bytes_(ReadFile(path)), body_(UnsealState(bytes_, path)), reader_(body_, path) {
  StateReader& in = reader_;
  in.Tag("counterpoint checkpoint");
  scenario_.sha256 = in.GetString(), scenario_.text = in.GetString(), scenario_.file = in.GetString();
  scenario_.base_dir = in.GetString();
  scenario_.overrides = GetStrings(in, "overrides"), scenario_.arms = GetStrings(in, "arms");
  in.Tag("position");
  position_.replicate = in.Get<int>(), position_.arm = in.Get<int>();
  position_.step = in.Get<int64_t>(), position_.done = in.Get<int64_t>();
  in.Tag("result");
  result_.columns = GetStrings(in, "columns");
  in.Tag("column kinds");
  for (auto& c : GetStrings(in, "columns 0 when absent")) result_.zero_when_absent.insert(std::move(c));
  const std::vector<std::string> sources = GetStrings(in, "column sources");
  if (sources.size() % 2) in.Fail("column sources are not (column, type) pairs");
  for (size_t i = 0; i + 1 < sources.size(); i += 2) result_.column_source[sources[i]] = sources[i + 1];
  const std::vector<std::string> kinds = GetStrings(in, "metric kinds");
  if (kinds.size() % 2) in.Fail("metric kinds are not (column, kind) pairs");
  try {
    for (size_t i = 0; i + 1 < kinds.size(); i += 2) result_.metric_kinds[kinds[i]] = ParseMetricKind(kinds[i + 1]);
  } catch (const std::invalid_argument& e) {
    in.Fail(e.what());
  }
  result_.build_seconds = in.Get<double>(), result_.wall_seconds = in.Get<double>();
  const uint64_t runs = in.GetCount(uint64_t{1} << 32, "arm runs");
  for (uint64_t i = 0; i < runs; ++i) result_.runs.push_back(GetRun(in));
  in.Tag("arm in progress");
  in.GetVector(rows_);
  // the ranks' parts (sharded), or a simulation's state next, read by LoadSimulation
  parts_.resize(in.GetCount(uint64_t{1} << 20, "checkpoint parts"));
  for (std::string& digest : parts_) {
    digest = in.GetString();
    if (digest.size() != 64) in.Fail("a part's SHA-256 is not 64 hex digits");
  }
}

int Checkpoint::parts() const { return static_cast<int>(parts_.size()); }

void Checkpoint::LoadSimulation(Simulation& sim, const Scenario& sc) {
  // a sharded checkpoint resumes on as many ranks, each holding the same block
  const int ranks = sim.users().size() > 1 ? sim.users().size() : 0;
  if (ranks != parts())
    throw InputError(path_, parts() > 0 ? "this checkpoint was written by " + std::to_string(parts()) +
                                              " MPI ranks holding blocks of users; resume it with mpirun -np " +
                                              std::to_string(parts()) + " (without --replicate-users)"
                                        : "this checkpoint holds every user; resume it with one process, or "
                                          "under mpirun with --replicate-users");
  try {
    if (ranks > 0) {
      // this rank's part: its own file, which must be the one the main file names
      const int rank = sim.users().rank();
      const std::string part_path = CheckpointPartPath(path_, rank, parts_[rank]);
      const std::string why = UnreadableFileReason(part_path);
      if (!why.empty())
        throw InputError(part_path, why + ": rank " + std::to_string(rank) +
                                        "'s part of the checkpoint; every rank must see the directory of "
                                        "checkpoint.bin, with the part files written next to it");
      const std::string sealed = ReadFile(part_path);
      if (Sha256Hex(sealed) != parts_[rank])
        throw InputError(part_path, "this part's SHA-256 is not the one checkpoint.bin records for rank " +
                                        std::to_string(rank) + ": it was changed or comes from another checkpoint");
      StateReader part(UnsealState(sealed, part_path), part_path);
      sim.LoadState(part);
      if (!part.AtEnd()) part.Fail("data after the end of rank " + std::to_string(rank) + "'s part");
    } else {
      sim.LoadState(reader_);
    }
  } catch (const CheckpointUnsupported& e) {
    throw InputError(path_, "the " + PluginName(sc, position_.arm, e.what()) + " does not support checkpoints");
  }
  reader_.Tag("end");
  if (!reader_.AtEnd()) reader_.Fail("data after the end");
}

Scenario CheckpointScenario(const std::string& path) {
  const Checkpoint ck(path);
  const CheckpointScenarioInfo& info = ck.scenario();
  Scenario sc = ParseScenario(info.text, info.file, info.overrides, info.base_dir);
  SelectArms(sc, info.arms);
  const std::string now = ScenarioSha256(sc);
  if (now != info.sha256)
    throw InputError(path, "the scenario of this checkpoint now hashes to " + now + ", not " + info.sha256 +
                               " as when it was written: an input file (or this build's defaults) changed; "
                               "a resumed run would not match the interrupted one");
  return sc;
}

std::string CheckpointScenarioSha256(const std::string& path) { return Checkpoint(path).scenario().sha256; }

}  // namespace counterpoint
