// Each column's kind comes from its plug-in's registered spec; a share outside [0, 1]
// stops the run with an error that names where it came from.
#include "experiment/metric_kinds.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "test_util.h"

namespace counterpoint {
namespace {

using testing::CatchInputError;
using testing::Contains;

TEST(ColumnKindsTest, FromTheObserversAndTheArmsInterventions) {
  const Scenario sc = ParseScenario(
      "name: k\nsteps: 1\ncatalog: {type: synthetic, n_items: 100, dim: 8}\npopulation: {n_users: 10}\n"
      "observers: [{type: rabbit_hole}, {type: extremity}, {type: engagement}]\n"
      "arms:\n  - name: a\n  - name: b\n    interventions: [{type: demote_harmful}]\n",
      "k.yaml");
  const std::vector<std::string> columns = {"rabbit_hole_share", "extremity_mean", "clicks_per_session",
                                            "dh_demoted_share", "python_column"};
  const auto a = ColumnKinds(sc, sc.arms[0], columns), b = ColumnKinds(sc, sc.arms[1], columns);
  EXPECT_EQ(a.at("rabbit_hole_share"), MetricKind::kShare);
  EXPECT_EQ(a.at("extremity_mean"), MetricKind::kSigned);
  EXPECT_EQ(a.at("clicks_per_session"), MetricKind::kLevel);
  EXPECT_EQ(a.count("dh_demoted_share"), 0u);  // arm a has no demote_harmful
  EXPECT_EQ(b.at("dh_demoted_share"), MetricKind::kShare);
  EXPECT_EQ(b.count("python_column"), 0u);  // no spec names it: a level
  RunResult res;
  res.metric_kinds = b;
  EXPECT_EQ(KindOf(res, "python_column"), MetricKind::kLevel);
  EXPECT_EQ(KindOf(res, "dh_demoted_share"), MetricKind::kShare);
}

TEST(CheckSharesTest, AShareOutsideZeroOneIsNamed) {
  RunResult res;
  res.columns = {"clicks_per_session", "my_share"};
  res.metric_kinds = {{"my_share", MetricKind::kShare}};
  res.column_source = {{"my_share", "my_iv"}};
  res.steps = 2;
  // a level may exceed 1; NaN (undefined) is allowed in a share
  ArmRun ok{"treat", 1, 0, {3.5, 0.5, 7.0, std::nan("")}, {}, {}, {}, {}, {}, -1, nullptr};
  EXPECT_NO_THROW(CheckShares(res, ok));
  ArmRun bad{"treat", 1, 0, {3.5, 0.5, 7.0, 1.25}, {}, {}, {}, {}, {}, -1, nullptr};
  const InputError e = CatchInputError([&] { CheckShares(res, bad); });
  for (const char* part :
       {"intervention 'my_iv'", "arm 'treat'", "replicate 1", "step 1", "'my_share'", "1.25", "declared a share"})
    EXPECT_TRUE(Contains(e.what(), part)) << part << " not in: " << e.what();
  // the steps a stopped run did not reach are not checked
  bad.steps_done = 1;
  EXPECT_NO_THROW(CheckShares(res, bad));
}

}  // namespace
}  // namespace counterpoint
