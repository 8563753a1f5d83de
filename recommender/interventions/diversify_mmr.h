// Maximal marginal relevance re-ranking (Carbonell & Goldstein, SIGIR 1998).
#pragma once

#include "recommender/intervention.h"

namespace counterpoint {

/// Re-ranks each user's candidate pool before the cut: greedily picks slate_size items,
/// each maximising lambda * rel(i) - (1 - lambda) * max_{j in S} <x_i, x_j>, with rel the
/// ranker's score min-max normalised over the user's candidates and S the items picked
/// so far (the max term is 0 for the first pick). The chosen items get scores that make
/// the cut reproduce that order (docs/interventions.md, "diversify_mmr").
class DiversifyMmr : public Intervention {
 public:
  explicit DiversifyMmr(double lambda) : lambda_(lambda) {}
  bool Shardable() const override { return true; }
  bool BuildsSlate() const override { return true; }  // greedy MMR picks, rank-order scores
  void OnScores(const RecContext& ctx, SlateBatch& batch) override;
  // stateless: nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}

 private:
  double lambda_;
};

}  // namespace counterpoint
