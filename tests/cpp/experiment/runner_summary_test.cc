// Summaries of a run (summary.json, metrics_summary.csv, the table) on hand-made
// replicates whose means and Student-t intervals are computed by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "cli/summary_table.h"
#include "experiment/runner.h"
#include "experiment/summary.h"

namespace counterpoint {
namespace {

// t_{0.975, 2} = 4.302652730, in closed form for df 2: (2p - 1) / sqrt(2 p (1 - p))
const double kT2 = 0.95 / std::sqrt(2 * 0.975 * 0.025);

// two arms x three replicates x two steps of two metrics:
//   harmful_exposure_share: step 0 all 0.1; step 1 base {1, 2, 3}, treat {2, 4, 6}
//   clicks_per_session: step 0 base {0.5, 0.7, NaN}, treat {1, 1, 1};
//                       step 1 base {4, 4, 4}, treat {5, NaN, 5}
struct Fixture {
  Scenario sc;
  RunResult res;
  Fixture() {
    sc.name = "hand";
    sc.steps = 2;
    sc.replicates = 3;
    sc.arms = {ArmSpec{"base", {}, {}, {}, {}, {}}, ArmSpec{"treat", {}, {}, {}, {}, {}}};
    res.columns = {"harmful_exposure_share", "clicks_per_session"};
    res.steps = 2;
    const double base_clicks0[3] = {0.5, 0.7, NAN}, treat_clicks1[3] = {5, NAN, 5};
    for (int r = 0; r < 3; ++r) {
      res.runs.push_back({"base", r, 0, {0.1, base_clicks0[r], 1.0 + r, 4.0}, {}, {}, {}, {}, {}});
      res.runs.push_back({"treat", r, 0, {0.1, 1.0, 2.0 * (1 + r), treat_clicks1[r]}, {}, {}, {}, {}, {}});
    }
  }
};

std::vector<std::vector<std::string>> SplitCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream in(line);
    while (std::getline(in, field, ',')) fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.push_back("");
    rows.push_back(fields);
  }
  return rows;
}

TEST(MetricsSummaryCsvTest, OneRowPerStepArmAndMetricWithStudentIntervals) {
  const Fixture f;
  const auto rows = SplitCsv(MetricsSummaryCsv(f.sc, f.res));
  ASSERT_EQ(rows.size(), 1u + 2 * 2 * 2);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"step", "arm", "metric", "mean", "ci95_low", "ci95_high", "n"}));
  // steps, then arms in scenario order, then metrics in column order
  const char* arms[] = {"base", "base", "treat", "treat"};
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(rows[1 + i].size(), 7u) << i;
    EXPECT_EQ(rows[1 + i][0], std::to_string(i / 4));
    EXPECT_EQ(rows[1 + i][1], arms[i % 4]);
    EXPECT_EQ(rows[1 + i][2], f.res.columns[i % 2]);
    EXPECT_EQ(rows[1 + i][6], "3");
  }
  auto num = [&](int row, int col) { return std::stod(rows[row][col]); };
  // step 0: equal values give a zero-width interval; a NaN replicate leaves the row empty
  EXPECT_NEAR(num(1, 3), 0.1, 1e-9);
  EXPECT_NEAR(num(1, 4), 0.1, 1e-9);
  EXPECT_NEAR(num(1, 5), 0.1, 1e-9);
  EXPECT_EQ(rows[2][3], "");
  EXPECT_EQ(rows[2][4], "");
  EXPECT_EQ(rows[2][5], "");
  EXPECT_NEAR(num(4, 3), 1.0, 1e-9);
  // step 1, base harmful {1, 2, 3}: mean 2, sd 1, half-width t_{0.975,2} / sqrt(3)
  EXPECT_NEAR(num(5, 3), 2.0, 1e-8);
  EXPECT_NEAR(num(5, 4), 2.0 - kT2 / std::sqrt(3.0), 1e-8);
  EXPECT_NEAR(num(5, 5), 2.0 + kT2 / std::sqrt(3.0), 1e-8);
  EXPECT_NEAR(num(6, 3), 4.0, 1e-9);
  // treat harmful {2, 4, 6}: mean 4, sd 2
  EXPECT_NEAR(num(7, 3), 4.0, 1e-8);
  EXPECT_NEAR(num(7, 4), 4.0 - 2 * kT2 / std::sqrt(3.0), 1e-8);
  EXPECT_NEAR(num(7, 5), 4.0 + 2 * kT2 / std::sqrt(3.0), 1e-8);
  EXPECT_EQ(rows[8][3], "");
}

