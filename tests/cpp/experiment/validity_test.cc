// The default scenario's effect against its fair control, and the negative control:
// the shipped scenarios run as they are (5 replicates), so these are the README's claims.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/stats.h"
#include "experiment/runner.h"

namespace counterpoint {
namespace {

// paired (engagement - relevance) final harmful exposure over the replicates of a shipped scenario
Estimate EngagementMinusRelevance(const std::string& file) {
  Scenario sc = LoadScenario(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/" + file);
  EXPECT_GE(sc.replicates, 5);
  // only the two arms compared (arms are independent given the replicate's world and seed)
  SelectArms(sc, {"engagement", "relevance"});
  EXPECT_EQ(sc.arms[1].ranker.type, "relevance");
  const RunResult res = RunScenario(sc);
  const size_t col = std::find(res.columns.begin(), res.columns.end(), "harmful_exposure_share") - res.columns.begin();
  const size_t cols = res.columns.size(), last = (res.steps - 1) * cols + col;
  std::vector<double> diff;
  for (int r = 0; r < sc.replicates; ++r) diff.push_back(res.runs[2 * r].rows[last] - res.runs[2 * r + 1].rows[last]);
  return MeanCi(diff);
}

TEST(SlowValidityTest, EngagementDigsTheHoleAgainstTheRelevanceControl) {
  const Estimate e = EngagementMinusRelevance("rabbit_hole.yaml");
  EXPECT_GT(e.ci_low, 0.05) << "paired difference " << e.mean << " [" << e.ci_low << ", " << e.ci_high << "]";
}

TEST(SlowValidityTest, NegativeControlWithoutExtremityAppealShowsNoHole) {
  const Estimate e = EngagementMinusRelevance("negative_control.yaml");
  EXPECT_GT(e.ci_low, -0.03) << "paired difference " << e.mean << " [" << e.ci_low << ", " << e.ci_high << "]";
  EXPECT_LT(e.ci_high, 0.03) << "paired difference " << e.mean << " [" << e.ci_low << ", " << e.ci_high << "]";
}

}  // namespace
}  // namespace counterpoint
