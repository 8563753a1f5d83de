// Sweeps: grid expansion, seeds, validation before any run, the tidy table (the same
// whichever way the points were distributed), resume.
#include "experiment/sweep.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/io.h"
#include "core/rng.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::Contains;
using testing::RunCommand;

// the message of the InputError f throws
template <class F>
std::string CatchInputError(F&& f) {
  return testing::CatchInputError(std::forward<F>(f)).what();
}

const char* kScenario = R"(name: tiny_sweep
seed: 41
steps: 3
replicates: 2
catalog: {type: synthetic, n_items: 400, dim: 8, n_topics: 4}
index: {factory: Flat}
population: {n_users: 60}
recommender: {candidates: 30, slate_size: 5}
arms:
  - name: engagement
  - name: relevance
    ranker: relevance
)";

struct TempDir {
  fs::path path;
  TempDir() : path(fs::temp_directory_path() / ("counterpoint_sweep_" + std::to_string(getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
    std::ofstream(path / "tiny.yaml") << kScenario;
  }
  ~TempDir() { fs::remove_all(path); }
  std::string Scenario() const { return (path / "tiny.yaml").string(); }
};

TEST(SweepTest, GridAxesParseAndRejectMalformedOnes) {
  const GridAxis a = ParseGridAxis("user_model.extremity_appeal=0,2.5,4");
  EXPECT_EQ(a.key, "user_model.extremity_appeal");
  EXPECT_EQ(a.values, (std::vector<std::string>{"0", "2.5", "4"}));
  EXPECT_TRUE(Contains(CatchInputError([] { ParseGridAxis("steps"); }), "key.path=v1,v2"));
  EXPECT_TRUE(Contains(CatchInputError([] { ParseGridAxis("steps="); }), "key.path=v1,v2"));
  EXPECT_TRUE(Contains(CatchInputError([] { ParseGridAxis("steps=1,,2"); }), "empty value"));
  EXPECT_TRUE(Contains(CatchInputError([] { ParseGridAxis("steps=1,2,1"); }), "'1' is given twice"));
}

TEST(SweepTest, PointsAreTheProductLastAxisFastestEachOnItsOwnSeed) {
  TempDir tmp;
  const SweepPlan plan = PlanSweep(tmp.Scenario(), {}, {},
                                   {ParseGridAxis("population.n_users=20,30"), ParseGridAxis("steps=2,3,4")}, false);
  ASSERT_EQ(plan.points.size(), 6u);
  EXPECT_EQ(plan.master_seed, 41u);
  const std::vector<std::vector<std::string>> expected = {{"20", "2"}, {"20", "3"}, {"20", "4"},
                                                          {"30", "2"}, {"30", "3"}, {"30", "4"}};
  std::set<uint64_t> seeds;
  std::set<std::string> hashes;
  for (size_t p = 0; p < 6; ++p) {
    EXPECT_EQ(plan.points[p].values, expected[p]);
    seeds.insert(plan.points[p].seed);
    hashes.insert(plan.points[p].scenario_sha256);
    // a point's seed is neither the master seed nor one of the master's replicate seeds
    EXPECT_NE(plan.points[p].seed, 41u);
    EXPECT_NE(plan.points[p].seed, DeriveSeed(41, 0));
    EXPECT_NE(plan.points[p].seed, DeriveSeed(41, 1));
  }
  EXPECT_EQ(seeds.size(), 6u);
  EXPECT_EQ(hashes.size(), 6u);
  // with common seeds every point runs on the master seed
  const SweepPlan crn = PlanSweep(tmp.Scenario(), {}, {}, {ParseGridAxis("steps=2,3")}, true);
  EXPECT_EQ(crn.points[0].seed, 41u);
  EXPECT_EQ(crn.points[1].seed, 41u);
}

TEST(SweepTest, BadValuesAndOversizedGridsFailBeforeAnyRun) {
  TempDir tmp;
  const std::string msg =
      CatchInputError([&] { PlanSweep(tmp.Scenario(), {}, {}, {ParseGridAxis("steps=2,-1")}, false); });
  EXPECT_TRUE(Contains(msg, "grid point 1 (steps=-1)")) << msg;
  EXPECT_TRUE(
      Contains(CatchInputError([&] {
                 PlanSweep(tmp.Scenario(), {}, {}, {ParseGridAxis("steps=1,2"), ParseGridAxis("steps=3")}, false);
               }),
               "two --grid axes"));
  EXPECT_TRUE(Contains(CatchInputError([&] { PlanSweep(tmp.Scenario(), {}, {}, {ParseGridAxis("seed=1,2")}, false); }),
                       "cannot be swept"));
  // 3 x 3 x 3 = 27 points against a limit of 20
  const std::string big = CatchInputError([&] {
    PlanSweep(tmp.Scenario(), {}, {},
              {ParseGridAxis("steps=1,2,3"), ParseGridAxis("replicates=1,2,3"), ParseGridAxis("batch_size=1,2,3")},
              false, 20);
  });
  EXPECT_TRUE(Contains(big, "more than 20 points")) << big;
}

TEST(SweepTest, TheTableIsTheSameInOneProcessOrManyAndEachPointIsAPlainRun) {
  TempDir tmp;
  const std::string cli = COUNTERPOINT_CLI;
  const std::string common = cli + " sweep " + tmp.Scenario() + " --grid population.n_users=40,60 --grid " +
                             "recommender.slate_size=4,6 --quiet --threads 1";
  const CommandResult one = RunCommand(common + " --jobs 1 --out " + (tmp.path / "one").string());
  ASSERT_EQ(one.status, 0) << one.output;
  const CommandResult two = RunCommand(common + " --jobs 2 --out " + (tmp.path / "two").string());
  ASSERT_EQ(two.status, 0) << two.output;
  const std::string table = ReadFile((tmp.path / "one" / "sweep_results.csv").string());
  EXPECT_EQ(table, ReadFile((tmp.path / "two" / "sweep_results.csv").string()));
  // 4 points x 2 arms x the metric columns, plus the header
  const CsvTable t = ReadCsv((tmp.path / "one" / "sweep_results.csv").string());
  const nlohmann::json summary =
      nlohmann::json::parse(ReadFile((tmp.path / "one" / "points" / "0000" / "summary.json").string()));
  EXPECT_EQ(t.rows.size(), 4 * 2 * summary["arms"]["engagement"]["final"].size());
  EXPECT_EQ(t.header[1], "population.n_users");
  EXPECT_EQ(t.header[2], "recommender.slate_size");
  // point 2 (n_users 60, slate 4) is the run `counterpoint run` makes with those settings and its seed
  const nlohmann::json sweep = nlohmann::json::parse(ReadFile((tmp.path / "one" / "sweep.json").string()));
  const uint64_t seed = sweep["points"][2]["seed"].get<uint64_t>();
  const CommandResult run = RunCommand(cli + " run " + tmp.Scenario() +
                                       " --quiet --threads 2 --set population.n_users=60 --set "
                                       "recommender.slate_size=4 --set seed=" +
                                       std::to_string(seed) + " --out " + (tmp.path / "direct").string());
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(ReadFile((tmp.path / "direct" / "metrics.csv").string()),
            ReadFile((tmp.path / "one" / "points" / "0002" / "metrics.csv").string()));
  // and the table's rows for it are that run's summary
  const nlohmann::json direct = nlohmann::json::parse(ReadFile((tmp.path / "direct" / "summary.json").string()));
  const int c_point = t.RequireColumn("point"), c_arm = t.RequireColumn("arm"), c_metric = t.RequireColumn("metric"),
            c_mean = t.RequireColumn("mean");
  int checked = 0;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    if (t.rows[i][c_point] != "2" || t.rows[i][c_metric] != "harmful_exposure_share") continue;
    EXPECT_NEAR(CsvDouble(t, i, c_mean),
                direct["arms"][t.rows[i][c_arm]]["final"]["harmful_exposure_share"]["mean"].get<double>(), 1e-8);
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST(SweepTest, AnInterruptedSweepResumesRunningOnlyTheUnfinishedPoints) {
  TempDir tmp;
  const std::string out = (tmp.path / "s").string();
  const std::string cmd = std::string(COUNTERPOINT_CLI) + " sweep " + tmp.Scenario() +
                          " --grid population.n_users=40,50,60 --threads 1 --out " + out;
  ASSERT_EQ(RunCommand(cmd + " --quiet").status, 0);
  const std::string table = ReadFile(out + "/sweep_results.csv");
  // as if the sweep had been killed while point 1 ran: its manifest (written last) is missing
  fs::remove(out + "/points/0001/manifest.json");
  fs::remove(out + "/sweep_results.csv");
  const auto before0 = fs::last_write_time(out + "/points/0000/metrics.csv");
  const auto before2 = fs::last_write_time(out + "/points/0002/metrics.csv");
  const CommandResult again = RunCommand(cmd);
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_TRUE(Contains(again.output, "3 point(s), 1 to run")) << again.output;
  EXPECT_EQ(fs::last_write_time(out + "/points/0000/metrics.csv"), before0);
  EXPECT_EQ(fs::last_write_time(out + "/points/0002/metrics.csv"), before2);
  EXPECT_TRUE(fs::exists(out + "/points/0001/manifest.json"));
  EXPECT_EQ(ReadFile(out + "/sweep_results.csv"), table);
  // a different common setting changes every point's scenario: nothing is reused
  const CommandResult changed = RunCommand(cmd + " --set steps=2");
  ASSERT_EQ(changed.status, 0) << changed.output;
  EXPECT_TRUE(Contains(changed.output, "3 point(s), 3 to run")) << changed.output;
}

}  // namespace
}  // namespace counterpoint