TEST(SummarizeTest, FinalStepMeansAndPairedDifferences) {
  const Fixture f;
  const nlohmann::json s = Summarize(f.sc, f.res);
  const auto& base = s["arms"]["base"]["final"]["harmful_exposure_share"];
  EXPECT_NEAR(base["mean"].get<double>(), 2.0, 1e-12);
  EXPECT_NEAR(base["ci95_low"].get<double>(), 2.0 - kT2 / std::sqrt(3.0), 1e-9);
  EXPECT_NEAR(base["ci95_high"].get<double>(), 2.0 + kT2 / std::sqrt(3.0), 1e-9);
  EXPECT_EQ(base["n"], 3);
  EXPECT_FALSE(s["arms"]["base"].contains("difference_vs_baseline"));
  // treat - base = {1, 2, 3}: mean 2, sd 1 (narrower than treat's own sd 2)
  const auto& diff = s["arms"]["treat"]["difference_vs_baseline"]["harmful_exposure_share"];
  EXPECT_NEAR(diff["mean"].get<double>(), 2.0, 1e-12);
  EXPECT_NEAR(diff["ci95_high"].get<double>() - diff["ci95_low"].get<double>(), 2 * kT2 / std::sqrt(3.0), 1e-9);
  // a NaN replicate makes the mean and the difference undefined: null, not 0
  EXPECT_TRUE(s["arms"]["treat"]["final"]["clicks_per_session"]["mean"].is_null());
  EXPECT_TRUE(s["arms"]["treat"]["difference_vs_baseline"]["clicks_per_session"]["mean"].is_null());
  EXPECT_NEAR(s["arms"]["base"]["final"]["clicks_per_session"]["mean"].get<double>(), 4.0, 1e-12);
  // the table prints n/a for them rather than failing
  const std::string table = SummaryTable(f.sc, s);
  EXPECT_NE(table.find("n/a"), std::string::npos) << table;
  EXPECT_NE(table.find("2.0000 ["), std::string::npos) << table;
}

TEST(SummarizeTest, ComparisonsAgainstANamedControlWithRelativeDifferences) {
  Fixture f;
  // default control: the first arm; treat - base harmful at the last step: {1, 2, 3}
  auto j = Summarize(f.sc, f.res);
  EXPECT_EQ(j["control"], "base");
  const auto& c = j["comparisons"];
  ASSERT_EQ(c.size(), 2u);  // one arm x two metrics
  EXPECT_EQ(c[0]["arm"], "treat");
  EXPECT_EQ(c[0]["control"], "base");
  EXPECT_EQ(c[0]["metric"], "harmful_exposure_share");
  EXPECT_NEAR(c[0]["diff"].get<double>(), 2.0, 1e-12);
  EXPECT_NEAR(c[0]["ci_low"].get<double>(), 2.0 - kT2 / std::sqrt(3.0), 1e-9);
  EXPECT_NEAR(c[0]["ci_high"].get<double>(), 2.0 + kT2 / std::sqrt(3.0), 1e-9);
  // treat / base - 1 is 1 in every replicate
  EXPECT_NEAR(c[0]["relative"].get<double>(), 1.0, 1e-12);
  EXPECT_NEAR(c[0]["relative_ci_low"].get<double>(), 1.0, 1e-12);
  // a NaN replicate leaves the comparison undefined, never 0, and says so
  EXPECT_TRUE(c[1]["diff"].is_null());
  EXPECT_NE(c[1]["undefined"].get<std::string>().find("has no value at the final step"), std::string::npos);
  // multiplicity: the paired t test of {1, 2, 3} (t = 2 sqrt(3), 2 degrees of freedom:
  // p = 1 - t / sqrt(2 + t^2)); the other metric has no p-value, so m = 1 and Holm and
  // Bonferroni leave it as it is
  const double t = 2 * std::sqrt(3.0), p = 1 - t / std::sqrt(2 + t * t);
  EXPECT_NEAR(c[0]["p"].get<double>(), p, 1e-12);
  EXPECT_NEAR(c[0]["p_holm"].get<double>(), p, 1e-12);
  EXPECT_EQ(c[0]["distinguishable_after_holm"], false);
  EXPECT_NEAR(c[0]["ci_low_adjusted"].get<double>(), c[0]["ci_low"].get<double>(), 1e-12);
  EXPECT_TRUE(c[1]["p"].is_null());
  EXPECT_TRUE(c[1]["distinguishable_after_holm"].is_null());
  // a named control: base - treat, relative 1/2 - 1
  f.sc.control = "treat";
  j = Summarize(f.sc, f.res);
  ASSERT_EQ(j["comparisons"].size(), 2u);
  EXPECT_EQ(j["comparisons"][0]["arm"], "base");
  EXPECT_NEAR(j["comparisons"][0]["diff"].get<double>(), -2.0, 1e-12);
  EXPECT_NEAR(j["comparisons"][0]["relative"].get<double>(), -0.5, 1e-12);
  EXPECT_TRUE(j["arms"]["base"].contains("difference_vs_baseline"));
  EXPECT_FALSE(j["arms"]["treat"].contains("difference_vs_baseline"));
}

