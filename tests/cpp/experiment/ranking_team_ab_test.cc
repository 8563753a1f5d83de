// The score-stage interventions in whole runs: bit-identical results for any batch size
// and thread count, and the direction of their main effects on a smaller
// scenarios/ranking_team_ab.yaml (paired over replicates on common random numbers).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "experiment/outputs.h"
#include "experiment/runner.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::ScopedThreads;

// the four interventions over two arms (one slate builder each), with score adjusters,
// on a catalog with uploads during the run
const char* kAll = R"(
name: rerank_determinism
seed: 23
steps: 8
catalog: {type: synthetic, n_items: 3000, dim: 16, n_topics: 6, new_item_share: 0.3, upload_horizon: 3}
index: {factory: Flat}
population: {n_users: 500}
recommender: {candidates: 40, slate_size: 8}
observers: [exposure, diversity, slate_diversity]
arms:
  - name: control
  - name: all
    interventions:
      - {type: demote_harmful, threshold: 0.4, weight: 1.0}
      - {type: not_interested, probability: 0.5, similarity: 0.8, suppress_steps: 3}
      - {type: diversify_mmr, lambda: 0.3}
  - name: calibrated
    interventions:
      - {type: demote_harmful, threshold: 0.4, weight: 1.0}
      - {type: calibrate, lambda: 0.5, history: 5}
)";

std::string Metrics(int threads, int batch) {
  ScopedThreads t(threads);
  const Scenario sc = ParseScenario(kAll, "rerank.yaml", {"batch_size=" + std::to_string(batch)});
  return MetricsCsv(RunScenario(sc));
}

TEST(RankingTeamAbTest, ThreadsAndBatchSizeGiveIdenticalMetrics) {
  const std::string reference = Metrics(1, 2048);
  EXPECT_EQ(reference, Metrics(2, 2048)) << "1 vs 2 threads";
  EXPECT_EQ(reference, Metrics(2, 7)) << "batch 2048 vs 7";
  EXPECT_EQ(reference, Metrics(1, 7)) << "batch 2048 vs 7, one thread";
  // the interventions acted: their columns are filled in the arm that has them
  EXPECT_NE(reference.find("nim_dismissals"), std::string::npos);
}

// per replicate: (arm - control) of a metric averaged over steps from `from` on
std::vector<double> PairedStepMeans(const RunResult& res, int n_arms, int arm, const std::string& metric,
                                    int64_t from) {
  const size_t col = std::find(res.columns.begin(), res.columns.end(), metric) - res.columns.begin();
  EXPECT_LT(col, res.columns.size()) << metric;
  const size_t cols = res.columns.size();
  std::vector<double> diff;
  for (size_t r = 0; r * n_arms < res.runs.size(); ++r) {
    double d = 0;
    for (int64_t t = from; t < res.steps; ++t)
      d += res.runs[r * n_arms + arm].rows[t * cols + col] - res.runs[r * n_arms].rows[t * cols + col];
    diff.push_back(d / static_cast<double>(res.steps - from));
  }
  return diff;
}

// the shipped scenario, smaller (fewer users and steps), three replicates
RunResult SmallAb(const std::vector<std::string>& arms) {
  Scenario sc = LoadScenario(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/ranking_team_ab.yaml",
                             {"population.n_users=2000", "steps=30", "replicates=3"});
  SelectArms(sc, arms);
  return RunScenario(sc);
}

TEST(SlowRankingTeamAbTest, DemotionLowersHarmfulExposureAndDemotesNewsReporting) {
  const RunResult res = SmallAb({"engagement", "demote_harmful"});
  const auto harmful = PairedStepMeans(res, 2, 1, "harmful_exposure_share", 10);
  // every replicate lower than the control; the mean harmful effect at least 1 point of exposure share
  double mean = 0;
  for (size_t r = 0; r < harmful.size(); ++r) {
    SCOPED_TRACE("replicate " + std::to_string(r));
    EXPECT_LT(harmful[r], 0.0) << "harmful exposure, demote - control";
    mean += harmful[r] / static_cast<double>(harmful.size());
  }
  EXPECT_LT(mean, -0.01);
  // the collateral: the biased classifier (news_confusion) sends news reports among the
  // demoted in every replicate. Whether news exposure falls in net is an empirical question
  // (demoting harmful items also frees slots that news near them can fill): the shipped
  // run's answer, with its CI, is in docs/interventions.md
  const size_t cols = res.columns.size();
  const size_t col = std::find(res.columns.begin(), res.columns.end(), "dh_demoted_news_share") - res.columns.begin();
  ASSERT_LT(col, cols);
  for (size_t r = 0; 2 * r + 1 < res.runs.size(); ++r) {
    double sum = 0;
    int n = 0;
    for (int64_t t = 0; t < res.steps; ++t) {
      const double v = res.runs[2 * r + 1].rows[t * cols + col];
      if (!std::isnan(v)) sum += v, ++n;
    }
    ASSERT_GT(n, 0) << "replicate " << r << ": nothing demoted";
    EXPECT_GT(sum / n, 0.01) << "replicate " << r << ": no news among the demoted";
  }
}

// a one-step scenario whose single arm lists `interventions`
Scenario OneArm(const std::string& name, const std::string& interventions) {
  return ParseScenario("name: " + name + R"(
steps: 1
catalog: {type: synthetic, n_items: 300, dim: 8, n_topics: 4}
index: {factory: Flat}
population: {n_users: 20}
recommender: {candidates: 20, slate_size: 4}
arms:
  - name: arm
    interventions:
)" + interventions,
                       name + ".yaml");
}

TEST(RankingTeamAbTest, AnArmHoldsOneSlateBuilder) {
  // MMR then calibrate: calibrate would rank by MMR's rank-order scores; refused at its line
  try {
    RunScenario(OneArm("two_builders", "      - {type: diversify_mmr}\n      - {type: calibrate}\n"));
    FAIL() << "two slate builders in one arm ran";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("two_builders.yaml:11"), std::string::npos) << what;
    EXPECT_NE(what.find("'diversify_mmr' and 'calibrate' both build the whole slate"), std::string::npos) << what;
  }
  // one builder with score adjusters runs (the shipped `all` arm's composition)
  EXPECT_NO_THROW(RunScenario(
      OneArm("one_builder",
             "      - {type: demote_harmful}\n      - {type: not_interested}\n      - {type: diversify_mmr}\n")));
}

TEST(SlowRankingTeamAbTest, MmrLowersSlateSimilarity) {
  const RunResult res = SmallAb({"engagement", "diversify_mmr"});
  const auto sim = PairedStepMeans(res, 2, 1, "slate_similarity", 0);
  for (size_t r = 0; r < sim.size(); ++r) EXPECT_LT(sim[r], -0.003) << "replicate " << r;
}

}  // namespace
}  // namespace counterpoint
