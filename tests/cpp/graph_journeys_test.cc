// Journeys: Monte Carlo estimates agree with the exact metrics within their CIs.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>

#include "graph_test_util.h"
#include "simulator/confinement.h"
#include "simulator/journeys.h"

namespace counterpoint {
namespace {

class JourneysTest : public ::testing::Test {
 protected:
  // homophilous harmful cluster; seeded, so every estimate is reproducible
  WatchNextGraph graph_ = testing::RandomGraph(120, 30, 5, 0.75, 17);
  std::vector<uint8_t> harmful_ = graph_.LabelMask({"extremist"});
};

TEST_F(JourneysTest, SegregationAndRadiusByExitTimes) {
  const SegregationResult seg = Segregation(graph_, harmful_);
  const RadiusResult rad = TruncatedRadius(graph_, harmful_, 5);
  for (size_t i = 0; i < seg.nodes.size(); i += 6) {
    const auto times = SampleExitTimes(graph_, harmful_, seg.nodes[i], 4000, 99, 100000);
    const McEstimate z = EstimateMean(times);
    EXPECT_NEAR(z.mean, seg.steps[i], z.ci95) << "node " << graph_.id(seg.nodes[i]);
    std::vector<double> capped(times.size());
    std::transform(times.begin(), times.end(), capped.begin(), [](double t) { return std::min(t, 5.0); });
    const McEstimate r = EstimateMean(capped);
    EXPECT_NEAR(r.mean, rad.steps[i], r.ci95) << "node " << graph_.id(seg.nodes[i]);
  }
}

TEST_F(JourneysTest, ReachWithinKFromAttributeStart) {
  const auto start = StartDistribution(graph_, {"attribute", "subscribers"}, graph_.LabelMask({"mainstream"}));
  const std::vector<double> exact = ReachWithin(graph_, harmful_, start, 6);
  JourneyOptions o;
  o.walkers = 20000;
  o.length = 6;
  o.seed = 4;
  const auto mc = McReachWithin(SimulateJourneys(graph_, start, o), harmful_);
  EXPECT_DOUBLE_EQ(mc[0].mean, 0.0);
  for (int k = 1; k <= 6; ++k) EXPECT_NEAR(mc[k].mean, exact[k], mc[k].ci95) << "k=" << k;
  EXPECT_GT(exact[6], exact[1]);
}

TEST_F(JourneysTest, LabelFlowFromFirstSteps) {
  const auto start = StartDistribution(graph_, {});
  const LabelFlow exact = ComputeLabelFlow(graph_, start);
  JourneyOptions o;
  o.walkers = 20000;
  o.length = 1;
  const auto mc = McLabelFlow(graph_, SimulateJourneys(graph_, start, o));
  // nine correlated cells: each within its 99.9% interval (3.29 standard errors)
  const double widen = 3.29 / 1.96;
  for (size_t a = 0; a < exact.labels.size(); ++a)
    for (size_t b = 0; b < exact.labels.size(); ++b)
      EXPECT_NEAR(mc[a][b].mean, exact.flow[a][b], std::max(widen * mc[a][b].ci95, 1e-12))
          << exact.labels[a] << " -> " << exact.labels[b];
}

TEST_F(JourneysTest, PathsDoNotDependOnThreadCount) {
  const auto start = StartDistribution(graph_, {});
  JourneyOptions o;
  o.walkers = 3000;
  o.length = 10;
  o.restart = 0.1;
  o.kind = WalkerKind::kUser;
  o.autonomy = 0.2;
  o.preference_strength = 3;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const Journeys one = SimulateJourneys(graph_, start, o);
  omp_set_num_threads(2);
  const Journeys two = SimulateJourneys(graph_, start, o);
  omp_set_num_threads(threads);
  EXPECT_EQ(one.path, two.path);
  o.seed = 2;
  EXPECT_NE(SimulateJourneys(graph_, start, o).path, one.path);
}

TEST_F(JourneysTest, UsersWithPreferencesStayInTheirGroupMoreThanBots) {
  // users who start in the harmful group and prefer it stay there more than bots do
  const auto start = StartDistribution(graph_, {}, harmful_);
  JourneyOptions bot;
  bot.walkers = 5000;
  bot.length = 8;
  JourneyOptions user = bot;
  user.kind = WalkerKind::kUser;
  user.autonomy = 0.3;
  user.preference_strength = 2;
  const int32_t extremist = 1;  // labels sorted: counter_narrative, extremist, mainstream
  ASSERT_EQ(graph_.label_names()[extremist], "extremist");
  const double bots_there = LabelOccupancy(graph_, SimulateJourneys(graph_, start, bot)).back()[extremist];
  const double users_there = LabelOccupancy(graph_, SimulateJourneys(graph_, start, user)).back()[extremist];
  EXPECT_GT(users_there, bots_there + 0.1);
}

TEST(JourneysAbsorbTest, WalksEndAtAbsorbingSinks) {
  GraphInput in;
  in.ids = {"a", "b"};
  in.labels = {"x", "y"};
  in.edges = {{0, 1, 1}};
  const WatchNextGraph g(std::move(in), SinkPolicy::kAbsorb);
  JourneyOptions o;
  o.walkers = 10;
  o.length = 3;
  const Journeys j = SimulateJourneys(g, {1.0, 0.0}, o);
  for (int w = 0; w < 10; ++w) {
    EXPECT_EQ(j.at(w, 0), 0);
    EXPECT_EQ(j.at(w, 1), 1);
    EXPECT_EQ(j.at(w, 2), -1);
  }
  EXPECT_DOUBLE_EQ(ComputeLabelFlow(g, {0.0, 1.0}).ended[1], 1.0);
}

}  // namespace
}  // namespace counterpoint
