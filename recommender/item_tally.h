// Per-item counts of what an intervention did during a step (demotions, dismissals), so
// that the ground-truth make-up of its actions is measured in WriteMetrics, the one hook
// given the truth, and not where it acts (docs/interventions.md, "What the platform sees").
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

namespace counterpoint {

class ItemTally {
 public:
  /// n_items counters at zero.
  void Reset(int64_t n_items) { count_.assign(static_cast<size_t>(n_items), 0); }
  /// One more for `item`; safe from concurrent threads (integer counts: any order gives the same sums).
  void Add(int64_t item) { std::atomic_ref<uint32_t>(count_[item]).fetch_add(1, std::memory_order_relaxed); }
  /// Sum of the counts of the items that satisfy `pred` (a function of the item id).
  template <class Pred>
  int64_t Count(Pred pred) const {
    int64_t total = 0;
    for (size_t i = 0; i < count_.size(); ++i)
      if (count_[i] != 0 && pred(static_cast<int64_t>(i))) total += count_[i];
    return total;
  }
  /// Every counter back to zero (the end of a step's measurement).
  void Clear() { std::fill(count_.begin(), count_.end(), 0u); }

 private:
  std::vector<uint32_t> count_;
};

}  // namespace counterpoint
