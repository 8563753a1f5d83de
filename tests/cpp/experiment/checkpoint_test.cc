// Checkpoints: the state format (core/state_io.h) and runs stopped, checkpointed and
// resumed in process, which must end bit-identical to uninterrupted runs.
#include "experiment/checkpoint.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/io.h"
#include "core/state_io.h"
#include "experiment/outputs.h"
#include "experiment/runner.h"
#include "test_util.h"
#include "thread_ranks.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;
using testing::CatchInputError;
using testing::Contains;
using testing::ScopedThreads;
using testing::StopAfter;

fs::path TempDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("counterpoint_ckpt_test_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string Slurp(const fs::path& p) { return ReadFile(p.string()); }

// ---- the state format ----

TEST(StateIoTest, RoundTripsValuesVectorsStringsAndTags) {
  StateWriter w;
  w.Tag("section");
  w.Put<int64_t>(-7);
  w.Put<double>(0.125);
  w.PutVector(std::vector<float>{1.5f, -2.0f, 3.25f});
  w.PutVector(std::vector<int32_t>{});
  w.PutString("ab");
  const std::string sealed = SealState(w.bytes());
  StateReader r(UnsealState(sealed, "mem"), "mem");
  r.Tag("section");
  EXPECT_EQ(r.Get<int64_t>(), -7);
  EXPECT_EQ(r.Get<double>(), 0.125);
  std::vector<float> f;
  r.GetVector(f);
  EXPECT_EQ(f, (std::vector<float>{1.5f, -2.0f, 3.25f}));
  std::vector<int32_t> empty{9};
  r.GetVector(empty, 0, "empty");
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(r.GetString(), "ab");
  EXPECT_TRUE(r.AtEnd());
}

TEST(StateIoTest, TruncatedCorruptOrForeignDataIsAnInputError) {
  StateWriter w;
  w.Tag("x");
  w.PutVector(std::vector<int64_t>(100, 42));
  const std::string sealed = SealState(w.bytes());
  // every truncation of the sealed file is refused (never read past the end)
  for (size_t n : {size_t{0}, size_t{7}, size_t{20}, sealed.size() / 2, sealed.size() - 1})
    EXPECT_TRUE(
        Contains(CatchInputError([&] { UnsealState(std::string_view(sealed).substr(0, n), "f.bin"); }).what(), "f.bin"))
        << n;
  // one flipped byte in the body: the digest does not match
  std::string flipped = sealed;
  flipped[40] ^= 0x10;
  EXPECT_TRUE(Contains(CatchInputError([&] { UnsealState(flipped, "f.bin"); }).what(), "SHA-256"));
  // another format version
  std::string version = sealed;
  version[8] = 99;
  EXPECT_TRUE(Contains(CatchInputError([&] { UnsealState(version, "f.bin"); }).what(), "version 99"));
  EXPECT_TRUE(Contains(
      CatchInputError([&] { UnsealState("garbage that is long enough to hold a header........", "g"); }).what(),
      "not a counterpoint checkpoint"));
  // a reader of an unsealed body checks lengths, sizes and tags
  const std::string& body = w.bytes();
  StateReader wrong_tag(body, "b");
  EXPECT_TRUE(Contains(CatchInputError([&] { wrong_tag.Tag("y"); }).what(), "expected section 'y', found 'x'"));
  StateReader wrong_size(body, "b");
  wrong_size.Tag("x");
  std::vector<int64_t> v;
  EXPECT_TRUE(Contains(CatchInputError([&] { wrong_size.GetVector(v, 99, "users"); }).what(), "users has 100 entries"));
  StateReader short_read(std::string_view(body).substr(0, body.size() - 8), "b");
  short_read.Tag("x");
  EXPECT_TRUE(Contains(CatchInputError([&] { short_read.GetVector(v); }).what(), "truncated or corrupt checkpoint"));
}

TEST(StateIoTest, ASealedFileWrittenInPiecesIsTheSealedBytes) {
  // the streaming writer and digest give exactly what sealing the body in memory gives:
  // magic "CPSTATE\0", version, length, body, the body's SHA-256
  StateWriter w;
  w.Tag("x");
  w.PutVector(std::vector<int64_t>(1000, 7));
  const std::string sealed = SealState(w.bytes());
  ASSERT_EQ(sealed.size(), 8 + 4 + 8 + w.bytes().size() + 64);
  EXPECT_EQ(sealed.substr(0, 8), std::string("CPSTATE\0", 8));
  EXPECT_EQ(sealed.substr(sealed.size() - 64), Sha256Hex(w.bytes()));
  const fs::path dir = TempDir("sealed");
  const StateSeal seal = SealOf(w.bytes());
  WriteSealedStateAtomic((dir / "s.bin").string(), w.bytes(), seal);
  EXPECT_TRUE(Slurp(dir / "s.bin") == sealed);
  EXPECT_EQ(SealedSha256(w.bytes(), seal), Sha256Hex(sealed));
  EXPECT_EQ(UnsealState(sealed, "s.bin"), w.bytes());
}

// ---- stop, checkpoint, resume ----

// small versions of the shipped scenarios: together they use every shipped retriever,
// ranker (engagement also with examination debiasing), intervention and observer
std::vector<std::string> Small(std::vector<std::string> extra = {}) {
  std::vector<std::string> s = {"catalog.n_items=1000", "population.n_users=150", "steps=5",          "replicates=2",
                                "index.factory=Flat",   "output.events=true",     "output.graph=true"};
  s.insert(s.end(), extra.begin(), extra.end());
  return s;
}

struct Case {
  std::string file;
  std::vector<std::string> sets;
  std::vector<std::string> arms;  ///< a selection (empty: all)
};

std::vector<Case> Cases() {
  return {{"ranking_team_ab.yaml", Small({"recommender.ranker.ctr_debias=examination"}), {}},
          {"redirect_method.yaml", Small(), {}},
          {"moderation_one_hour.yaml", Small(), {}},
          {"hash_sharing.yaml", Small(), {}},
          // one_ngo names an organisation of the full-size catalog
          {"ngo_reach.yaml", Small(), {"control", "campaign"}},
          {"rabbit_hole.yaml", Small({"replicates=1"}), {}},
          {"ranker_ablation.yaml", Small({"replicates=1"}), {}}};
}

Scenario Load(const Case& c) {
  Scenario sc = LoadScenario(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/" + c.file, c.sets);
  SelectArms(sc, c.arms);
  return sc;
}

// the output files of a result, the manifest without its timing and layout fields
std::map<std::string, std::string> Files(const fs::path& dir, const Scenario& sc, const RunResult& res) {
  WriteOutputs(dir.string(), sc, res, 1);
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename() == "checkpoint.bin") continue;
    out[fs::relative(e.path(), dir).string()] = Slurp(e.path());
  }
  nlohmann::json m = nlohmann::json::parse(out.at("manifest.json"));
  // timings, and how the run was spread (threads, MPI ranks), which the results do not depend on
  for (const char* key : {"finished_utc", "wall_seconds", "build_seconds", "timings", "threads", "mpi_ranks",
                          "mpi_mode", "mpi_replicated_because"})
    m.erase(key);
  out["manifest.json"] = m.dump(1);
  return out;
}

