// The one route by which ground truth reaches a ranker: an oracle baseline (the ranker
// `oracle`, docs/model.md §4, "Oracle baseline") asks for the user's true utility of an
// item. A platform cannot know it; the oracle is a yardstick, not a platform. The
// simulation hands it only to a ranker whose registered name begins with "oracle"
// (Recommender::ConnectOracle); interventions, retrievers and other rankers never get it.
#pragma once

#include <cstdint>

namespace counterpoint {

/// The user model's utility of an item for a user, as the user would experience it.
class OracleTruth {
 public:
  virtual ~OracleTruth() = default;
  /// Utility of `item` for `user` (a user of the batch being ranked), from the user's true
  /// interest and traits at this moment.
  virtual double Utility(int64_t user, int64_t item) const = 0;
};

}  // namespace counterpoint
