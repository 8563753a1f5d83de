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
  /// How the estimate learns from a click: "click_average" moves it toward the
  /// clicked item; "choice_gradient" takes a gradient step on the log-likelihood
  /// of a multinomial-logit choice among the shown items (clicked minus expected).
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

  /// Learning from one session's feedback (docs/model.md, "Learning from clicks"):
  /// click_average:   e <- normalise((1 - lr) e + lr x_c) for each click c;
  /// choice_gradient: e <- normalise(e + lr (x_c - sum_j p_j x_j)), p = softmax(T <e, x_j>) over the slate.
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
