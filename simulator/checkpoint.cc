#include "simulator/checkpoint.h"

#include <algorithm>

#include "core/io.h"

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
  StateWriter out;
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
  out.Put(result.build_seconds), out.Put(result.wall_seconds);
  out.Put<uint64_t>(result.runs.size());
  for (const ArmRun& run : result.runs) PutRun(out, run);
  // the arm in progress
  // the arm in progress: its rows of the steps done, then its state
  out.Tag("arm in progress");
  const size_t done_values = sim.columns().size() * static_cast<size_t>(position.step);
  out.PutVector(std::vector<double>(rows.begin(), rows.begin() + std::min(done_values, rows.size())));
  try {
    sim.SaveState(out);
  } catch (const CheckpointUnsupported& e) {
    throw InputError("--checkpoint", "the " + PluginName(sc, position.arm, e.what()) +
                                         " does not support checkpoints; run without --checkpoint");
  }
  out.Tag("end");
  WriteFileAtomic(path, SealState(out.bytes()));
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
  result_.build_seconds = in.Get<double>(), result_.wall_seconds = in.Get<double>();
  const uint64_t runs = in.GetCount(uint64_t{1} << 32, "arm runs");
  for (uint64_t i = 0; i < runs; ++i) result_.runs.push_back(GetRun(in));
  in.Tag("arm in progress");
  in.GetVector(rows_);
}

void Checkpoint::LoadSimulation(Simulation& sim, const Scenario& sc) {
  try {
    sim.LoadState(reader_);
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