void ExpectSameFiles(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b,
                     const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (const auto& [name, contents] : a) {
    ASSERT_TRUE(b.count(name)) << what << ": " << name;
    EXPECT_TRUE(contents == b.at(name)) << what << ": " << name << " differs";
  }
}

TEST(CheckpointTest, StopAndResumeAtAnyBoundaryEqualsAnUninterruptedRun) {
  for (const Case& c : Cases()) {
    const Scenario sc = Load(c);
    const int64_t total = sc.steps * static_cast<int64_t>(sc.arms.size()) * sc.replicates;
    const fs::path dir = TempDir("full");
    RunResult full;
    {
      ScopedThreads threads(2);
      full = RunScenario(sc);
    }
    ASSERT_FALSE(full.partial);
    const auto expected = Files(dir, sc, full);
    // stops inside the first arm, at an arm boundary (a checkpoint of an arm not yet started),
    // inside a later arm, and in the second replicate
    for (int64_t stop_at : {int64_t{1}, sc.steps, sc.steps + 3, total - 2}) {
      const std::string what = c.file + " stopped after step " + std::to_string(stop_at);
      const fs::path part_dir = TempDir("part");
      const RunControl control = StopAfter(stop_at, CheckpointPath(part_dir.string()));
      RunResult part;
      {
        ScopedThreads threads(2);
        part = RunScenario(sc, {}, control);
      }
      ASSERT_TRUE(part.partial) << what;
      int64_t steps_done = 0;
      for (const auto& run : part.runs) steps_done += run.Steps(sc.steps);
      EXPECT_EQ(steps_done, stop_at) << what;
      // resumed with another thread count: the same files
      RunControl resume;
      resume.resume_path = control.checkpoint_path;
      RunResult resumed;
      {
        ScopedThreads threads(1);
        resumed = RunScenario(sc, {}, resume);
      }
      EXPECT_FALSE(resumed.partial) << what;
      ExpectSameFiles(expected, Files(TempDir("resumed"), sc, resumed), what);
    }
  }
}

