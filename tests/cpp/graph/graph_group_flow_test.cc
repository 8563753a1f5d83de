// Flows between a group and the rest of a graph, against closed forms worked out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "graph/group_flow.h"
#include "graph_test_util.h"

namespace counterpoint {
namespace {

// fringe a0, a1; mainstream b0, b1. P: a0 -> a1 1/4, a0 -> b0 3/4; a1 -> a0 1;
// b0 -> b1 4/5, b0 -> a0 1/5; b1 -> b0 1. Attribute views: 1, 1, 4, 4.
WatchNextGraph FourNodeGraph(SinkPolicy sinks = SinkPolicy::kPrune, bool sink = false) {
  GraphInput in;
  in.ids = {"a0", "a1", "b0", "b1"};
  in.labels = {"fringe", "fringe", "mainstream", "mainstream"};
  in.attributes["views"] = {1, 1, 4, 4};
  in.edges = {{0, 1, 1}, {0, 2, 3}, {1, 0, 1}, {2, 3, 4}, {2, 0, 1}};
  if (!sink) in.edges.push_back({3, 2, 1});
  return WatchNextGraph(std::move(in), sinks, "four nodes");
}

TEST(GroupFlowTest, ViewWeightedFlowsMatchTheHandComputation) {
  const WatchNextGraph g = FourNodeGraph();
  const GroupFlow f = ComputeGroupFlow(g, g.LabelMask({"fringe"}), g.Attribute("views"));
  // weights 0.1, 0.1, 0.4, 0.4
  EXPECT_NEAR(f.weight_in_group, 0.2, 1e-12);
  EXPECT_NEAR(f.out, 0.1 * 0.75, 1e-12);                 // a0 -> b0
  EXPECT_NEAR(f.in, 0.4 * 0.2, 1e-12);                   // b0 -> a0
  EXPECT_NEAR(f.within_group, 0.1 * 0.25 + 0.1, 1e-12);  // a0 -> a1, a1 -> a0
  EXPECT_NEAR(f.within_rest, 0.4 * 0.8 + 0.4, 1e-12);    // b0 -> b1, b1 -> b0
  EXPECT_NEAR(f.ended, 0.0, 1e-12);
  EXPECT_NEAR(f.Ratio(), 0.075 / 0.08, 1e-12);
  EXPECT_NEAR(f.OutRate(), 0.075 / 0.2, 1e-12);
  EXPECT_NEAR(f.InRate(), 0.08 / 0.8, 1e-12);
}

TEST(GroupFlowTest, UniformWeightsGiveADifferentRatio) {
  const WatchNextGraph g = FourNodeGraph();
  const GroupFlow f = ComputeGroupFlow(g, g.LabelMask({"fringe"}), std::vector<double>(4, 7.0));
  EXPECT_NEAR(f.out, 0.25 * 0.75, 1e-12);
  EXPECT_NEAR(f.in, 0.25 * 0.2, 1e-12);
  EXPECT_NEAR(f.Ratio(), 3.75, 1e-12);
  // the complement's flows are the same numbers the other way round
  const GroupFlow r = ComputeGroupFlow(g, g.LabelMask({"mainstream"}), std::vector<double>(4, 1.0));
  EXPECT_NEAR(r.out, f.in, 1e-12);
  EXPECT_NEAR(r.in, f.out, 1e-12);
}

// negative control: a chain weighted by its stationary distribution crosses any cut as
// often in one direction as in the other (pi P = pi), so an asymmetry needs other weights.
// Stationary distribution of FourNodeGraph, by hand: (1/8, 1/32, 15/32, 3/8).
TEST(GroupFlowTest, StationaryWeightsBalanceTheFlows) {
  const WatchNextGraph g = FourNodeGraph();
  const std::vector<double> pi = {1.0 / 8, 1.0 / 32, 15.0 / 32, 3.0 / 8};
  for (const std::string group : {"fringe", "mainstream"}) {
    const GroupFlow f = ComputeGroupFlow(g, g.LabelMask({group}), pi);
    EXPECT_NEAR(f.out, 3.0 / 32, 1e-12) << group;
    EXPECT_NEAR(f.in, 3.0 / 32, 1e-12) << group;
    EXPECT_NEAR(f.Ratio(), 1.0, 1e-12) << group;
  }
}

TEST(GroupFlowTest, AbsorbingSinkEndsWalksAndNoInflowIsInfinite) {
  // b1 has no out-edge: with absorb, its weight ends; nothing then flows into b1's group alone
  const WatchNextGraph g = FourNodeGraph(SinkPolicy::kAbsorb, /*sink=*/true);
  const GroupFlow f = ComputeGroupFlow(g, g.LabelMask({"fringe"}), g.Attribute("views"));
  EXPECT_NEAR(f.ended, 0.4, 1e-12);
  EXPECT_NEAR(f.within_rest, 0.4 * 0.8, 1e-12);
  // x -> y, y <-> z: the fringe node x is never recommended
  GraphInput in;
  in.ids = {"x", "y", "z"};
  in.labels = {"fringe", "mainstream", "mainstream"};
  in.edges = {{0, 1, 1}, {1, 2, 1}, {2, 1, 1}};
  const WatchNextGraph one_way(std::move(in), SinkPolicy::kPrune, "one way");
  const GroupFlow w = ComputeGroupFlow(one_way, one_way.LabelMask({"fringe"}), {1, 1, 1});
  EXPECT_NEAR(w.out, 1.0 / 3, 1e-12);
  EXPECT_EQ(w.in, 0.0);
  EXPECT_TRUE(std::isinf(w.Ratio()));
  const GroupFlow none = ComputeGroupFlow(one_way, one_way.LabelMask({"fringe"}), {0, 1, 1});
  EXPECT_TRUE(std::isnan(none.Ratio()));
  EXPECT_TRUE(std::isnan(none.OutRate()));
}

TEST(GroupFlowTest, BadWeightsAreClearErrors) {
  const WatchNextGraph g = FourNodeGraph();
  EXPECT_THROW(ComputeGroupFlow(g, g.LabelMask({"fringe"}), {1, 1}), InputError);
  EXPECT_THROW(ComputeGroupFlow(g, g.LabelMask({"fringe"}), {0, 0, 0, 0}), InputError);
}

}  // namespace
}  // namespace counterpoint
