// "Not interested": users dismiss unwanted items; the platform suppresses similar ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "recommender/intervention.h"

namespace counterpoint {

/// Users dismiss an unwanted item of their slate with probability `probability`; for
/// `suppress_steps` steps the platform then drops, for that user, every candidate whose
/// cosine to a dismissed item is at least `similarity` (score -inf: shown only if the pool
/// runs out). Unwanted (the user's side, docs/interventions.md): an organic slot the user
/// did not click whose content is harmful (ground-truth label), in a session where the
/// user clicked nothing harmful. The user's dismissals are marked in ChoiceBuffer::dismissed
/// (OnResponse), so the event log shows them; the platform then records every dismissed
/// slot (OnFeedback) in a per-user ring of the last `memory` dismissals.
class NotInterested : public Intervention {
 public:
  NotInterested(double probability, double similarity, int suppress_steps, int memory)
      : probability_(probability), similarity_(similarity), suppress_steps_(suppress_steps), memory_(memory) {}
  void Init(const InterventionContext& ctx) override;
  bool Shardable() const override { return true; }
  std::vector<std::string> Columns() const override { return {"nim_dismissals", "nim_suppressed_candidates"}; }
  std::vector<std::string> ColumnsZeroWhenAbsent() const override { return Columns(); }
  void BeginStep(const RecContext& ctx) override;
  void OnScores(const RecContext& ctx, SlateBatch& batch) override;
  void OnResponse(const RecContext& ctx, const SlateBatch& batch, ChoiceBuffer& choices) override;
  void OnFeedback(const RecContext& ctx, const SlateBatch& batch, const ChoiceBuffer& choices) override;
  void WriteMetrics(const RecContext& ctx, double* row) override;
  void SaveState(StateWriter& out) const override;
  void LoadState(StateReader& in) override;

  /// Largest supported dismissal memory per user.
  static constexpr int kMaxMemory = 64;

 private:
  double probability_, similarity_;
  int suppress_steps_, memory_;
  Purpose purpose_ = Purpose::kIntervention;
  int64_t first_ = 0;               ///< the first user held; row r is user first_ + r
  std::vector<int64_t> dismissed_;  ///< users held x memory: dismissed item ids, -1 = none
  std::vector<int64_t> when_;       ///< users held x memory: step of each dismissal
  std::vector<int32_t> next_;       ///< per user: ring position of the next dismissal
  int64_t dismissals_ = 0, suppressed_ = 0;
};

}  // namespace counterpoint
