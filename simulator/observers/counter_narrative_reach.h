// The counter_narrative_reach observer: whom counter-narratives reach (the at-risk users or
// the rest), and the harmful traffic each item sends to at-risk users (for the NGO coverage
// map, simulator/observers/coverage_gaps.h). It measures with ground truth (true interest, appetite,
// labels); interventions never see it (docs/metrics.md, "counter_narrative_reach").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "simulator/observers/observer.h"

namespace counterpoint {

/// Who counts as at risk, from ground truth at the start of the run.
struct AtRiskOptions {
  double extremity_quantile = 0.75;  ///< top quartile of the true interest's extremity projection
  double appetite_threshold = 0.75;  ///< or appetite at or above this
};

/// The observer's at-risk parameters (extremity_quantile, appetite_threshold) from its Params.
AtRiskOptions AtRiskOptionsFrom(const Params& p);

/// 1 for users at risk: the projection of their true interest on the extremity direction at
/// or above the `extremity_quantile` quantile (type 7) of all users', or appetite >= threshold.
/// For each user held (pop's rows), whether at risk; the quantile is over every rank's users.
std::vector<uint8_t> AtRiskUsers(const Population& pop, const Catalog& catalog, const AtRiskOptions& options,
                                 const Collective& users = Serial());

/// Options of the NGO coverage map computed from this observer's counts.
struct CoverageOptions {
  int regions = 24;      ///< k of the k-means over harmful items
  double radius = 0.15;  ///< cosine distance within which a counter-narrative covers a region
  int iterations = 20;   ///< Lloyd iterations
  /// Counter-narratives of these creators (organisations) only, ascending; empty: every
  /// counter-narrative of the catalog. The runner sets it to the organisations an arm's
  /// counter_narrative_injection draws from, so the map shows what that arm can cover.
  std::vector<int64_t> organisations;
};

ComponentSpec CounterNarrativeReachSpec();

/// Columns: cn_reach_at_risk, cn_reach_not_at_risk (share of each group with at least one
/// counter-narrative impression so far, any provenance), cn_injected_reach_at_risk,
/// cn_injected_reach_not_at_risk (by injected slots only), cn_at_risk_harmful_impressions
/// (this step's harmful impressions to at-risk users), at_risk_extremity_drift (mean over
/// at-risk users of their true extremity projection now minus at the start).
class CounterNarrativeReachObserver : public Observer {
 public:
  explicit CounterNarrativeReachObserver(const Params& p);
  std::vector<std::string> Columns() const override;
  bool Shardable() const override { return true; }
  void BeginStep(const StepView& view) override;
  void ObserveBatch(const StepView& view, const SlateBatch& batch, const ChoiceBuffer& choices) override;
  void EndStep(const StepView& view, double* row) override;
  void SaveState(StateWriter& out) const override;
  void LoadState(StateReader& in) override;

  const std::vector<uint8_t>& at_risk() const { return at_risk_; }
  /// Per item: impressions to at-risk users so far (any provenance).
  const std::vector<int64_t>& at_risk_impressions() const { return at_risk_impressions_; }
  const CoverageOptions& coverage() const { return coverage_; }

 private:
  AtRiskOptions options_;
  CoverageOptions coverage_;
  bool initialised_ = false;
  std::vector<uint8_t> at_risk_, reached_, reached_injected_;
  std::vector<int64_t> at_risk_impressions_;
  std::vector<double> start_projection_;  ///< per user, at the start (at-risk users only)
  int64_t n_at_risk_ = 0, reached_at_risk_ = 0, reached_rest_ = 0;
  int64_t injected_at_risk_ = 0, injected_rest_ = 0, harmful_at_risk_step_ = 0;
  /// this step's counts on this rank (newly reached users, harmful at-risk impressions)
  enum { kReachedAtRisk, kReachedRest, kInjectedAtRisk, kInjectedRest, kHarmfulAtRisk, kStepCounts };
  std::array<int64_t, kStepCounts> step_counts_{};
  std::vector<int64_t> step_impressions_;  ///< sharded: this step's at-risk impressions per item
};

}  // namespace counterpoint
