// End-to-end runs of the `counterpoint` binary.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/io.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;

std::string Cli() { return COUNTERPOINT_CLI; }
std::string Scenario(const std::string& name) { return std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/" + name; }

fs::path TempDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("counterpoint_cli_test_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

TEST(CliTest, HelpOnEveryCommand) {
  for (const char* cmd : {"", " run", " list"}) {
    const auto r = RunCommand(Cli() + cmd + " --help");
    EXPECT_EQ(r.status, 0) << cmd;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << cmd;
  }
}

TEST(CliTest, RabbitHoleDirectionEndToEnd) {
  // the default scenario, smaller: the engagement arm's harmful exposure and
  // extremity rise over the run, above every control on the same candidates;
  // the non-personalised sample stays at the catalog's base rate
  const fs::path out = TempDir("rabbit");
  const auto r = RunCommand(Cli() + " run " + Scenario("rabbit_hole.yaml") + " --quiet --threads 2 --out " +
                            out.string() + " --set replicates=1 population.n_users=1500 steps=40");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("engagement"), std::string::npos);
  for (const char* f : {"metrics.csv", "summary.json", "metrics_summary.csv", "manifest.json"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  const auto csv = ReadCsv((out / "metrics.csv").string());
  const int c_arm = csv.RequireColumn("arm"), c_step = csv.RequireColumn("step");
  const int c_harm = csv.RequireColumn("harmful_exposure_share"), c_ext = csv.RequireColumn("extremity_mean");
  std::map<std::string, std::vector<double>> harm, ext;
  for (size_t i = 0; i < csv.rows.size(); ++i) {
    harm[csv.rows[i][c_arm]].push_back(CsvDouble(csv, i, c_harm));
    ext[csv.rows[i][c_arm]].push_back(CsvDouble(csv, i, c_ext));
    EXPECT_EQ(CsvInt(csv, i, c_step), static_cast<int64_t>(harm[csv.rows[i][c_arm]].size() - 1));
  }
  // average of the first and last five steps
  auto rise = [](const std::vector<double>& v) {
    double a = 0, b = 0;
    for (int i = 0; i < 5; ++i) a += v[i] / 5, b += v[v.size() - 1 - i] / 5;
    return b - a;
  };
  EXPECT_GT(rise(harm["engagement"]), 0.04);
  EXPECT_GT(rise(ext["engagement"]), 0.04);
  EXPECT_LT(std::abs(rise(harm["random_sample"])), 0.02);
  EXPECT_LT(rise(ext["random_sample"]), rise(ext["engagement"]) / 3);
  // the controls ranking the same candidates end with less harmful exposure and extremity
  auto last = [](const std::vector<double>& v) {
    double b = 0;
    for (int i = 0; i < 5; ++i) b += v[v.size() - 1 - i] / 5;
    return b;
  };
  // (one replicate: a smoke test of the direction with a margin well under the effect,
  // about 0.017 against newest_first at this size, and well over the rounding differences
  // between SIMD kernels, about 0.003; the paired-CI test is validity_test's, label slow)
  for (const char* control : {"relevance", "shuffled", "newest_first"}) {
    EXPECT_GT(last(harm["engagement"]), last(harm[control]) + 0.01) << control;
    EXPECT_GT(last(ext["engagement"]), last(ext[control]) + 0.01) << control;
  }
  // metrics_summary.csv: with one replicate, each mean is that replicate's value and no CI is given
  const auto sum_csv = ReadCsv((out / "metrics_summary.csv").string());
  EXPECT_EQ(sum_csv.header, (std::vector<std::string>{"step", "arm", "metric", "mean", "ci95_low", "ci95_high", "n"}));
  EXPECT_EQ(sum_csv.rows.size(), csv.rows.size() * (csv.header.size() - 4));
  std::map<std::string, double> value;  // "step,arm,metric" -> metrics.csv cell
  for (size_t i = 0; i < csv.rows.size(); ++i)
    for (size_t c = 4; c < csv.header.size(); ++c)
      value[csv.rows[i][c_step] + "," + csv.rows[i][c_arm] + "," + csv.header[c]] = CsvDouble(csv, i, c);
  for (size_t i = 0; i < sum_csv.rows.size(); ++i) {
    const auto& row = sum_csv.rows[i];
    const std::string key = row[0] + "," + row[1] + "," + row[2];
    ASSERT_TRUE(value.count(key)) << key;
    if (std::isnan(value[key]))
      EXPECT_EQ(row[3], "") << key;
    else
      EXPECT_EQ(CsvDouble(sum_csv, i, 3), value[key]) << key;
    EXPECT_EQ(row[4], "") << key;
    EXPECT_EQ(row[5], "") << key;
    EXPECT_EQ(row[6], "1") << key;
  }
  // summary and manifest are well-formed and agree with the run
  const auto summary = nlohmann::json::parse(ReadFile((out / "summary.json").string()));
  EXPECT_EQ(summary["baseline_arm"], "engagement");
  EXPECT_TRUE(summary["arms"]["relevance"]["difference_vs_baseline"].contains("harmful_exposure_share"));
  const auto manifest = nlohmann::json::parse(ReadFile((out / "manifest.json").string()));
  EXPECT_EQ(manifest["resolved_scenario"]["population"]["n_users"], 1500);
  EXPECT_EQ(manifest["scenario_sha256"].get<std::string>().size(), 64u);
  EXPECT_TRUE(manifest["inputs"].empty());  // a synthetic catalog reads no file
  EXPECT_FALSE(manifest["git_revision"].get<std::string>().empty());
  fs::remove_all(out);
}

TEST(CliTest, AnEarlierResultIsNeverOverwrittenUnasked) {
  const fs::path a = TempDir("keep_a"), b = TempDir("keep_b");
  const std::string small = " --quiet --threads 1 --set replicates=1 population.n_users=200 steps=2";
  const std::string run = Cli() + " run " + Scenario("rabbit_hole.yaml") + small;
  ASSERT_EQ(RunCommand(run + " --out " + a.string()).status, 0);
  const std::string first = ReadFile((a / "manifest.json").string());
  // --out onto a result: refused, naming it, and the manifest is untouched
  const auto again = RunCommand(run + " --out " + a.string());
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.output.find("already holds a result of scenario 'rabbit_hole'"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("--overwrite"), std::string::npos) << again.output;
  EXPECT_EQ(ReadFile((a / "manifest.json").string()), first);
  // asked: replaced
  EXPECT_EQ(RunCommand(run + " --out " + a.string() + " --overwrite").status, 0);
  // the scenario's output.dir onto a result: the new one goes to a timestamped sibling
  const std::string by_default = run + " --set output.dir=" + b.string();
  ASSERT_EQ(RunCommand(by_default).status, 0);
  const std::string kept = ReadFile((b / "manifest.json").string());
  const auto moved = RunCommand(by_default);
  ASSERT_EQ(moved.status, 0) << moved.output;
  EXPECT_NE(moved.output.find("already holds a result; writing to '" + b.string() + "-"), std::string::npos)
      << moved.output;
  EXPECT_EQ(ReadFile((b / "manifest.json").string()), kept);
  int siblings = 0;
  for (const auto& e : fs::directory_iterator(b.parent_path())) {
    const std::string name = e.path().filename().string();
    if (name.rfind(b.filename().string() + "-", 0) == 0 && fs::exists(e.path() / "manifest.json")) {
      ++siblings;
      fs::remove_all(e.path());
    }
  }
  EXPECT_EQ(siblings, 1);
  fs::remove_all(a), fs::remove_all(b);
}

TEST(CliTest, ShippedScenariosRunByNameFromAnyDirectory) {
  const fs::path cwd = TempDir("by_name");
  fs::create_directories(cwd);
  const auto r = RunCommand("cd " + cwd.string() + " && " + Cli() +
                            " run rabbit_hole --quiet --threads 1 --out here --set replicates=1 "
                            "population.n_users=200 steps=2");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(cwd / "here" / "manifest.json"));
  const auto listed = RunCommand(Cli() + " list scenarios");
  ASSERT_EQ(listed.status, 0);
  EXPECT_NE(listed.output.find("rabbit_hole: Engagement ranking against fair controls"), std::string::npos)
      << listed.output;
  const auto missing = RunCommand("cd " + cwd.string() + " && " + Cli() + " run rabit_hole");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.output.find("current directory " + cwd.string()), std::string::npos) << missing.output;
  EXPECT_NE(missing.output.find("rabbit_hole"), std::string::npos) << missing.output;
  fs::remove_all(cwd);
}

TEST(CliTest, ListMetricsGivesEachColumnsKindUnitAndDefinition) {
  const auto listed = RunCommand(Cli() + " list metrics");
  ASSERT_EQ(listed.status, 0) << listed.output;
  for (const char* line :
       {"  rabbit_hole:\n      rabbit_hole_share (share, share of users): users whose last",
        "      extremity_mean (signed, projection on the extremity direction)",
        "  moderation:\n      mod_removed (level, items): items removed this step",
        "      cn_org<k>_impressions (level, impressions)", "a world of platforms (a scenario's world block",
        "      notices@<platform> (level, notices): trusted flaggers' notices received so far, on "
        "that platform"})
    EXPECT_NE(listed.output.find(line), std::string::npos) << line << "\n" << listed.output;
  EXPECT_NE(listed.output.find("observers (default: exposure, rabbit_hole, extremity, engagement, diversity)"),
            std::string::npos)
      << listed.output;
  // and under each plug-in in the full listing
  const auto all = RunCommand(Cli() + " list");
  EXPECT_NE(all.output.find("      metric harmful_reach (share, share of users)"), std::string::npos);
  // and the world block's keys, block by block
  EXPECT_NE(all.output.find("  world.trusted_flaggers: Trusted flaggers' notices"), std::string::npos) << all.output;
  EXPECT_NE(all.output.find("      rescan (boolean, default false): re-scans its live items"), std::string::npos);
  EXPECT_EQ(RunCommand(Cli() + " list metric").status, 2) << "an unknown section is refused";
}

TEST(CliTest, SameSeedSameMetricsAcrossThreadCounts) {
  const fs::path a = TempDir("det_a"), b = TempDir("det_b");
  const std::string args = " run " + Scenario("rabbit_hole.yaml") +
                           " --quiet --set replicates=1 population.n_users=300 steps=6 catalog.n_items=2000 --out ";
  ASSERT_EQ(RunCommand(Cli() + args + a.string() + " --threads 1").status, 0);
  ASSERT_EQ(RunCommand(Cli() + args + b.string() + " --threads 2").status, 0);
  EXPECT_EQ(ReadFile((a / "metrics.csv").string()), ReadFile((b / "metrics.csv").string()));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(CliTest, BadInputExitsNonZeroWithLocation) {
  const std::string bad = std::string(COUNTERPOINT_SOURCE_DIR) + "/tests/data/scenarios/unknown_plugin.yaml";
  const auto r = RunCommand(Cli() + " run " + bad + " --quiet --out " + TempDir("bad").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("unknown_plugin.yaml:4:18: error: recommender.ranker: unknown ranker 'engagment'"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(TempDir("bad")));
  const auto missing = RunCommand(Cli() + " run /no/such/scenario.yaml");
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.output.find("/no/such/scenario.yaml"), std::string::npos);
  const auto bad_set = RunCommand(Cli() + " run " + Scenario("rabbit_hole.yaml") + " --set steps");
  EXPECT_EQ(bad_set.status, 2);
  EXPECT_NE(bad_set.output.find("--set steps: error"), std::string::npos) << bad_set.output;
}

}  // namespace
}  // namespace counterpoint
