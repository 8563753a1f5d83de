// `counterpoint ingest` and `counterpoint release` end to end, on a real (small) scenario run.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/io.h"
#include "privacy_test_util.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;

std::string Cli() { return COUNTERPOINT_CLI; }

TEST(PrivacyCliTest, RunThenReleaseThroughTheGate) {
  testing::TempDir dir("privacy_cli");
  const std::string scenario = std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/ngo_reach.yaml";
  const auto run = RunCommand(Cli() + " run " + scenario + " --quiet --threads 2 --out " + (dir / "run") +
                              " --arms control,campaign --set replicates=1 steps=8 population.n_users=2500 "
                              "catalog.n_items=4000 output.events=true");
  ASSERT_EQ(run.status, 0) << run.output;
  testing::WriteText(dir / "policy.yaml", R"(name: cli_policy
ledger: ledger.sqlite
tiers:
  platform: {}
  ngo: {epsilon_budget: 1.0, min_cohort: 10, organisations: {ngo_a: 6003}}
  public: {epsilon_budget: 1.0, threshold: 50}
)");
  const std::string base = Cli() + " release " + (dir / "run") + " --policy " + (dir / "policy.yaml");
  const auto pub = RunCommand(base + " --tier public --requester press --epsilon 0.6 --out " + (dir / "pub.csv"));
  ASSERT_EQ(pub.status, 0) << pub.output;
  const CsvTable t = ReadCsv(dir / "pub.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"arm", "source", "users", "impressions", "clicks", "status"}));
  ASSERT_EQ(t.rows.size(), 4u);  // 2 arms x {organic, injected}
  // the control arm's organic cell holds all 2500 users: released (noise scale 4 (2*10+1)/0.6 = 140;
  // suppressed only if the noise fell below 50 - 2500, probability < exp(-2450/140) = 2.5e-8)
  EXPECT_EQ(t.rows[0][0], "control");
  EXPECT_EQ(t.rows[0][5], "released");
  // control injects nothing: its injected cell has 0 users; it is suppressed unless noise above 50
  // (probability exp(-50/140)/(1+e^{-1/140}) ~ 0.35); both outcomes are legal, the value never < 50
  if (t.rows[1][5] == "released") {
    EXPECT_GE(std::stoll(t.rows[1][2]), 50);
  }
  const auto m = nlohmann::json::parse(ReadFile(dir / "pub.csv.manifest.json"));
  const auto run_manifest = nlohmann::json::parse(ReadFile(dir / "run/manifest.json"));
  EXPECT_EQ(m["scenario_sha256"], run_manifest["scenario_sha256"]);
  EXPECT_EQ(m["mechanism"]["name"], "discrete_laplace");
  EXPECT_EQ(m["mechanism"]["l1_sensitivity"], 84);
  EXPECT_DOUBLE_EQ(m["mechanism"]["epsilon"].get<double>(), 0.6);
  EXPECT_EQ(m["version"].get<std::string>().empty(), false);
  // 0.6 + 0.6 > 1.0: refused with exit code 2, nothing written
  const auto again = RunCommand(base + " --tier public --requester press --epsilon 0.6 --out " + (dir / "p2.csv"));
  EXPECT_EQ(again.status, 2) << again.output;
  EXPECT_TRUE(testing::Contains(again.output, "release refused")) << again.output;
  EXPECT_FALSE(fs::exists(dir / "p2.csv"));
  // a tier the policy does not grant, and a bad tier name: exit code 2
  EXPECT_EQ(RunCommand(base + " --tier vetted_researcher --requester x --epsilon 0.1 --out " + (dir / "v.csv")).status,
            2);
  EXPECT_EQ(RunCommand(base + " --tier admin --requester x --epsilon 0.1 --out " + (dir / "v.csv")).status, 2);
  // ngo: only its own organisation's items
  const auto ngo = RunCommand(base + " --tier ngo --requester ngo_a --epsilon 0.5 --out " + (dir / "ngo.csv"));
  ASSERT_EQ(ngo.status, 0) << ngo.output;
  for (const auto& row : ReadCsv(dir / "ngo.csv").rows) EXPECT_EQ(row[2], "6003");
  // platform: pseudonymised trajectories with the project key
  const auto ing = RunCommand("printf 'user_id,item_id,timestamp,event,name\\nu1,3,1,click,Ann\\n' > " +
                              (dir / "logs.csv") + " && " + Cli() + " ingest " + (dir / "logs.csv") + " --key " +
                              (dir / "project.key") + " --out " + (dir / "ingested"));
  ASSERT_EQ(ing.status, 0) << ing.output;
  EXPECT_TRUE(testing::Contains(ing.output, "Dropped columns: name")) << ing.output;
  struct stat st {};
  ASSERT_EQ(stat((dir / "project.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto plat = RunCommand(base + " --tier platform --requester team --key " + (dir / "project.key") + " --out " +
                               (dir / "traj.csv"));
  ASSERT_EQ(plat.status, 0) << plat.output;
  const CsvTable traj = ReadCsv(dir / "traj.csv");
  const CsvTable impr = ReadCsv(dir / "run/impressions.csv.gz");
  ASSERT_EQ(traj.rows.size(), impr.rows.size());
  EXPECT_EQ(traj.rows[0][3].size(), 32u);
  EXPECT_NE(traj.rows[0][3], impr.rows[0][3]);
}

}  // namespace
}  // namespace counterpoint