// resumes `path` on `ranks` ranks played by threads (one OpenMP thread each): each rank's
// result, or the message of the InputError it threw
std::vector<std::pair<RunResult, std::string>> ResumeOnRanks(const Scenario& sc, const std::string& path, int ranks) {
  std::vector<std::pair<RunResult, std::string>> out(ranks);
  testing::RunRanks(ranks, [&](int r, const Collective& comm) {
    omp_set_num_threads(1);
    RunControl resume;
    resume.collective = &comm;
    resume.resume_path = path;
    try {
      out[r].first = RunScenario(sc, {}, resume);
    } catch (const InputError& e) {
      out[r].second = e.what();
    }
  });
  return out;
}

TEST(CheckpointTest, RanksHoldingBlocksOfUsersStopAndResumeToOneProcessesResult) {
  // 2 ranks sharding users (threads as ranks): each hands rank 0 its part of the arm in
  // progress; resumed on 2 ranks, each takes its part back. Budgeted injection (held
  // batches) and examination-debiased click rates, with events and the induced graph
  for (const Case& c : {Cases()[0], Cases()[1]}) {
    const Scenario sc = Load(c);
    ASSERT_EQ(ShardingObstacle(sc), "") << c.file;
    const auto expected = Files(TempDir("full"), sc, RunScenario(sc));
    const int64_t stop_at = sc.steps + 2;  // inside the second arm of the first replicate
    const fs::path dir = TempDir("sharded");
    const std::string path = CheckpointPath(dir.string());
    std::vector<RunResult> part(2);
    testing::RunRanks(2, [&](int r, const Collective& comm) {
      omp_set_num_threads(1);
      RunControl control = StopAfter(stop_at, path);
      control.collective = &comm;
      part[r] = RunScenario(sc, {}, control);
    });
    ASSERT_TRUE(part[0].partial) << c.file;
    EXPECT_EQ(part[0].replicated_because, "") << c.file;
    EXPECT_EQ(Checkpoint(path).parts(), 2) << c.file;
    const auto resumed = ResumeOnRanks(sc, path, 2);
    ASSERT_EQ(resumed[0].second, "") << c.file;
    EXPECT_FALSE(resumed[0].first.partial) << c.file;
    ExpectSameFiles(expected, Files(TempDir("resumed"), sc, resumed[0].first),
                    c.file + ", 2 ranks stopped and resumed");
    // another layout cannot take the parts: one process, or 3 ranks
    RunControl alone;
    alone.resume_path = path;
    EXPECT_TRUE(Contains(CatchInputError([&] { RunScenario(sc, {}, alone); }).what(), "resume it with mpirun -np 2"));
    for (const auto& [result, error] : ResumeOnRanks(sc, path, 3))
      EXPECT_TRUE(Contains(error, "resume it with mpirun -np 2")) << error;
  }
}

