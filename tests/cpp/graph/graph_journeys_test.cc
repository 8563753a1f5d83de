// Journeys: Monte Carlo estimates agree with the exact metrics. Each tolerance is 4
// standard errors of the estimate, computed from the exact distribution (not from the
// sample); a test making m comparisons at once fails by chance with probability at most
// m * 6.3e-5 (Bonferroni, normal approximation), and every sample is seeded.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "core/stats.h"
#include "graph/confinement.h"
#include "graph/journeys.h"
#include "graph_test_util.h"

namespace counterpoint {
namespace {

constexpr double kZ = 4.0;  // tolerance in standard errors

// survival[s][u] = P(T > s) for the exit time T of a bot walk from harmful node u: the
// probability that its first s steps all stay in the harmful set (q_0 = 1 on it,
// q_{s+1}(u) = sum_v P(u, v) harmful(v) q_s(v)), until it is below 1e-18 everywhere
std::vector<std::vector<double>> ExitSurvival(const WatchNextGraph& g, const std::vector<uint8_t>& harmful) {
  std::vector<std::vector<double>> q(1, std::vector<double>(g.size()));
  for (int64_t u = 0; u < g.size(); ++u) q[0][u] = harmful[u] ? 1.0 : 0.0;
  while (*std::max_element(q.back().begin(), q.back().end()) > 1e-18 && q.size() < 100000) {
    std::vector<double> next(g.size(), 0.0);
    for (int64_t u = 0; u < g.size(); ++u)
      if (harmful[u]) g.ForEachOut(u, [&](int64_t v, double p) { next[u] += harmful[v] ? p * q.back()[v] : 0.0; });
    q.push_back(std::move(next));
  }
  return q;
}

class JourneysTest : public ::testing::Test {
 protected:
  // homophilous harmful cluster; seeded, so every estimate is reproducible
  WatchNextGraph graph_ = testing::RandomGraph(120, 30, 5, 0.75, 17);
  std::vector<uint8_t> harmful_ = graph_.LabelMask({"extremist"});
};

TEST_F(JourneysTest, SegregationAndRadiusByExitTimes) {
  const SegregationResult seg = Segregation(graph_, harmful_);
  const RadiusResult rad = TruncatedRadius(graph_, harmful_, 5);
  const auto survival = ExitSurvival(graph_, harmful_);
  const int walkers = 4000, horizon = 5;
  // five nodes, two estimates each: ten comparisons
  for (size_t i = 0; i < seg.nodes.size(); i += 6) {
    const int64_t node = seg.nodes[i];
    // exact moments: E[T] = sum_s P(T > s), E[T^2] = sum_s (2s + 1) P(T > s); the same
    // sums up to the horizon for min(T, 5)
    double m1 = 0, m2 = 0, c1 = 0, c2 = 0;
    for (size_t s = 0; s < survival.size(); ++s) {
      m1 += survival[s][node];
      m2 += (2.0 * s + 1) * survival[s][node];
      if (s < horizon) c1 += survival[s][node], c2 += (2.0 * s + 1) * survival[s][node];
    }
    ASSERT_NEAR(m1, seg.steps[i], 1e-9 * m1);
    ASSERT_NEAR(c1, rad.steps[i], 1e-9 * c1);
    const auto times = SampleExitTimes(graph_, harmful_, node, walkers, 99, 100000);
    EXPECT_NEAR(NormalMeanCi(times).mean, m1, kZ * std::sqrt((m2 - m1 * m1) / walkers)) << "node " << graph_.id(node);
    std::vector<double> capped(times.size());
    std::transform(times.begin(), times.end(), capped.begin(), [](double t) { return std::min(t, 5.0); });
    EXPECT_NEAR(NormalMeanCi(capped).mean, c1, kZ * std::sqrt((c2 - c1 * c1) / walkers)) << "node " << graph_.id(node);
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
  // six comparisons, each within 4 binomial standard errors sqrt(p (1 - p) / walkers)
  for (int k = 1; k <= 6; ++k) {
    EXPECT_EQ(mc[k].n, o.walkers);
    EXPECT_NEAR(mc[k].mean, exact[k], kZ * std::sqrt(exact[k] * (1 - exact[k]) / o.walkers)) << "k=" << k;
    EXPECT_LE(mc[k].ci_low, mc[k].mean);
    EXPECT_GE(mc[k].ci_high, mc[k].mean);
  }
  EXPECT_GT(exact[6], exact[1]);
}

TEST_F(JourneysTest, LabelFlowFromFirstSteps) {
  const auto start = StartDistribution(graph_, {});
  const LabelFlow exact = ComputeLabelFlow(graph_, start);
  JourneyOptions o;
  o.walkers = 20000;
  o.length = 1;
  const auto mc = McLabelFlow(graph_, SimulateJourneys(graph_, start, o));
  // nine cells: a share of the mc[a][b].n walkers that started in label a, each within
  // 4 binomial standard errors (exactly equal where the exact flow is 0 or 1)
  for (size_t a = 0; a < exact.labels.size(); ++a)
    for (size_t b = 0; b < exact.labels.size(); ++b) {
      const double p = exact.flow[a][b], se = std::sqrt(p * (1 - p) / mc[a][b].n);
      EXPECT_NEAR(mc[a][b].mean, p, std::max(kZ * se, 1e-12)) << exact.labels[a] << " -> " << exact.labels[b];
    }
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