TEST(SummarizeTest, AmplificationIsTheReachRatioAgainstItsControl) {
  Fixture f;
  f.sc.arms = {ArmSpec{"engagement", {}, {}, {}, {}, {}}, ArmSpec{"newest_first", {}, {}, {}, {}, {}}};
  f.sc.amplification_control = "newest_first";
  f.res.columns = {"harmful_reach"};
  f.res.steps = 1;
  f.res.runs.clear();
  const double eng[3] = {0.6, 0.8, 0.5}, chrono[3] = {0.3, 0.4, 0.5};
  for (int r = 0; r < 3; ++r) {
    f.res.runs.push_back({"engagement", r, 0, {eng[r]}, {}, {}, {}, {}, {}});
    f.res.runs.push_back({"newest_first", r, 0, {chrono[r]}, {}, {}, {}, {}, {}});
  }
  const auto j = Summarize(f.sc, f.res);
  EXPECT_EQ(j["amplification_control"], "newest_first");
  // ratios 2, 2, 1: mean 5/3, sd 1/sqrt(3)
  const auto& a = j["arms"]["engagement"]["amplification"];
  EXPECT_NEAR(a["mean"].get<double>(), 5.0 / 3, 1e-12);
  EXPECT_NEAR(a["ci95_high"].get<double>(), 5.0 / 3 + kT2 * (1 / std::sqrt(3.0)) / std::sqrt(3.0), 1e-9);
  EXPECT_FALSE(j["arms"]["newest_first"].contains("amplification"));
}

}  // namespace
}  // namespace counterpoint

namespace counterpoint {
namespace {

// a control without interventions against an arm with all of them: what the control lacks
// counts 0 where nothing was done, and is named as not applicable where it has no meaning
TEST(SummarizeTest, AnAbsentInterventionCountsZeroOrIsNamedNotApplicable) {
  const Scenario sc = ParseScenario(R"(
name: absent
seed: 5
steps: 6
replicates: 2
catalog: {type: synthetic, n_items: 1500, dim: 8, n_topics: 3, share_extremist: 0.05, new_item_share: 0.2,
          upload_horizon: 4, reupload_pool: 0.5, reupload_copies: 2}
index: {factory: Flat}
population: {n_users: 120}
recommender: {candidates: 30, slate_size: 5}
arms:
  - name: control
  - name: all
    interventions:
      - {type: counter_narrative_injection, targeting: everyone, slots: [1]}
      - {type: not_interested}
      - {type: demote_harmful}
      - {type: moderation, latency_steps: 1}
      - {type: reuploads}
      - {type: hash_sharing}
)",
                                    "absent.yaml");
  const RunResult res = RunScenario(sc);
  const size_t cols = res.columns.size();
  auto column = [&](const std::string& name) {
    const size_t c = std::find(res.columns.begin(), res.columns.end(), name) - res.columns.begin();
    EXPECT_LT(c, cols) << name;
    return c;
  };
  for (const auto& run : res.runs) {
    if (run.arm != "control") continue;
    for (int64_t t = 0; t < res.steps; ++t) {
      for (const char* zero : {"mod_removed", "mod_removed_total", "cn_injected_impressions", "cn_users_reached",
                               "nim_dismissals", "dh_demoted_share", "hash_blocked", "ru_reuploaded"})
        EXPECT_EQ(run.rows[t * cols + column(zero)], 0.0) << zero;
      for (const char* na :
           {"mod_removed_within_hour_share", "cn_injected_ctr", "dh_demoted_harmful_share", "hash_db_size"})
        EXPECT_TRUE(std::isnan(run.rows[t * cols + column(na)])) << na;
    }
  }
  const nlohmann::json s = Summarize(sc, res);
  int not_applicable = 0;
  for (const auto& c : s["comparisons"]) {
    const std::string metric = c["metric"];
    // a comparison has a value, or says why not
    if (c["diff"].is_null()) {
      ASSERT_TRUE(c.contains("not_applicable") || c.contains("undefined")) << metric;
      if (c.contains("not_applicable")) {
        EXPECT_NE(c["not_applicable"].get<std::string>().find("arm 'control' has no"), std::string::npos) << metric;
        ++not_applicable;
      }
    }
    // a signed quantity has no relative difference (a ratio of signed drifts means nothing)
    if (metric.find("extremity") != std::string::npos) {
      EXPECT_FALSE(c.contains("relative")) << metric;
    }
    if (metric == "mod_removed_total") {
      // against a control that removed nothing: the arm's own mean
      EXPECT_FALSE(c.contains("not_applicable"));
      EXPECT_DOUBLE_EQ(c["diff"].get<double>(), s["arms"]["all"]["final"]["mod_removed_total"]["mean"].get<double>());
      EXPECT_GT(c["diff"].get<double>(), 0);
    }
  }
  EXPECT_GE(not_applicable, 4);
  EXPECT_EQ(s["arms"]["control"]["final"]["cn_injected_ctr"]["not_applicable"],
            "arm 'control' has no counter_narrative_injection: cn_injected_ctr is defined only where it runs");
  EXPECT_FALSE(s["arms"]["control"]["final"]["mod_removed"].contains("not_applicable"));
}

}  // namespace
}  // namespace counterpoint

