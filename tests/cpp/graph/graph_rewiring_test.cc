// Graph interventions: Sherman–Morrison against direct re-solves, greedy trajectories.
#include "graph/graph_rewiring.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>

#include "embeddings/catalog.h"
#include "embeddings/vector_index.h"
#include "graph/confinement.h"
#include "graph_test_util.h"

namespace counterpoint {
namespace {

TEST(GraphRewiringTest, ShermanMorrisonMatchesADenseSolve) {
  // M = I - P for a random sub-stochastic P; change row u by c
  const int n = 12, u = 4;
  Eigen::MatrixXd p = Eigen::MatrixXd::Zero(n, n);
  const CounterRng rng(5, 0, 0, Purpose::kJourney);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) p(i, j) = rng.Uniform(i * n + j) * 0.9 / n;
  const Eigen::MatrixXd m = Eigen::MatrixXd::Identity(n, n) - p;
  const Eigen::VectorXd ones = Eigen::VectorXd::Ones(n);
  const Eigen::VectorXd z = m.lu().solve(ones);
  const Eigen::VectorXd col = m.lu().solve(Eigen::VectorXd::Unit(n, u));
  Eigen::VectorXd c = Eigen::VectorXd::Zero(n);
  c[7] = p(u, 7);  // remove the edge u -> 7
  Eigen::MatrixXd m2 = m;
  m2.row(u) += c.transpose();
  const Eigen::VectorXd direct = m2.lu().solve(ones);
  const Eigen::VectorXd sm = ShermanMorrison(z, col, c.dot(z), c.dot(col));
  EXPECT_LT((direct - sm).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(GraphRewiringTest, GreedyTrajectoryMatchesDirectReSolve) {
  const WatchNextGraph g = testing::RandomGraph(300, 60, 6, 0.8, 21);
  const auto harmful = g.LabelMask({"extremist"});
  RewireOptions o;
  o.budget = 8;
  o.tau = 0.05;
  const RewireResult r = GreedyRewire(g, harmful, o);
  ASSERT_EQ(r.operations.size(), 8u) << r.stopped;
  ASSERT_EQ(r.max_segregation.size(), 9u);
  const SegregationResult before = Segregation(g, harmful);
  EXPECT_NEAR(r.max_segregation[0], before.max, 1e-9);
  EXPECT_NEAR(r.mean_segregation[0], before.mean, 1e-9);
  // the Sherman–Morrison value after the last move equals a fresh solve on the rewired graph
  const WatchNextGraph after(r.graph_after, SinkPolicy::kPrune);
  const SegregationResult re = Segregation(after, after.LabelMask({"extremist"}));
  EXPECT_NEAR(r.max_segregation.back(), re.max, 1e-9 * re.max);
  EXPECT_NEAR(r.mean_segregation.back(), re.mean, 1e-9 * re.mean);
  // greedy on the max: it never increases, and it falls
  for (size_t i = 1; i < r.max_segregation.size(); ++i)
    EXPECT_LE(r.max_segregation[i], r.max_segregation[i - 1] + 1e-12);
  EXPECT_LT(r.max_segregation.back(), r.max_segregation.front());
  // every move sent the probability of a harmful edge to a non-harmful node, keeping rows stochastic
  for (const auto& op : r.operations) {
    EXPECT_EQ(after.label(after.Find(op.u)), "extremist");
    EXPECT_NE(after.label(after.Find(op.w)), "extremist");
    EXPECT_GE(op.relevance_ratio, o.tau);
    EXPECT_DOUBLE_EQ(after.Probability(after.Find(op.u), after.Find(op.v)), 0.0);
  }
}

TEST(GraphRewiringTest, TauTooHighStopsWithAReason) {
  const WatchNextGraph g = testing::ConstantExitGraph(4, 3, 0.2, 0.1);
  RewireOptions o;
  o.tau = 1e6;
  const RewireResult r = GreedyRewire(g, g.LabelMask({"extremist"}), o);
  EXPECT_TRUE(r.operations.empty());
  EXPECT_NE(r.stopped.find("relevance ratio"), std::string::npos);
  EXPECT_EQ(r.max_segregation.size(), 1u);
}

// h0 <-> h1 never leave, h2 always leaves (segregation exactly 1), plus c, a counter-narrative
WatchNextGraph PartlyTrappedGraph(bool with_h2) {
  GraphInput in;
  in.ids = {"h0", "h1", "s0", "s1", "c"};
  in.labels = {"x", "x", "ok", "ok", "counter_narrative"};
  in.edges = {{0, 1, 1}, {1, 0, 1}, {2, 3, 1}, {3, 2, 1}, {2, 0, 1}, {4, 2, 1}, {3, 4, 1}};
  if (with_h2) {
    in.ids.push_back("h2"), in.labels.push_back("x");
    in.edges.push_back({5, 2, 1}), in.edges.push_back({2, 5, 1});
  }
  return WatchNextGraph(std::move(in), SinkPolicy::kPrune);
}

TEST(GraphRewiringTest, OverNoFiniteNodeTheMaximumIsNotANumberAndTheExclusionIsCounted) {
  const WatchNextGraph g = PartlyTrappedGraph(false);
  const RewireResult r = GreedyRewire(g, g.LabelMask({"x"}), RewireOptions{});
  EXPECT_EQ(r.finite, 0);
  EXPECT_EQ(r.trapped, 2);
  ASSERT_EQ(r.max_segregation.size(), 1u);
  EXPECT_TRUE(std::isnan(r.max_segregation[0]));  // never 0.000, which reads as "no problem"
  EXPECT_TRUE(std::isnan(r.mean_segregation[0]));
  EXPECT_NE(r.stopped.find("every harmful node is trapped"), std::string::npos);
  const LinkInsertionResult cn =
      InsertCounterNarratives(g, g.LabelMask({"x"}), g.LabelMask({"counter_narrative"}), LinkInsertionOptions{});
  EXPECT_EQ(cn.finite, 0);
  EXPECT_EQ(cn.trapped, 2);
  EXPECT_TRUE(std::isnan(cn.max_metric[0]));
  EXPECT_NE(cn.stopped.find("every harmful node is trapped"), std::string::npos);
}

TEST(GraphRewiringTest, TheMaximumIsOverTheFiniteNodesAndSaysSo) {
  const WatchNextGraph g = PartlyTrappedGraph(true);
  const RewireResult r = GreedyRewire(g, g.LabelMask({"x"}), RewireOptions{});
  EXPECT_EQ(r.finite, 1);
  EXPECT_EQ(r.trapped, 2);
  EXPECT_DOUBLE_EQ(r.max_segregation[0], 1.0);  // h2 leaves at once
  EXPECT_DOUBLE_EQ(r.mean_segregation[0], 1.0);
}

TEST(GraphRewiringTest, BubbleLinksShrinkTheRadiusAsRecomputed) {
  const WatchNextGraph g = testing::RandomGraph(200, 40, 5, 0.8, 8);
  const auto harmful = g.LabelMask({"extremist"});
  LinkInsertionOptions o;
  o.budget = 5;
  o.horizon = 8;
  const LinkInsertionResult r = ReduceBubbleRadius(g, harmful, o);
  ASSERT_EQ(r.links.size(), 5u);
  EXPECT_NEAR(r.mean_metric[0], TruncatedRadius(g, harmful, 8).mean, 1e-12);
  const WatchNextGraph after(r.graph_after, SinkPolicy::kPrune);
  EXPECT_NEAR(r.mean_metric.back(), TruncatedRadius(after, after.LabelMask({"extremist"}), 8).mean, 1e-9);
  for (size_t i = 1; i < r.mean_metric.size(); ++i) EXPECT_LT(r.mean_metric[i], r.mean_metric[i - 1]);
}

TEST(GraphRewiringTest, CounterNarrativeLinksOnAKnnGraphUnderABudget) {
  // a small catalog: harmful items cluster, counter-narratives sit between
  CatalogData d;
  d.dim = 4;
  const int n = 60;
  for (int i = 0; i < n; ++i) {
    const CounterRng rng(9, i, 0, Purpose::kCatalogEmbedding);
    const Label l = i < 15 ? Label::kExtremist : (i < 20 ? Label::kCounterNarrative : Label::kMainstream);
    const double shift = l == Label::kExtremist ? 2.0 : (l == Label::kCounterNarrative ? 1.0 : 0.0);
    for (int j = 0; j < 4; ++j) d.embeddings.push_back(static_cast<float>(rng.Normal(j) + (j == 0 ? shift : -shift)));
    d.labels.push_back(l);
    d.extremity.push_back(l == Label::kExtremist ? 0.9f : 0.1f);
    d.harm_score.push_back(l == Label::kExtremist ? 0.8f : 0.2f);
    d.creator.push_back(i);
    d.topic.push_back(0);
    d.upload_step.push_back(0);
  }
  const Catalog catalog(std::move(d), "tiny");
  const VectorIndex index(catalog, IndexOptions{});
  const WatchNextGraph g = BuildKnnGraph(catalog, index, {5, 0.2});
  EXPECT_EQ(g.size(), n);
  EXPECT_EQ(g.num_edges(), n * 5);
  for (int u = 0; u < n; ++u) EXPECT_DOUBLE_EQ(g.Probability(u, u), 0.0);  // self match dropped
  const auto harmful = g.LabelMask({"extremist"});
  LinkInsertionOptions o;
  o.weight_budget = 0.5;
  o.alpha = 0.1;
  const LinkInsertionResult r = InsertCounterNarratives(g, harmful, g.LabelMask({"counter_narrative"}), o);
  ASSERT_EQ(r.links.size(), 5u);
  double total = 0;
  for (const auto& l : r.links) {
    total += l.prob;
    EXPECT_EQ(g.label(g.Find(l.w)), "counter_narrative");
  }
  EXPECT_NEAR(total, 0.5, 1e-12);
  const WatchNextGraph after(r.graph_after, SinkPolicy::kPrune);
  const SegregationResult re = Segregation(after, after.LabelMask({"extremist"}));
  EXPECT_NEAR(r.mean_metric.back(), re.mean, 1e-9 * re.mean);
  EXPECT_LT(r.mean_metric.back(), r.mean_metric.front());
  // no counter-narrative node: a clear error
  EXPECT_THROW(InsertCounterNarratives(g, harmful, std::vector<uint8_t>(n, 0), o), InputError);
}

}  // namespace
}  // namespace counterpoint
