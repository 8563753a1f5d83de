// Summaries of a run: final values with CIs, comparisons against the control,
// amplification and the per-step metrics_summary.csv.
#include "experiment/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/io.h"
#include "core/multiplicity.h"
#include "core/stats.h"
#include "experiment/metric_kinds.h"
#include "experiment/runner.h"
#include "simulator/observers/label_reach.h"

namespace counterpoint {

namespace {

// the replicates in which `arm` ran every step (all of them unless the run stopped early)
std::vector<int> CompleteReplicates(const RunResult& res, const std::string& arm) {
  std::vector<int> out;
  for (const auto& run : res.runs)
    if (run.arm == arm && run.Complete(res.steps)) out.push_back(run.replicate);
  return out;
}

// replicates in both lists (ascending): the pairs of a paired comparison
std::vector<int> Common(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> out;
  for (int r : a)
    if (std::find(b.begin(), b.end(), r) != b.end()) out.push_back(r);
  return out;
}

// final-step value of column c for each of `replicates` of `arm` (a partial run's
// incomplete arms never enter a summary: their last step is not the final step)
std::vector<double> FinalValues(const RunResult& res, const std::string& arm, size_t c,
                                const std::vector<int>& replicates) {
  std::vector<double> out;
  const size_t cols = res.columns.size();
  for (int r : replicates)
    for (const auto& run : res.runs)
      if (run.arm == arm && run.replicate == r) out.push_back(run.rows[(res.steps - 1) * cols + c]);
  return out;
}

// one comparison record: paired difference of final values, and the paired relative difference
nlohmann::json Comparison(const std::string& arm, const std::string& control, const std::string& metric,
                          MetricKind kind, const std::vector<double>& a, const std::vector<double>& b) {
  const Estimate d = PairedDifference(a, b);
  auto num = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
  nlohmann::json j = {{"arm", arm},
                      {"control", control},
                      {"metric", metric},
                      {"diff", num(d.mean)},
                      {"ci_low", num(d.ci_low)},
                      {"ci_high", num(d.ci_high)},
                      {"n", d.n}};
  // a relative difference (arm / control - 1) means something for levels and shares, not for
  // signed quantities (extremity is a signed projection, and so is a drift of it)
  if (kind != MetricKind::kSigned) {
    // per replicate a_i / b_i - 1; undefined if any control value is 0 or missing
    std::vector<double> rel;
    for (size_t i = 0; i < a.size(); ++i)
      rel.push_back(b[i] != 0 && std::isfinite(b[i]) ? a[i] / b[i] - 1 : std::nan(""));
    const Estimate r = MeanCi(rel);
    j["relative"] = num(r.mean);
    j["relative_ci_low"] = num(r.ci_low);
    j["relative_ci_high"] = num(r.ci_high);
  }
  return j;
}

// Holm over one arm's comparisons (records `first`.. of `comparisons`, with their paired
// values): raw and adjusted p-values, and Bonferroni's simultaneous intervals at 1 - 0.05/m
void AdjustForMultiplicity(nlohmann::json& comparisons, size_t first,
                           const std::vector<std::pair<std::vector<double>, std::vector<double>>>& pairs) {
  auto num = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
  std::vector<double> p;
  for (const auto& [a, b] : pairs) p.push_back(StudentTwoSidedP(PairedDifference(a, b)));
  const std::vector<double> holm = HolmAdjust(p);
  const int m = DefinedCount(p);
  for (size_t i = 0; i < pairs.size(); ++i) {
    nlohmann::json& c = comparisons[first + i];
    c["p"] = num(p[i]);
    c["p_holm"] = num(holm[i]);
    c["distinguishable_after_holm"] = std::isnan(holm[i]) ? nlohmann::json(nullptr) : nlohmann::json(holm[i] < 0.05);
    const Estimate adjusted = m > 0 ? PairedDifference(pairs[i].first, pairs[i].second, 1 - 0.05 / m) : Estimate{};
    c["ci_low_adjusted"] = num(adjusted.ci_low);
    c["ci_high_adjusted"] = num(adjusted.ci_high);
  }
}

// why `column` has no value in `arm`: the intervention that writes it is not in that arm
// and the column is not one such an arm has as 0 (RunResult::zero_when_absent); "" if it applies
std::string NotApplicable(const Scenario& sc, const RunResult& res, const std::string& arm, const std::string& column) {
  const auto source = res.column_source.find(column);
  if (source == res.column_source.end() || res.zero_when_absent.count(column)) return "";
  for (const auto& a : sc.arms)
    if (a.name == arm)
      for (const auto& iv : a.interventions)
        if (iv.type == source->second) return "";
  return "arm '" + arm + "' has no " + source->second + ": " + column + " is defined only where it runs";
}

}  // namespace

nlohmann::json Summarize(const Scenario& sc, const RunResult& res) {
  nlohmann::json j;
  j["scenario"] = sc.name;
  j["steps"] = sc.steps;
  j["replicates"] = sc.replicates;
  j["statistic"] =
      "final-step value; mean over replicates with a 95% Student-t confidence interval, on the logit scale for "
      "shares (metric_kinds)";
  const std::string control = sc.ControlArm();
  j["baseline_arm"] = control;
  j["control"] = control;
  j["comparisons"] = nlohmann::json::array();
  j["multiplicity"] =
      "per arm, over its metrics: p (paired t test), p_holm (Holm 1979 step-down), distinguishable_after_holm "
      "(p_holm < 0.05); ci_low/high_adjusted are Bonferroni's simultaneous 95% intervals (level 1 - 0.05/m, m the "
      "arm's metrics with a p-value)";
  // each column's kind, which chose its interval (docs/metrics.md, "Statistics")
  j["metric_kinds"] = nlohmann::json::object();
  for (const auto& column : res.columns) j["metric_kinds"][column] = MetricKindName(KindOf(res, column));
  // a run stopped early is summarised over the replicates each arm completed; differences
  // pair the replicates both arms completed; arms with none are listed as missing
  j["partial"] = res.partial;
  if (res.partial) j["missing_arms"] = nlohmann::json::array();
  const std::vector<int> control_reps = CompleteReplicates(res, control);
  for (const auto& arm : sc.arms) {
    nlohmann::json a;
    const std::vector<int> reps = CompleteReplicates(res, arm.name);
    const std::vector<int> paired = Common(reps, control_reps);
    if (res.partial) {
      a["replicates_completed"] = reps.size();
      if (reps.empty()) j["missing_arms"].push_back(arm.name);
    }
    const size_t first = j["comparisons"].size();
    std::vector<std::pair<std::vector<double>, std::vector<double>>> pairs;
    for (size_t c = 0; c < res.columns.size(); ++c) {
      const std::string& column = res.columns[c];
      const auto values = FinalValues(res, arm.name, c, reps);
      const MetricKind kind = KindOf(res, column);
      a["final"][column] = EstimateJson(MeanCiOfKind(kind, values));
      const std::string mine_na = NotApplicable(sc, res, arm.name, column);
      if (!mine_na.empty()) a["final"][column]["not_applicable"] = mine_na;
      if (arm.name == control) continue;
      const auto mine = FinalValues(res, arm.name, c, paired), base = FinalValues(res, control, c, paired);
      a["difference_vs_baseline"][column] = EstimateJson(PairedDifference(mine, base));
      nlohmann::json cmp = Comparison(arm.name, control, column, kind, mine, base);
      // a comparison without a value says why, never a silent null
      const std::string na = !mine_na.empty() ? mine_na : NotApplicable(sc, res, control, column);
      if (!na.empty())
        a["difference_vs_baseline"][column]["not_applicable"] = na, cmp["not_applicable"] = na;
      else if (cmp["diff"].is_null())
        cmp["undefined"] = "a replicate of '" + arm.name + "' or '" + control + "' has no value at the final step (" +
                           column + " over an empty set there)";
      j["comparisons"].push_back(std::move(cmp));
      pairs.emplace_back(mine, base);
    }
    AdjustForMultiplicity(j["comparisons"], first, pairs);
    j["arms"][arm.name] = a;
  }
  // amplification (Huszar et al. 2022): users a group of sources reached under an arm over
  // users it reached under the reverse-chronological control, per replicate: harmful content
  // (harmful_reach) as "amplification", each label (the label_reach observer's reach_<label>)
  // under "amplification_by_group" with the replicates' ratios listed
  if (!sc.amplification_control.empty()) {
    const std::vector<int> amp_reps = CompleteReplicates(res, sc.amplification_control);
    std::vector<std::pair<std::string, std::string>> groups = {{"harmful_reach", ""}};  // column, label
    for (int l = 0; l < kNumLabels; ++l)
      groups.emplace_back(LabelReachColumn(static_cast<Label>(l)), LabelName(static_cast<Label>(l)));
    for (const auto& [column, label] : groups) {
      const auto col = std::find(res.columns.begin(), res.columns.end(), column) - res.columns.begin();
      if (col >= static_cast<std::ptrdiff_t>(res.columns.size())) continue;
      j["amplification_control"] = sc.amplification_control;
      for (const auto& arm : sc.arms) {
        if (arm.name == sc.amplification_control) continue;
        const std::vector<int> paired = Common(CompleteReplicates(res, arm.name), amp_reps);
        const auto values = FinalValues(res, arm.name, col, paired);
        const auto base = FinalValues(res, sc.amplification_control, col, paired);
        // shares of the same users in both arms: the groups' sizes are equal
        std::vector<double> ratio;
        for (size_t i = 0; i < values.size(); ++i) ratio.push_back(AmplificationRatio(values[i], 1, base[i], 1));
        nlohmann::json e = EstimateJson(MeanCi(ratio));
        if (label.empty()) {
          j["arms"][arm.name]["amplification"] = std::move(e);
        } else {
          e["per_replicate"] = ratio;
          j["arms"][arm.name]["amplification_by_group"][label] = std::move(e);
        }
      }
    }
  }
  return j;
}

std::string MetricsSummaryCsv(const Scenario& sc, const RunResult& res) {
  // runs of each arm, in scenario order
  std::vector<std::vector<const ArmRun*>> by_arm(sc.arms.size());
  for (const auto& run : res.runs)
    for (size_t a = 0; a < sc.arms.size(); ++a)
      if (run.arm == sc.arms[a].name) by_arm[a].push_back(&run);
  std::ostringstream out;
  out << "step,arm,metric,mean,ci95_low,ci95_high,n\n";
  const size_t cols = res.columns.size();
  std::vector<MetricKind> kinds;
  for (const auto& column : res.columns) kinds.push_back(KindOf(res, column));
  std::vector<double> values;
  // a partial run: only the steps some run reached
  int64_t steps = 0;
  for (const auto& run : res.runs) steps = std::max(steps, run.Steps(res.steps));
  for (int64_t t = 0; t < steps; ++t)
    for (size_t a = 0; a < sc.arms.size(); ++a)
      for (size_t c = 0; c < cols; ++c) {
        // mean over replicates with its Student-t 95% CI (on the logit scale for a share)
        values.clear();
        for (const ArmRun* run : by_arm[a])
          if (t < run->Steps(res.steps)) values.push_back(run->rows[t * cols + c]);
        const Estimate e = MeanCiOfKind(kinds[c], values);
        out << t << ',' << sc.arms[a].name << ',' << res.columns[c] << ',' << CsvNumber(e.mean) << ','
            << CsvNumber(e.ci_low) << ',' << CsvNumber(e.ci_high) << ',' << e.n << '\n';
      }
  return out.str();
}

}  // namespace counterpoint