TEST(CheckpointTest, AShardedCheckpointKeepsEachRanksPartInAFileTheMainFileNames) {
  // every rank writes its part next to checkpoint.bin, named by its digest; a checkpoint
  // replaces the last one's parts only once the new main file is in place
  const Scenario sc = Load(Cases()[1]);
  const fs::path dir = TempDir("parts");
  const std::string path = CheckpointPath(dir.string());
  // a part left by an interrupted checkpoint (written, never named by a main file)
  std::ofstream(path + ".rank1.0123456789abcdef") << "left over";
  testing::RunRanks(2, [&](int, const Collective& comm) {
    omp_set_num_threads(1);
    RunControl control = StopAfter(5, path, 2);  // several checkpoints, each replacing the one before
    control.collective = &comm;
    RunScenario(sc, {}, control);
  });
  std::map<std::string, std::string> parts;  // file name -> contents
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename() != "checkpoint.bin") parts[e.path().filename().string()] = Slurp(e.path());
  ASSERT_EQ(parts.size(), 2u);
  int rank = 0;
  for (const auto& [name, contents] : parts) {
    // checkpoint.bin.rank<r>.<16 hex digits of the file's own SHA-256>
    const std::string prefix = "checkpoint.bin.rank" + std::to_string(rank++) + ".";
    ASSERT_EQ(name.substr(0, prefix.size()), prefix);
    EXPECT_EQ(name.substr(prefix.size()), Sha256Hex(contents).substr(0, 16)) << name;
  }
  // a changed part and a missing one are named, with the rank
  const fs::path part0 = dir / parts.begin()->first, part1 = dir / std::next(parts.begin())->first;
  std::string flipped = parts.begin()->second;
  flipped[flipped.size() / 2] ^= 1;
  WriteFileAtomic(part0.string(), flipped);
  fs::remove(part1);
  const auto resumed = ResumeOnRanks(sc, path, 2);
  EXPECT_TRUE(Contains(resumed[0].second, "is not the one checkpoint.bin records for rank 0")) << resumed[0].second;
  EXPECT_TRUE(Contains(resumed[0].second, part0.filename().string())) << resumed[0].second;
  EXPECT_TRUE(Contains(resumed[1].second, "no such file")) << resumed[1].second;
  EXPECT_TRUE(Contains(resumed[1].second, "rank 1's part")) << resumed[1].second;
  // a run that completes removes the main file and every part
  WriteFileAtomic(part1.string(), "x");
  RemoveCheckpoint(path);
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(CheckpointTest, ACheckpointOfEveryUserResumesOnRanksThatHoldEveryUser) {
  // written by one process: under 2 ranks it resumes replicated, to the same files
  const Case c = Cases()[1];
  const Scenario sc = Load(c);
  const auto expected = Files(TempDir("full"), sc, RunScenario(sc));
  const fs::path dir = TempDir("whole");
  const RunControl control = StopAfter(3, CheckpointPath(dir.string()));
  ASSERT_TRUE(RunScenario(sc, {}, control).partial);
  EXPECT_EQ(Checkpoint(control.checkpoint_path).parts(), 0);
  const auto resumed = ResumeOnRanks(sc, control.checkpoint_path, 2);
  ASSERT_EQ(resumed[0].second, "");
  EXPECT_TRUE(Contains(resumed[0].first.replicated_because, "holds every user")) << resumed[0].first.replicated_because;
  ExpectSameFiles(expected, Files(TempDir("resumed"), sc, resumed[0].first), "one process's checkpoint on 2 ranks");
}

