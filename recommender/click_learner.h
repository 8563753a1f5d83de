// A ranker that learns from who clicked what, not only from the per-item counts of
// ItemState: the Recommender hands it each batch's teaching clicks after the feedback hooks.
#pragma once

#include <cstdint>
#include <span>

#include "recommender/batch.h"

namespace counterpoint {

/// One click that teaches the ranker: a global user id and the item clicked.
struct UserClick {
  int32_t user = 0;
  int64_t item = 0;
};

/// Implemented next to Ranker by rankers that keep per-user statistics (cf_als). The
/// platform's view only: who clicked which item id, never why.
class ClickLearner {
 public:
  virtual ~ClickLearner() = default;
  /// The batch's clicks whose slots teach the ranker (Recommender::Teaches: organic, or
  /// learn_from_injected), in user order then click order. Called once per batch, after
  /// the interventions' OnFeedback; what it learns may change scores from the next step on.
  virtual void ObserveClicks(const RecContext& ctx, std::span<const UserClick> clicks) = 0;
};

}  // namespace counterpoint
