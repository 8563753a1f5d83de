// The step loop: determinism across threads and batch sizes, common random
// numbers across arms, and the rabbit-hole effect emerging from the mechanisms.
#include <gtest/gtest.h>
#include <omp.h>

#include "experiment/outputs.h"
#include "experiment/runner.h"
#include "test_util.h"

namespace counterpoint {
namespace {

const char* kSmall = R"(
name: small
seed: 11
steps: 12
catalog: {type: synthetic, n_items: 3000, dim: 16, n_topics: 6}
index: {factory: Flat}
population: {n_users: 600}
recommender: {candidates: 50, slate_size: 8}
arms:
  - name: engagement
  - name: random
    retriever: {type: random}
    ranker: {type: random}
)";

RunResult RunWith(const std::vector<std::string>& sets, int threads) {
  const testing::ScopedThreads scope(threads);
  return RunScenario(ParseScenario(kSmall, "small.yaml", sets));
}

TEST(SimulatorTest, SameSeedGivesIdenticalMetrics) {
  const RunResult a = RunWith({}, 2), b = RunWith({}, 2);
  EXPECT_EQ(MetricsCsv(a), MetricsCsv(b));
  const RunResult c = RunWith({"seed=12"}, 2);
  EXPECT_NE(MetricsCsv(a), MetricsCsv(c));
}

TEST(SimulatorTest, OneAndTwoThreadsAreBitIdentical) {
  EXPECT_EQ(MetricsCsv(RunWith({}, 1)), MetricsCsv(RunWith({}, 2)));
}

TEST(SimulatorTest, BatchSizeDoesNotChangeResults) {
  EXPECT_EQ(MetricsCsv(RunWith({}, 2)), MetricsCsv(RunWith({"batch_size=97"}, 2)));
}

TEST(SimulatorTest, ArmsShareSessionsThroughCommonRandomNumbers) {
  const RunResult r = RunWith({}, 2);
  size_t col = 0;
  while (r.columns[col] != "active_share") ++col;
  const size_t cols = r.columns.size();
  ASSERT_EQ(r.runs.size(), 2u);
  for (int64_t t = 0; t < r.steps; ++t)
    EXPECT_EQ(r.runs[0].rows[t * cols + col], r.runs[1].rows[t * cols + col]) << "step " << t;
}

TEST(SimulatorTest, EveryStepAllocatesItsBuffersOnlyOnce) {
  // the population and item counters keep their storage across steps
  const Scenario sc = ParseScenario(kSmall, "small.yaml", {});
  const IndexedCatalog world = BuildIndexedCatalog(sc, 5);
  const Population pop = GeneratePopulation(sc.population, *world.catalog, 5);
  Simulation sim = BuildSimulation(sc, sc.arms[0], world, pop, 5);
  std::vector<double> row(sim.columns().size());
  sim.Step(0, row.data());
  const float* interest = sim.population().interest.data();
  const int64_t* clicks = sim.items().clicks.data();
  for (int t = 1; t < 5; ++t) sim.Step(t, row.data());
  EXPECT_EQ(interest, sim.population().interest.data());
  EXPECT_EQ(clicks, sim.items().clicks.data());
}

TEST(SimulatorTest, UploadsBecomeAvailableAtTheirStep) {
  const Scenario sc = ParseScenario(kSmall, "small.yaml", {"catalog.new_item_share=0.5", "catalog.upload_horizon=4"});
  const IndexedCatalog world = BuildIndexedCatalog(sc, 3);
  const Population pop = GeneratePopulation(sc.population, *world.catalog, 3);
  Simulation sim = BuildSimulation(sc, sc.arms[0], world, pop, 3);
  std::vector<double> row(sim.columns().size());
  for (int t = 0; t < 6; ++t) {
    sim.Step(t, row.data());
    int64_t expect = 0;
    for (int64_t i = 0; i < world.catalog->size(); ++i) expect += world.catalog->upload_step(i) <= t;
    EXPECT_EQ(sim.items().available.available_count(), expect) << "step " << t;
    // nothing unreleased was ever shown
    for (int64_t i = 0; i < world.catalog->size(); ++i)
      if (world.catalog->upload_step(i) > t) {
        ASSERT_EQ(sim.items().impressions[i], 0);
      }
  }
}

}  // namespace
}  // namespace counterpoint