TEST(CheckpointTest, PeriodicCheckpointSurvivesAnAbortedRun) {
  // a progress callback that throws (how the Python bindings abort) leaves the last
  // periodic checkpoint, which resumes to the uninterrupted result
  const Case c = Cases()[3];  // hash sharing: moderation, re-uploads and the hash database
  const Scenario sc = Load(c);
  const auto expected = Files(TempDir("full"), sc, RunScenario(sc));
  const fs::path dir = TempDir("aborted");
  RunControl control;
  control.checkpoint_every = 4;
  control.checkpoint_path = CheckpointPath(dir.string());
  EXPECT_THROW(RunScenario(
                   sc,
                   [](int64_t done, int64_t) {
                     if (done == 11) throw std::runtime_error("abort");
                   },
                   control),
               std::runtime_error);
  ASSERT_TRUE(fs::exists(control.checkpoint_path));
  RunControl resume;
  resume.resume_path = control.checkpoint_path;
  resume.checkpoint_every = 5;  // checkpoints may continue while resuming
  resume.checkpoint_path = control.checkpoint_path;
  ExpectSameFiles(expected, Files(TempDir("resumed"), sc, RunScenario(sc, {}, resume)), "aborted at step 11");
  // the checkpoint's own scenario parses back to the same hash
  EXPECT_EQ(ScenarioSha256(CheckpointScenario(control.checkpoint_path)), ScenarioSha256(sc));
}

TEST(CheckpointTest, ResumeRefusesAnotherScenarioAndCorruptFiles) {
  const Case c = Cases()[2];
  const Scenario sc = Load(c);
  const fs::path dir = TempDir("refuse");
  const RunControl control = StopAfter(5, CheckpointPath(dir.string()), 3);
  RunScenario(sc, {}, control);
  RunControl resume;
  resume.resume_path = control.checkpoint_path;
  // another seed: another hash
  Case other = c;
  other.sets.push_back("seed=99");
  const InputError e = CatchInputError([&] { RunScenario(Load(other), {}, resume); });
  EXPECT_TRUE(Contains(e.what(), "scenario hash")) << e.what();
  // a truncated and a corrupted copy
  const std::string bytes = Slurp(control.checkpoint_path);
  WriteFileAtomic(control.checkpoint_path, bytes.substr(0, bytes.size() / 3));
  EXPECT_TRUE(Contains(CatchInputError([&] { RunScenario(sc, {}, resume); }).what(), "checkpoint"));
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 1;
  WriteFileAtomic(control.checkpoint_path, flipped);
  EXPECT_TRUE(Contains(CatchInputError([&] { RunScenario(sc, {}, resume); }).what(), "corrupt checkpoint"));
}

// an intervention with state and no checkpoint support (the interface's default)
class Unsaveable : public Intervention {};

const bool kUnsaveable = InterventionRegistry::Get().Add(
    "checkpoint_test_unsaveable", {"test double without checkpoint support", {}},
    [](const Params&) -> std::unique_ptr<Intervention> { return std::make_unique<Unsaveable>(); });

TEST(CheckpointTest, PluginWithoutSupportIsNamed) {
  const std::string text = R"(
name: unsaveable
steps: 3
catalog: {type: synthetic, n_items: 300, dim: 8}
index: {factory: Flat}
population: {n_users: 20}
arms:
  - name: plain
  - name: custom
    interventions: [{type: checkpoint_test_unsaveable}]
)";
  const Scenario sc = ParseScenario(text, "<string>");
  RunControl control;
  control.checkpoint_every = 2;
  control.checkpoint_path = CheckpointPath(TempDir("unsaveable").string());
  control.scenario_text = text;
  const InputError e = CatchInputError([&] { RunScenario(sc, {}, control); });
  EXPECT_TRUE(Contains(e.what(),
                       "intervention 'checkpoint_test_unsaveable' of arm 'custom' does not support "
                       "checkpoints"))
      << e.what();
}

}  // namespace
}  // namespace counterpoint
