// The recommender pipeline: Retriever -> candidate hooks -> Ranker -> slate cut ->
// slate hooks, plus learning from clicks.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "recommender/plugins.h"

namespace counterpoint {

/// Upper bound on candidates per user (slate cutting works on a stack buffer).
inline constexpr int kMaxCandidates = 4096;
/// Upper bounds for stack buffers in learning (validated by the scenario loader).
inline constexpr int kMaxSlate = 256;
inline constexpr int kMaxDim = 4096;

struct RecommenderOptions {
  int candidates = 200;        ///< k retrieved per user
  int slate_size = 10;         ///< items shown per user and step
  double learning_rate = 0.3;  ///< step size of the estimate update
  /// How the estimate learns from a session's clicks: "click_average" moves it toward
  /// each clicked item; "choice_gradient" takes one gradient step on the session's
  /// log-likelihood under a sequential multinomial logit among the shown items.
  std::string learner = "choice_gradient";
  double learner_temperature = 5.0;  ///< choice_gradient: logit scale of <estimate, item>
};

class Recommender {
 public:
  Recommender(std::unique_ptr<Retriever> retriever, std::unique_ptr<Ranker> ranker,
              std::vector<std::unique_ptr<Intervention>> interventions, RecommenderOptions options);

  const RecommenderOptions& options() const { return options_; }

  /// Once per step before the first batch.
  void BeginStep(const RecContext& ctx);
  /// Stages 2-5 of a step for one batch: fills batch.slate from batch.queries.
  void Recommend(const RecContext& ctx, SlateBatch& batch);
  /// Stage 9: epoch hooks of interventions whose cadence divides the step.
  void EndStep(const RecContext& ctx, ItemState& items);

  /// Learning from one session's feedback (docs/model.md §4, "Learning from clicks"); a session
  /// without clicks leaves the estimate unchanged. clicks are in the order they were made.
  /// click_average:   e <- normalise((1 - lr) e + lr x_c) for each click c in turn;
  /// choice_gradient: e <- normalise(e + lr sum_k (x_{c_k} - sum_{j in S_k} p_kj x_j)), with
  ///   S_k the shown items not clicked before c_k and p_kj = softmax over S_k of T <e, x_j> (e before the update).
  void Learn(const Catalog& catalog, const int64_t* slate, int slate_size, const int64_t* clicks, int n_clicks,
             float* estimate) const;

 private:
  std::unique_ptr<Retriever> retriever_;
  std::unique_ptr<Ranker> ranker_;
  std::vector<std::unique_ptr<Intervention>> interventions_;
  RecommenderOptions options_;
};

/// Cuts each user's candidates to the top slate_size by cand_score (ties: higher
/// similarity, then lower id), writing batch.slate and batch.slate_score.
void CutSlates(SlateBatch& batch);

}  // namespace counterpoint
