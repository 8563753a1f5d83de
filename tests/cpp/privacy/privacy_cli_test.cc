// `counterpoint ingest` and `counterpoint release` end to end, on a real (small) scenario run.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/io.h"
#include "privacy/budget_ledger.h"
#include "privacy/policy.h"
#include "privacy/pseudonymize.h"
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
  ngo: {epsilon_budget: 1.0, min_cohort: 10}
  public: {epsilon_budget: 1.0, threshold: 50}
requesters:
  team: {tiers: [platform]}
  ngo_a: {tiers: [ngo], organisation: 6003}
  press: {tiers: [public]}
  x: {tiers: [public]}
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
  // delta: one pure release holds at delta 0, far below 1/n for the run's 2500 users
  EXPECT_EQ(m["guarantee"]["composed"]["delta"], 0.0);
  EXPECT_EQ(m["guarantee"]["users"], 2500);
  EXPECT_DOUBLE_EQ(m["guarantee"]["delta_cap"].get<double>(), 1.0 / 2500);
  // 0.6 + 0.6 > 1.0: refused with exit code 2, nothing written
  const auto again = RunCommand(base + " --tier public --requester ' PRESS ' --epsilon 0.6 --out " + (dir / "p2.csv"));
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

// what a determined requester tries through the CLI alone, on a small run directory
TEST(PrivacyCliTest, ARequesterCannotGetAFreshBudgetOrATierTheyDoNotHold) {
  testing::TempDir dir("privacy_cli_attack");
  std::vector<testing::FakeImpression> rows;
  for (int u = 0; u < 200; ++u) rows.push_back({u, "control", false, -1, u % 2 == 0});
  testing::WriteFakeRun(dir / "run", {"control"}, rows, std::string(64, 'd'), 400);
  testing::WriteText(dir / "policy.yaml", R"(name: attack
tiers:
  platform: {}
  vetted_researcher: {epsilon_budget: 1.0}
  public: {epsilon_budget: 1.0, threshold: 10}
requesters:
  Mallory Example:
    tiers: [public]
    aliases: ["mallory@example.org"]
  team: {tiers: [platform]}
)");
  const std::string base = Cli() + " release " + (dir / "run") + " --policy " + (dir / "policy.yaml");
  const auto first =
      RunCommand(base + " --tier public --requester 'Mallory Example' --epsilon 0.8 --out " + (dir / "1.csv"));
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_TRUE(
      testing::Contains(first.output, "epsilon spent by 'mallory example' on project:attack: 0.8 (delta 0) of 1"))
      << first.output;
  // spellings of the same name: case, white space, an address with any display name
  for (const char* spelling :
       {"'MALLORY  EXAMPLE'", "' mallory example'", "'Mallory@Example.org'", "'Not Mallory <mallory@example.org>'"}) {
    const auto r =
        RunCommand(base + " --tier public --requester " + spelling + " --epsilon 0.3 --out " + (dir / "2.csv"));
    EXPECT_EQ(r.status, 2) << spelling << r.output;
    EXPECT_TRUE(testing::Contains(r.output, "release refused: requester 'mallory example' has spent epsilon 0.8"))
        << spelling << r.output;
  }
  // a name the policy does not list: refused (not a fresh budget), naming the fix
  const auto stranger =
      RunCommand(base + " --tier public --requester 'mallory2@example.org' --epsilon 0.3 --out " + (dir / "2.csv"));
  EXPECT_EQ(stranger.status, 2) << stranger.output;
  EXPECT_TRUE(testing::Contains(stranger.output,
                                "policy.yaml:6:1: error: requester 'mallory2@example.org' "
                                "(normalised: 'mallory2@example.org') is not listed under requesters:"))
      << stranger.output;
  // a tier she does not hold: the researchers' (no threshold) and the platform's (raw trajectories)
  const auto vetted = RunCommand(base + " --tier vetted_researcher --requester 'Mallory Example' --epsilon 0.3 --out " +
                                 (dir / "2.csv"));
  EXPECT_EQ(vetted.status, 2) << vetted.output;
  EXPECT_TRUE(testing::Contains(vetted.output,
                                "policy.yaml:7:3: error: requester 'Mallory Example' (asked as "
                                "'Mallory Example') does not hold the tier 'vetted_researcher'"))
      << vetted.output;
  const auto platform = RunCommand(base + " --tier platform --requester mallory@example.org --key " + (dir / "k") +
                                   " --out " + (dir / "2.csv"));
  EXPECT_EQ(platform.status, 2) << platform.output;
  EXPECT_TRUE(testing::Contains(platform.output, "does not hold the tier 'platform'")) << platform.output;
  EXPECT_FALSE(fs::exists(dir / "2.csv"));
  // epsilon that underflows to 0, or is 0 or negative, says so
  const auto tiny =
      RunCommand(base + " --tier public --requester 'Mallory Example' --epsilon 1e-400 --out " + (dir / "2.csv"));
  EXPECT_EQ(tiny.status, 2) << tiny.output;
  EXPECT_TRUE(testing::Contains(tiny.output,
                                "--epsilon: error: epsilon must be positive: '1e-400' is below the "
                                "smallest positive double"))
      << tiny.output;
  const auto zero =
      RunCommand(base + " --tier public --requester 'Mallory Example' --epsilon 0 --out " + (dir / "2.csv"));
  EXPECT_EQ(zero.status, 2) << zero.output;
  EXPECT_TRUE(testing::Contains(zero.output, "epsilon must be positive and finite, got '0'")) << zero.output;
  // what she has left (0.2) she can still spend, under any of her spellings
  const auto rest =
      RunCommand(base + " --tier public --requester 'mallory@example.org' --epsilon 0.2 --out " + (dir / "3.csv"));
  EXPECT_EQ(rest.status, 0) << rest.output;
  const auto m = nlohmann::json::parse(ReadFile(dir / "3.csv.manifest.json"));
  EXPECT_EQ(m["requester"], "mallory example");
  EXPECT_NEAR(m["guarantee"]["composed"]["epsilon"].get<double>(), 1.0, 1e-12);
  EXPECT_EQ(m["guarantee"]["composed"]["delta"], 0.0);
  EXPECT_EQ(m["guarantee"]["composed"]["releases"], 2);
}

