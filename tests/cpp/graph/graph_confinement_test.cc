// Exact confinement metrics against closed forms.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/confinement.h"
#include "graph_test_util.h"

namespace counterpoint {
namespace {

using testing::ConstantExitGraph;

TEST(ConfinementTest, SegregationWithConstantExitIsOneOverQ) {
  for (double q : {0.05, 0.3, 0.9}) {
    const WatchNextGraph g = ConstantExitGraph(6, 4, q, 0.2);
    const auto harmful = g.LabelMask({"extremist"});
    for (auto solver : {SegregationSolver::kSparseLu, SegregationSolver::kBiCgStab}) {
      const SegregationResult r = Segregation(g, harmful, solver);
      ASSERT_EQ(r.nodes.size(), 6u);
      for (double z : r.steps) EXPECT_NEAR(z, 1.0 / q, 1e-9) << "q=" << q << " solver " << r.solver;
      EXPECT_NEAR(r.max, 1.0 / q, 1e-9);
      EXPECT_NEAR(r.mean, 1.0 / q, 1e-9);
      EXPECT_EQ(r.trapped, 0);
      EXPECT_LT(r.residual, 1e-9);
    }
  }
}

TEST(ConfinementTest, TruncatedRadiusWithConstantExitIsClosedForm) {
  const double q = 0.25;
  const WatchNextGraph g = ConstantExitGraph(5, 3, q, 0.1);
  const auto harmful = g.LabelMask({"extremist"});
  for (int t : {0, 1, 3, 10, 50}) {
    const RadiusResult r = TruncatedRadius(g, harmful, t);
    const double expected = (1.0 - std::pow(1.0 - q, t)) / q;
    for (double x : r.steps) EXPECT_NEAR(x, expected, 1e-12) << "t=" << t;
    EXPECT_NEAR(r.max, expected, 1e-12);
  }
  // a long horizon approaches the segregation
  EXPECT_NEAR(TruncatedRadius(g, harmful, 400).mean, Segregation(g, harmful).mean, 1e-9);
}

TEST(ConfinementTest, TrappedNodesAreInfiniteAndReported) {
  // h0 <-> h1 never leave; h2 may fall into them; h3 always leaves
  GraphInput in;
  in.ids = {"h0", "h1", "h2", "h3", "s0", "s1"};
  in.labels = {"x", "x", "x", "x", "ok", "ok"};
  in.edges = {{0, 1, 1}, {1, 0, 1}, {2, 0, 1}, {2, 4, 1}, {3, 4, 1}, {4, 5, 1}, {5, 4, 1}, {4, 3, 1}};
  const WatchNextGraph g(std::move(in), SinkPolicy::kPrune);
  const SegregationResult r = Segregation(g, g.LabelMask({"x"}));
  EXPECT_EQ(r.trapped, 3);
  EXPECT_TRUE(std::isinf(r.steps[0]) && std::isinf(r.steps[1]) && std::isinf(r.steps[2]));
  EXPECT_DOUBLE_EQ(r.steps[3], 1.0);
  EXPECT_TRUE(std::isinf(r.max));
  EXPECT_TRUE(std::isinf(r.mean));
  EXPECT_DOUBLE_EQ(r.max_finite, 1.0);
  // the truncated radius stays finite: the trapped pair stays the whole horizon
  const RadiusResult rad = TruncatedRadius(g, g.LabelMask({"x"}), 7);
  EXPECT_DOUBLE_EQ(rad.steps[0], 7.0);
}

TEST(ConfinementTest, AbsorbingHarmfulSinkEndsTheWalk) {
  // h0 -> h1 (sink, absorbing): the walk spends h0 and h1 in B, then ends
  GraphInput in;
  in.ids = {"h0", "h1", "s0"};
  in.labels = {"x", "x", "ok"};
  in.edges = {{0, 1, 1}, {2, 0, 1}};
  const WatchNextGraph g(std::move(in), SinkPolicy::kAbsorb);
  const SegregationResult r = Segregation(g, g.LabelMask({"x"}));
  EXPECT_EQ(r.trapped, 0);
  EXPECT_DOUBLE_EQ(r.steps[0], 2.0);
  EXPECT_DOUBLE_EQ(r.steps[1], 1.0);
  // with self-loops instead, the sink traps the walk
  GraphInput in2;
  in2.ids = {"h0", "h1", "s0"};
  in2.labels = {"x", "x", "ok"};
  in2.edges = {{0, 1, 1}, {2, 0, 1}};
  const WatchNextGraph g2(std::move(in2), SinkPolicy::kSelfLoop);
  EXPECT_EQ(Segregation(g2, g2.LabelMask({"x"})).trapped, 2);
}

TEST(ConfinementTest, ReachWithinKFromSafeNodesIsGeometric) {
  const double a = 0.2;
  const WatchNextGraph g = ConstantExitGraph(3, 5, 0.5, a);
  const auto harmful = g.LabelMask({"extremist"});
  const auto start = StartDistribution(g, {}, g.LabelMask({"mainstream"}));
  const std::vector<double> reach = ReachWithin(g, harmful, start, 12);
  ASSERT_EQ(reach.size(), 13u);
  for (int k = 0; k <= 12; ++k) EXPECT_NEAR(reach[k], 1.0 - std::pow(1.0 - a, k), 1e-12);
  // starting on the harmful set, it is reached at step 0
  EXPECT_DOUBLE_EQ(ReachWithin(g, harmful, StartDistribution(g, {}, harmful), 3)[0], 1.0);
}

TEST(ConfinementTest, StartDistributionByAttribute) {
  const WatchNextGraph g = testing::RandomGraph(50, 10, 4, 0.5, 3);
  const auto w = StartDistribution(g, {"attribute", "subscribers"});
  double total = 0;
  for (int i = 0; i < g.size(); ++i) total += g.Attribute("subscribers")[i];
  EXPECT_NEAR(w[7], g.Attribute("subscribers")[7] / total, 1e-15);
  EXPECT_THROW(StartDistribution(g, {"attribute", "views"}), InputError);
  EXPECT_THROW(StartDistribution(g, {"uniform", ""}, std::vector<uint8_t>(g.size(), 0)), InputError);
}

TEST(ConfinementTest, LabelFlowOfConstantExitGraph) {
  const double q = 0.3, a = 0.1;
  const WatchNextGraph g = ConstantExitGraph(4, 4, q, a);
  const LabelFlow f = ComputeLabelFlow(g, StartDistribution(g, {}));
  ASSERT_EQ(f.labels, (std::vector<std::string>{"extremist", "mainstream"}));
  EXPECT_NEAR(f.flow[0][0], 1 - q, 1e-12);
  EXPECT_NEAR(f.flow[0][1], q, 1e-12);
  EXPECT_NEAR(f.flow[1][0], a, 1e-12);
  EXPECT_NEAR(f.ended[0], 0.0, 1e-12);
}

TEST(ConfinementTest, IterativeAndDirectSolversAgreeOnARandomGraph) {
  const WatchNextGraph g = testing::RandomGraph(400, 80, 8, 0.85, 11);
  const auto harmful = g.LabelMask({"extremist"});
  const SegregationResult lu = Segregation(g, harmful, SegregationSolver::kSparseLu);
  const SegregationResult it = Segregation(g, harmful, SegregationSolver::kBiCgStab);
  ASSERT_EQ(lu.steps.size(), it.steps.size());
  for (size_t i = 0; i < lu.steps.size(); ++i) EXPECT_NEAR(lu.steps[i], it.steps[i], 1e-8 * lu.steps[i]);
  EXPECT_GT(lu.max, 3.0);  // homophily 0.85: walks linger
}

}  // namespace
}  // namespace counterpoint
