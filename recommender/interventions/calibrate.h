// Calibrated recommendations (Steck, RecSys 2018).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "recommender/intervention.h"

namespace counterpoint {

/// Re-ranks each user's candidate pool so that the slate's topic mix q matches the topic
/// mix p of the user's recent clicks (what the platform sees): greedily picks slate_size
/// items maximising (1 - lambda) * sum_{i in S} rel(i) - lambda * KL(p || q~(S)), with
/// q~ = (1 - alpha) q + alpha p and rel the ranker's score min-max normalised per user.
/// p is the topic histogram of the user's last `history` clicks (a ring per user, filled
/// in OnFeedback); a user without clicks keeps the ranker's order (docs/interventions.md).
class Calibrate : public Intervention {
 public:
  Calibrate(double lambda, double alpha, int history) : lambda_(lambda), alpha_(alpha), history_(history) {}
  void Init(const InterventionContext& ctx) override;
  bool Shardable() const override { return true; }
  bool BuildsSlate() const override { return true; }  // greedy calibrated picks, rank-order scores
  std::vector<std::string> Columns() const override { return {"cal_kl", "cal_users"}; }
  std::vector<std::string> ColumnsZeroWhenAbsent() const override { return {"cal_users"}; }
  void BeginStep(const RecContext& ctx) override;
  void OnScores(const RecContext& ctx, SlateBatch& batch) override;
  void OnFeedback(const RecContext& ctx, const SlateBatch& batch, const ChoiceBuffer& choices) override;
  void WriteMetrics(const RecContext& ctx, const Catalog& truth, double* row) override;
  void SaveState(StateWriter& out) const override;
  void LoadState(StateReader& in) override;

  /// Largest supported history ring.
  static constexpr int kMaxHistory = 256;

 private:
  double lambda_, alpha_;
  int history_;
  int64_t first_ = 0;            ///< the first user held; row r is user first_ + r
  std::vector<int32_t> ring_;    ///< users held x history: topics of the last clicks
  std::vector<int64_t> pushed_;  ///< per user held: clicks pushed so far
  std::vector<double> kl_;       ///< per user held: KL(p || q~) of this step's slate (NaN without history)
  std::vector<double> step_kl_;  ///< this step's KL values of this rank's users, in user order
  double kl_sum_ = 0;            ///< the step's sum and count over every rank's users (WriteMetrics)
  int64_t kl_users_ = 0;
};

}  // namespace counterpoint