// every shipped example policy loads and gives each of its requesters a release of each tier they hold
TEST(PrivacyCliTest, EveryShippedPolicyReleasesThroughTheCli) {
  testing::TempDir dir("privacy_cli_shipped");
  std::vector<testing::FakeImpression> rows;
  for (int u = 0; u < 300; ++u)
    for (int i = 0; i < 3; ++i) rows.push_back({u, "control", i == 2, i == 2 ? (u % 2 ? 6003 : 6004) : -1, i == 0});
  testing::WriteFakeRun(dir / "run", {"control"}, rows, std::string(64, 'e'), 300);
  const std::string key = dir / "project.key";
  privacy::PseudonymKey::LoadOrCreate(key, true);
  int releases = 0;
  for (const std::string name : {"in_house", "vetted_researcher", "ngo", "public"}) {
    // a copy, as the docs say: the ledger is created beside it, not in the checkout
    const std::string copy = dir / (name + ".yaml");
    fs::copy_file(std::string(COUNTERPOINT_SOURCE_DIR) + "/policies/" + name + ".yaml", copy);
    const privacy::Policy policy = privacy::LoadPolicy(copy);
    EXPECT_EQ(policy.name, name);
    EXPECT_FALSE(policy.requesters.empty()) << name;
    for (const auto& [id, who] : policy.requesters) {
      for (const privacy::Tier tier : who.tiers) {
        const std::string out = dir / (name + "_" + std::to_string(releases) + ".csv");
        std::string cmd = Cli() + " release " + (dir / "run") + " --policy " + copy + " --tier " +
                          privacy::TierName(tier) + " --requester '" + who.written + "' --out " + out;
        if (tier == privacy::Tier::kPlatform)
          cmd += " --key " + key;
        else if (policy.Get(tier).mechanism == privacy::Mechanism::kGaussian)
          cmd += " --rho 0.01";
        else
          cmd += " --epsilon 0.1";
        const auto r = RunCommand(cmd);
        ASSERT_EQ(r.status, 0) << name << " " << id << " " << privacy::TierName(tier) << ": " << r.output;
        const auto m = nlohmann::json::parse(ReadFile(out + ".manifest.json"));
        EXPECT_EQ(m["policy"]["name"], name);
        EXPECT_EQ(m["requester"], id);
        // every manifest says whom its guarantee covers: a DP tier each user's own rows, not
        // that user's influence on others' rows; the platform tier nobody
        const std::string covers = m["guarantee"]["covers"];
        if (tier == privacy::Tier::kPlatform) {
          EXPECT_EQ(covers.rfind("nobody: the platform tier receives per-user trajectories", 0), 0u) << covers;
        } else {
          EXPECT_EQ(covers.rfind("each user's own rows of the table's input", 0), 0u) << covers;
          EXPECT_TRUE(testing::Contains(covers, "It does not cover the influence of one user on other users' rows"))
              << covers;
          EXPECT_TRUE(testing::Contains(covers,
                                        "it is not a differential-privacy guarantee for the real people's "
                                        "data the run was calibrated from"))
              << covers;
        }
        if (tier == privacy::Tier::kNgo) {
          EXPECT_EQ(m["organisation"], who.organisation);
        }
        ++releases;
      }
    }
    EXPECT_TRUE(fs::exists(dir / "ledger.sqlite")) << name;
  }
  // in_house: 2 tiers for one team; vetted_researcher: 2 researchers; ngo: 2 NGOs; public: 1 office
  EXPECT_EQ(releases, 7);
  EXPECT_FALSE(fs::exists(std::string(COUNTERPOINT_SOURCE_DIR) + "/policies/ledger.sqlite"));
}

