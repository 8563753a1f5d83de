// reuploads: creators of removed or blocked items re-upload a pending near-duplicate
// (the catalog's re-upload pool, docs/model.md §1) after a delay (docs/interventions.md,
// "Uploads, re-uploads and hash_sharing"). Not a platform policy but the adversary's
// behaviour; an intervention so that it runs in the same step order as moderation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "recommender/intervention.h"

namespace counterpoint {

/// Each removal or block of an item of a pooled family (an original with copies, or one
/// of its copies) makes its creator re-upload the family's next pending copy `delay`
/// steps later, with probability `probability`. Columns: ru_reuploaded (copies
/// re-uploaded this step, before screening), ru_scheduled (waiting for their step).
class Reuploads : public Intervention {
 public:
  Reuploads(int64_t delay, double probability) : delay_(delay), probability_(probability) {}

  void Init(const InterventionContext& ctx) override;
  bool Shardable() const override { return true; }  // per item, replicated on every rank
  std::vector<std::string> Columns() const override { return {"ru_reuploaded", "ru_scheduled", "ru_reuploaded_total"}; }
  std::vector<std::string> ColumnsZeroWhenAbsent() const override { return Columns(); }
  void RequestUploads(const RecContext& ctx, const ItemActions& actions, std::vector<int64_t>& arriving) override;
  void WriteMetrics(const RecContext& ctx, const Catalog& truth, double* row) override;
  void SaveState(StateWriter& out) const override;
  void LoadState(StateReader& in) override;

 private:
  struct Due {
    int64_t item;
    int64_t step;
  };
  int64_t delay_;
  double probability_;
  uint64_t seed_ = 0;
  Purpose purpose_ = Purpose::kIntervention;
  size_t log_cursor_ = 0;
  // copies of each original, by index: family f's copies are copies_[start_[f] .. start_[f + 1])
  std::vector<int64_t> family_;     ///< per item: its family (the original's index), -1 outside the pool
  std::vector<int64_t> start_;      ///< per original item: offset of its copies (size n + 1)
  std::vector<int64_t> copies_;     ///< copies grouped by original, ascending
  std::vector<int64_t> next_copy_;  ///< per original: offset of the next copy not yet scheduled
  std::vector<Due> due_;            ///< scheduled re-uploads, steps ascending
  size_t due_head_ = 0;
  int64_t reuploaded_ = 0, total_reuploaded_ = 0;
};

}  // namespace counterpoint