namespace counterpoint {
namespace {

// one replicate-level share column, one signed column: base {0.1, 0.2, 0.3} / {-1, 0, 1};
// treat {0, 0, 0.3} / {0, 1, 2}
struct KindsFixture {
  Scenario sc;
  RunResult res;
  KindsFixture() {
    sc.name = "kinds";
    sc.steps = 1;
    sc.replicates = 3;
    sc.arms = {ArmSpec{"base", {}, {}, {}, {}, {}}, ArmSpec{"treat", {}, {}, {}, {}, {}}};
    res.columns = {"rabbit_hole_share", "extremity_mean"};
    res.metric_kinds = {{"rabbit_hole_share", MetricKind::kShare}, {"extremity_mean", MetricKind::kSigned}};
    res.steps = 1;
    const double base_share[3] = {0.1, 0.2, 0.3}, treat_share[3] = {0, 0, 0.3};
    for (int r = 0; r < 3; ++r) {
      res.runs.push_back({"base", r, 0, {base_share[r], r - 1.0}, {}, {}, {}, {}, {}});
      res.runs.push_back({"treat", r, 0, {treat_share[r], r + 0.0}, {}, {}, {}, {}, {}});
    }
  }
};

double Expit(double x) { return 1 / (1 + std::exp(-x)); }

TEST(SummarizeTest, ASharesIntervalIsOnTheLogitScaleAndStaysInsideZeroOne) {
  const KindsFixture f;
  const nlohmann::json s = Summarize(f.sc, f.res);
  EXPECT_EQ(s["metric_kinds"]["rabbit_hole_share"], "share");
  EXPECT_EQ(s["metric_kinds"]["extremity_mean"], "signed");
  // base {0.1, 0.2, 0.3}: logit(0.2) ± t (0.1/sqrt 3) / 0.16
  const auto& base = s["arms"]["base"]["final"]["rabbit_hole_share"];
  const double half = kT2 * 0.1 / std::sqrt(3.0) / 0.16;
  EXPECT_NEAR(base["ci95_low"].get<double>(), Expit(std::log(0.25) - half), 1e-12);
  EXPECT_NEAR(base["ci95_high"].get<double>(), Expit(std::log(0.25) + half), 1e-12);
  // treat {0, 0, 0.3}: the t interval would start below 0, this one does not
  const auto& treat = s["arms"]["treat"]["final"]["rabbit_hole_share"];
  EXPECT_GT(treat["ci95_low"].get<double>(), 0);
  EXPECT_LT(treat["ci95_high"].get<double>(), 1);
  // the signed column keeps the t interval: {-1, 0, 1}, mean 0, sd 1
  const auto& signed_base = s["arms"]["base"]["final"]["extremity_mean"];
  EXPECT_NEAR(signed_base["ci95_low"].get<double>(), -kT2 / std::sqrt(3.0), 1e-12);
  // comparisons: the difference of a share is a plain paired difference (it may be negative);
  // a signed column has no relative difference, a share has one
  for (const auto& c : s["comparisons"]) {
    if (c["metric"] == "rabbit_hole_share") {
      EXPECT_NEAR(c["diff"].get<double>(), -0.1, 1e-12);
      EXPECT_TRUE(c.contains("relative"));
    } else {
      EXPECT_FALSE(c.contains("relative")) << c.dump();
    }
  }
  // metrics_summary.csv gives the same interval as summary.json
  const auto rows = SplitCsv(MetricsSummaryCsv(f.sc, f.res));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[1][2], "rabbit_hole_share");
  EXPECT_NEAR(std::stod(rows[1][4]), base["ci95_low"].get<double>(), 1e-9);
  EXPECT_NEAR(std::stod(rows[1][5]), base["ci95_high"].get<double>(), 1e-9);
}

}  // namespace
}  // namespace counterpoint