// what is charged is the policy's project, not the run: a re-run, a sweep point, another
// description or an edited manifest of the same people shares one budget; the audit row names
// the event log's bytes as read
TEST(PrivacyCliTest, ARerunASweepPointOrAnEditedManifestGetsNoFreshBudget) {
  testing::TempDir dir("privacy_cli_charged");
  std::vector<testing::FakeImpression> rows;
  for (int u = 0; u < 200; ++u) rows.push_back({u, "control", false, -1, u % 3 == 0});
  testing::WriteFakeRun(dir / "run", {"control"}, rows, std::string(64, '1'), 400);
  // a re-run or sweep point: another scenario hash (seed, a swept value), the same users
  testing::WriteFakeRun(dir / "rerun", {"control"}, rows, std::string(64, '2'), 400);
  testing::WriteText(dir / "policy.yaml", R"(name: charged
project: reach_2026
tiers:
  public: {epsilon_budget: 1.0, threshold: 10}
requesters:
  mallory: {tiers: [public]}
)");
  const auto release = [&](const std::string& run, const std::string& out, double eps) {
    return RunCommand(Cli() + " release " + (dir / run) + " --policy " + (dir / "policy.yaml") +
                      " --tier public --requester mallory --epsilon " + std::to_string(eps) + " --out " + (dir / out));
  };
  const auto first = release("run", "1.csv", 0.8);
  ASSERT_EQ(first.status, 0) << first.output;
  const auto m = nlohmann::json::parse(ReadFile(dir / "1.csv.manifest.json"));
  EXPECT_EQ(m["dataset"], "project:reach_2026");
  // the audit row names the events as read (a plain CSV: the file's own SHA-256)
  {
    privacy::BudgetLedger ledger(dir / "ledger.sqlite");
    const auto audit = ledger.Audit();
    ASSERT_EQ(audit.size(), 1u);
    EXPECT_EQ(audit[0].dataset, "project:reach_2026");
    EXPECT_TRUE(testing::Contains(audit[0].what, "(sha256 as read " + Sha256File(dir / "run/impressions.csv").sha256))
        << audit[0].what;
  }
  // the manifest edited: another scenario hash, name and description
  fs::copy(dir / "run", dir / "edited", fs::copy_options::recursive);
  auto edited = nlohmann::json::parse(ReadFile(dir / "edited/manifest.json"));
  edited["scenario_sha256"] = std::string(64, 'f');
  edited["resolved_scenario"]["name"] = "another study";
  edited["resolved_scenario"]["description"] = "nothing to do with the first";
  testing::WriteText(dir / "edited/manifest.json", edited.dump());
  for (const std::string run : {"rerun", "edited", "run"}) {
    const auto r = release(run, "2.csv", 0.5);
    EXPECT_EQ(r.status, 2) << run << r.output;
    EXPECT_TRUE(testing::Contains(r.output,
                                  "release refused: requester 'mallory' has spent epsilon 0.8 (delta 0) on "
                                  "dataset project:reach_2026"))
        << run << r.output;
  }
  EXPECT_FALSE(fs::exists(dir / "2.csv"));
  // a manifest that shrinks the population (to loosen delta's cap 1/n) is refused against the log
  edited["resolved_scenario"]["population"]["n_users"] = 150;
  testing::WriteText(dir / "edited/manifest.json", edited.dump());
  const auto shrunk = release("edited", "2.csv", 0.1);
  EXPECT_EQ(shrunk.status, 2) << shrunk.output;
  EXPECT_TRUE(testing::Contains(shrunk.output, "resolved_scenario.population.n_users is 150, but the event log " +
                                                   (dir / "edited/impressions.csv") + " has a user 199"))
      << shrunk.output;
  // what is left, from any of the runs
  EXPECT_EQ(release("rerun", "3.csv", 0.2).status, 0);
}

}  // namespace
}  // namespace counterpoint
