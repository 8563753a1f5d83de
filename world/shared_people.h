// People on several platforms (docs/crisis.md, "People on several platforms"): a later
// platform's simulated audience whose first users are an earlier audience's first users. A
// shared person has one interest and one set of traits; what they click on either platform
// moves it, and each platform's recommender sees only its own clicks.
#pragma once

#include <cstdint>
#include <vector>

#include "simulator/population.h"

namespace counterpoint {

class SharedPeople {
 public:
  /// Makes the first m users of `to` (m at most either population's size) the first m users
  /// of `from`: their true interests and traits (susceptibility, appetite, receptivity)
  /// become from's. Each keeps its own platform's session probability and counters, and its
  /// cold-start estimate keeps its own error, moved onto the shared interest:
  /// normalize(interest_from + estimate_to - interest_to). Both hold every user (unsharded).
  SharedPeople(const Population& from, Population& to, int64_t m);

  int64_t size() const { return m_; }

  /// After both platforms stepped: each shared person's interest takes the drift of both,
  /// normalize(a + b - before), where a and b are the two platforms' rows and `before` the
  /// interest after the last merge; where one side did not move, the other's row, exactly.
  /// Both rows then hold the result.
  void Merge(Population& from, Population& to);

 private:
  int64_t m_ = 0, d_ = 0;
  std::vector<float> before_;  ///< m x d: the shared interests after the last merge
};

}  // namespace counterpoint
