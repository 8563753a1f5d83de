// Replication on the shipped Recfluence 2018 graph (scenarios/replicate_recfluence_flows.yaml,
// docs/replications.md): the directions Ribeiro et al. (FAT* 2020) and Ledwich & Zaitsev
// (First Monday 2020) report. Exact graph computations; well under a second.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "graph/graph_audit.h"

namespace counterpoint {
namespace {

nlohmann::json AuditShipped() {
  const AuditConfig config =
      LoadAuditConfig(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/replicate_recfluence_flows.yaml");
  const WatchNextGraph graph = LoadAuditGraph(config);
  std::string text;
  return RunAudit(config, graph, text);
}

// Ribeiro et al.: Alt-right channels are reachable from the milder communities; the
// walks from IDW and Alt-lite channels reach them more often than walks from the rest.
TEST(ReplicationFlowsTest, AltRightIsReachedMoreFromIdwAndAltLiteThanFromOther) {
  const nlohmann::json out = AuditShipped();
  const nlohmann::json& reach = out["harmful_sets"][0]["reach_within_k"];
  ASSERT_EQ(out["harmful_sets"][0]["name"], "alt_right");
  const int k = reach["k"].get<int>();
  ASSERT_EQ(k, 5);
  const double from_idw = reach["by_start_group"]["IDW"][k].get<double>();
  const double from_alt_lite = reach["by_start_group"]["Alt-lite"][k].get<double>();
  const double from_other = reach["by_start_group"]["Other"][k].get<double>();
  EXPECT_GT(from_idw, from_other);
  EXPECT_GT(from_alt_lite, from_other);
  // a walk that starts on Alt-right is there at step 0: the reach is 1 (a sanity check of the start groups)
  EXPECT_DOUBLE_EQ(reach["by_start_group"]["Alt-right"][0].get<double>(), 1.0);
}

// Ledwich & Zaitsev: view-weighted recommendation impressions flow from the fringe
// groups to the rest more than from the rest to them.
TEST(ReplicationFlowsTest, ViewWeightedFlowFromFringeToRestExceedsTheFlowBack) {
  const nlohmann::json out = AuditShipped();
  const nlohmann::json& flows = out["group_flows"];
  ASSERT_GE(flows.size(), 1u);
  const nlohmann::json& fringe = flows[0];
  ASSERT_EQ(fringe["name"], "fringe");
  ASSERT_EQ(fringe["attribute"], "views");
  EXPECT_GT(fringe["out"].get<double>(), fringe["in"].get<double>());
  EXPECT_GT(fringe["ratio"].get<double>(), 1.0);
  // every weighted recommendation is counted once: the four cells and the ended walks sum to 1
  const double total = fringe["out"].get<double>() + fringe["in"].get<double>() + fringe["within_group"].get<double>() +
                       fringe["within_rest"].get<double>() + fringe["ended"].get<double>();
  EXPECT_NEAR(total, 1.0, 1e-12);
}

}  // namespace
}  // namespace counterpoint
