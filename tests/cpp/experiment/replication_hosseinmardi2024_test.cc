// Replication of Hosseinmardi et al. (PNAS 2024) in the simulated platform: the shipped
// scenarios/replicate_hosseinmardi2024.yaml at its shipped size (docs/replications.md).
// Sock puppets that switch from a harmful to a mainstream diet at step 30, against puppets
// that never consumed harmful content (same run: same catalog, platform and random
// numbers). Checked: the harmful diet raises the harmful share of the switched puppets'
// slates, far more where the platform's estimate learns than where it is frozen; after the
// switch the excess shrinks and halves within the run, but does not return within the
// mainstream puppets' 95% interval (a disagreement with the paper, docs/replications.md);
// and two groups with one script agree (the negative control). Each at 4 standard errors
// over the replicates.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/stats.h"
#include "experiment/runner.h"

namespace counterpoint {
namespace {

constexpr int64_t kSwitch = 30;  // the scenario's from_step of the switched puppets' second part

const RunResult& ShippedRun() {
  static const RunResult* res = [] {
    std::string path = COUNTERPOINT_SOURCE_DIR;  // (appended, not operator+: GCC 12's -Warray-bounds misfires)
    path += "/scenarios/replicate_hosseinmardi2024.yaml";
    const Scenario sc = LoadScenario(path);
    return new RunResult(RunScenario(sc));
  }();
  return *res;
}

// [replicate][step] of `column` in `arm`
std::vector<std::vector<double>> Series(const std::string& arm, const std::string& column) {
  const RunResult& res = ShippedRun();
  const size_t cols = res.columns.size();
  const size_t col = std::find(res.columns.begin(), res.columns.end(), column) - res.columns.begin();
  EXPECT_LT(col, cols) << column;
  std::vector<std::vector<double>> out;
  for (const ArmRun& run : res.runs) {
    if (run.arm != arm) continue;
    out.emplace_back();
    for (int64_t t = 0; t < res.steps; ++t) out.back().push_back(run.rows[t * cols + col]);
  }
  return out;
}

std::vector<std::vector<double>> Harmful(const std::string& arm, const std::string& group) {
  return Series(arm, "puppets_" + group + "_harmful_share");
}

// per replicate: a's value minus b's, averaged over steps [from, to)
std::vector<double> PairedGap(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b,
                              int64_t from, int64_t to) {
  std::vector<double> out;
  for (size_t r = 0; r < a.size(); ++r) {
    double s = 0;
    for (int64_t t = from; t < to; ++t) s += a[r][t] - b[r][t];
    out.push_back(s / static_cast<double>(to - from));
  }
  return out;
}

// the first step k >= 0 after the switch at which the switched puppets' mean share is at most
// the upper end of the mainstream puppets' 95% interval (-1: never)
int64_t ForgettingSteps(const std::string& arm) {
  const auto sw = Harmful(arm, "switched"), ms = Harmful(arm, "mainstream");
  const int64_t steps = static_cast<int64_t>(sw[0].size());
  for (int64_t t = kSwitch; t < steps; ++t) {
    std::vector<double> s, m;
    for (size_t r = 0; r < sw.size(); ++r) s.push_back(sw[r][t]), m.push_back(ms[r][t]);
    if (MeanCi(s).mean <= ShareMeanCi(m).ci_high) return t - kSwitch;
  }
  return -1;
}

// the first step k >= 0 after the switch at which the mean excess (switched minus mainstream)
// is at most half its value at the last step of the harmful diet (-1: never)
int64_t HalvingSteps(const std::vector<std::vector<double>>& sw, const std::vector<std::vector<double>>& ms) {
  auto gap = [&](int64_t t) { return MeanCi(PairedGap(sw, ms, t, t + 1)).mean; };
  const double half = gap(kSwitch - 1) / 2;
  for (int64_t t = kSwitch; t < static_cast<int64_t>(sw[0].size()); ++t)
    if (gap(t) <= half) return t - kSwitch;
  return -1;
}

void TheHarmfulDietFillsTheSlatesFarMoreWhereThePlatformLearns() {
  ASSERT_EQ(Harmful("learning", "switched").size(), 5u);  // the shipped replicates
  // the last steps of the harmful diet: the switched puppets' slates are more harmful
  const Estimate learning =
      MeanCi(PairedGap(Harmful("learning", "switched"), Harmful("learning", "mainstream"), kSwitch - 5, kSwitch));
  EXPECT_GT(learning.mean - 4 * learning.std_error, 0) << learning.mean << " se " << learning.std_error;
  // with the estimate frozen, the same diet moves the slates only through the items' click
  // counts (the engagement ranker's popularity terms): far less than where the estimate learns
  const Estimate frozen =
      MeanCi(PairedGap(Harmful("frozen", "switched"), Harmful("frozen", "mainstream"), kSwitch - 5, kSwitch));
  EXPECT_GT(learning.mean - 4 * learning.std_error, frozen.mean + 4 * frozen.std_error)
      << learning.mean << " vs frozen " << frozen.mean;
}

void AfterTheSwitchTheSlatesForgetPartly() {
  const auto sw = Harmful("learning", "switched"), ms = Harmful("learning", "mainstream");
  const Estimate before = MeanCi(PairedGap(sw, ms, kSwitch - 1, kSwitch));
  const Estimate late = MeanCi(PairedGap(sw, ms, 80, 90));
  // the excess harmful share shrinks after the switch (the learned estimate follows the new diet)
  EXPECT_LT(late.mean + 4 * late.std_error, before.mean - 4 * before.std_error) << late.mean << " vs " << before.mean;
  // and halves within the run (docs/replications.md reports when)
  EXPECT_GE(HalvingSteps(sw, ms), 1);
  // but, unlike the paper's sidebar, it does not return to the mainstream puppets' level within
  // the 60 steps after the switch (docs/replications.md, "Agreement", says why)
  EXPECT_EQ(ForgettingSteps("learning"), -1);
  EXPECT_GT(late.mean - 4 * late.std_error, 0) << late.mean << " se " << late.std_error;
}

// negative control: two groups with one script differ only by noise, in both arms
void TwoGroupsWithOneScriptAgree() {
  for (const std::string arm : {"learning", "frozen"}) {
    const Estimate e =
        MeanCi(PairedGap(Harmful(arm, "mainstream_again"), Harmful(arm, "mainstream"), 0, ShippedRun().steps));
    EXPECT_LT(std::abs(e.mean), 4 * e.std_error + 1e-12) << arm << ": " << e.mean << " se " << e.std_error;
  }
}

// every puppet consumes one item a step under these scripts (the slates are never empty)
void EveryPuppetConsumesOneItemAStep() {
  for (const std::string arm : {"learning", "frozen"})
    for (const std::string group : {"switched", "mainstream", "mainstream_again"})
      for (const auto& rep : Series(arm, "puppets_" + group + "_consumed"))
        for (double v : rep) ASSERT_EQ(v, 1.0) << arm << " " << group;
}

// one test, so that ctest runs the shipped scenario once (each test is its own process)
TEST(SlowReplicationHosseinmardi2024Test, ShippedScenario) {
  {
    SCOPED_TRACE("TheHarmfulDietFillsTheSlatesFarMoreWhereThePlatformLearns");
    TheHarmfulDietFillsTheSlatesFarMoreWhereThePlatformLearns();
  }
  {
    SCOPED_TRACE("AfterTheSwitchTheSlatesForgetPartly");
    AfterTheSwitchTheSlatesForgetPartly();
  }
  {
    SCOPED_TRACE("TwoGroupsWithOneScriptAgree");
    TwoGroupsWithOneScriptAgree();
  }
  {
    SCOPED_TRACE("EveryPuppetConsumesOneItemAStep");
    EveryPuppetConsumesOneItemAStep();
  }
}

}  // namespace
}  // namespace counterpoint
