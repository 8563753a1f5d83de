// End to end: `counterpoint audit` and `rewire` on the Recfluence 2018 data.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/io.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int code = 0;
  std::string out, err;
};

CliRun RunCli(const std::string& args, const fs::path& dir) {
  const std::string out = (dir / "stdout.txt").string(), err = (dir / "stderr.txt").string();
  const std::string cmd = std::string("cd '") + COUNTERPOINT_SOURCE_DIR + "' && '" + COUNTERPOINT_CLI + "' " + args +
                          " > '" + out + "' 2> '" + err + "'";
  const int status = std::system(cmd.c_str());
  return {WEXITSTATUS(status), ReadFile(out), ReadFile(err)};
}

fs::path TempDir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("counterpoint_graph_cli_" + name + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

TEST(GraphCliTest, AuditScenarioOnRecfluence) {
  const fs::path dir = TempDir("audit");
  const CliRun r =
      RunCli("audit scenarios/recfluence_audit.yaml --walkers 4000 --out '" + (dir / "a.json").string() + "'", dir);
  ASSERT_EQ(r.code, 0) << r.err;
  // the report states the sink policy and the data's dates
  EXPECT_NE(r.out.find("sinks: prune"), std::string::npos);
  EXPECT_NE(r.out.find("November 2018"), std::string::npos);
  EXPECT_NE(r.out.find("September 2019"), std::string::npos);
  const auto j = nlohmann::json::parse(ReadFile((dir / "a.json").string()));
  EXPECT_NE(j["data_dates"].get<std::string>().find("November 2018"), std::string::npos);
  EXPECT_EQ(j["graph"]["nodes"], 142);  // 155 channels, 13 pruned
  EXPECT_EQ(j["graph"]["pruned"].size(), 13u);
  EXPECT_EQ(j["graph"]["sink_policy"], "prune");
  ASSERT_EQ(j["harmful_sets"].size(), 2u);
  const auto& all = j["harmful_sets"][0];
  EXPECT_EQ(all["segregation"]["per_node"].size(), 38u);
  EXPECT_NEAR(all["segregation"]["max"].get<double>(), 2.51, 0.01);
  EXPECT_EQ(all["segregation"]["trapped"], 0);
  // monte carlo bots agree with the exact reach within k
  const double exact = all["reach_within_k"]["exact"].back().get<double>();
  const auto& mc = all["reach_within_k"]["monte_carlo_bots"].back();
  // within 4 binomial standard errors of the exact share
  const double se = std::sqrt(exact * (1 - exact) / mc["n"].get<double>());
  EXPECT_NEAR(mc["mean"].get<double>(), exact, 4 * se);
  EXPECT_LE(mc["ci95_low"].get<double>(), mc["mean"].get<double>());
  EXPECT_GE(mc["ci95_high"].get<double>(), mc["mean"].get<double>());
  EXPECT_DOUBLE_EQ(all["reach_within_k"]["by_start_group"]["Alt-right"].back().get<double>(), 1.0);
  EXPECT_EQ(j["label_flow"]["labels"].size(), 4u);
  fs::remove_all(dir);
}

TEST(GraphCliTest, RewireFlagsOnRecfluence) {
  const fs::path dir = TempDir("rewire");
  const CliRun r = RunCli("rewire --recfluence datasets/recfluence-2018 --harmful Alt-right --budget 10 --out '" +
                              (dir / "r.json").string() + "'",
                          dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(ReadFile((dir / "r.json").string()));
  const auto& traj = j["harmful_sets"][0]["rewiring"]["max_segregation"];
  ASSERT_EQ(traj.size(), 11u);  // k = 0..10
  EXPECT_LT(traj.back().get<double>(), traj.front().get<double>());
  EXPECT_NE(r.out.find("November 2018"), std::string::npos);
  fs::remove_all(dir);
}

TEST(GraphCliTest, CsvGraphWithAbsorbingSinks) {
  const fs::path dir = TempDir("csv");
  const CliRun r = RunCli(
      "audit --nodes tests/data/graph/nodes.csv --edges tests/data/graph/edges_sinks.csv "
      "--harmful Alt-right --sinks absorb --walkers 100 --out '" +
          (dir / "c.json").string() + "'",
      dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("sinks: absorb"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(ReadFile((dir / "c.json").string()));
  EXPECT_EQ(j["graph"]["sinks"], nlohmann::json::array({"d"}));
  fs::remove_all(dir);
}

TEST(GraphCliTest, ScenarioErrorsPrintFileLineColumn) {
  const fs::path dir = TempDir("bad");
  const std::string yaml = (dir / "bad.yaml").string();
  std::ofstream(yaml) << "name: bad\ngraph:\n  source: recfluence\n  dir: x\n  sinks: drop\nharmful_sets:\n"
                         "  - name: a\n    labelz: Alt-right\nmetrics:\n  reach_k: -3\n";
  const CliRun r = RunCli("audit '" + yaml + "'", dir);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find(yaml + ":5:10: error: graph.sinks: 'drop' is not a valid choice"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(yaml + ":8:5: error: harmful_sets[0]: unknown key 'labelz'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(yaml + ":10:12: error: metrics.reach_k: value -3 is out of range"), std::string::npos) << r.err;
  // and an unknown label names the valid ones
  const CliRun u = RunCli("audit --recfluence datasets/recfluence-2018 --harmful Alt-rite --walkers 10 --out '" +
                              (dir / "u.json").string() + "'",
                          dir);
  EXPECT_NE(u.code, 0);
  EXPECT_NE(u.err.find("unknown label(s) Alt-rite; the graph's labels are: Alt-lite, Alt-right, IDW, Other"),
            std::string::npos)
      << u.err;
  EXPECT_EQ(RunCli("audit --help", dir).code, 0);
  EXPECT_EQ(RunCli("rewire --help", dir).code, 0);
  fs::remove_all(dir);
}

// group flows from the command line, and a group_flows block's errors at their line
TEST(GraphCliTest, GroupFlowFlagsAndBlockErrors) {
  const fs::path dir = TempDir("flows");
  const CliRun r = RunCli(
      "audit --recfluence datasets/recfluence-2018 --harmful Alt-right --walkers 0 --group-flow Alt-right,Alt-lite,IDW "
      "--group-flow IDW --flow-weight attribute:views --out '" +
          (dir / "f.json").string() + "'",
      dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("group flows"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(ReadFile((dir / "f.json").string()));
  ASSERT_EQ(j["group_flows"].size(), 2u);
  EXPECT_EQ(j["group_flows"][1]["labels"], nlohmann::json::array({"IDW"}));
  EXPECT_EQ(j["group_flows"][0]["attribute"], "views");
  const CliRun w = RunCli(
      "audit --recfluence datasets/recfluence-2018 --harmful Alt-right --walkers 0 --group-flow IDW "
      "--flow-weight views --out '" +
          (dir / "g.json").string() + "'",
      dir);
  EXPECT_NE(w.code, 0);
  EXPECT_NE(w.err.find("'views' is not uniform or attribute:NAME"), std::string::npos) << w.err;
  const std::string yaml = (dir / "bad.yaml").string();
  std::ofstream(yaml) << "name: bad\ngraph:\n  source: recfluence\n  dir: x\nharmful_sets:\n"
                         "  - name: a\n    labels: Alt-right\ngroup_flows:\n  - name: f\n    labels: IDW\n"
                         "    weight: attribute\n  - name: g\n    weight: views\n";
  const CliRun b = RunCli("audit '" + yaml + "'", dir);
  EXPECT_NE(b.code, 0);
  EXPECT_NE(b.err.find(yaml + ":9:5: error: group_flows[0]: weight attribute needs 'attribute'"), std::string::npos)
      << b.err;
  EXPECT_NE(b.err.find(yaml + ":12:5: error: group_flows[1]: missing required key 'labels'"), std::string::npos)
      << b.err;
  EXPECT_NE(b.err.find(yaml + ":13:13: error: group_flows[1].weight: 'views' is not a valid choice"), std::string::npos)
      << b.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace counterpoint
