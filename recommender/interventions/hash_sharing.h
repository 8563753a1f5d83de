// hash_sharing: a shared database of removed items' perceptual hashes that blocks
// uploads within a Hamming distance (docs/interventions.md, "Uploads, re-uploads and
// hash_sharing"; the GIFCT hash-sharing database with PDQ hashes).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "embeddings/hash_database.h"
#include "embeddings/perceptual_hash.h"
#include "recommender/intervention.h"

namespace counterpoint {

struct HashSharingParams {
  int match_threshold = 31;  ///< delta: block an upload within this Hamming distance of a shared hash
  HashPerturbation perturbation;
  double seed_share = 0;  ///< share of extremist originals whose hashes other platforms shared before step 0
};

/// Every removal (any channel) adds the item's hash to the database, a successful
/// appeal takes it out; each upload (new items and re-uploads alike) whose hash lies
/// within delta of a hash in the database is blocked. Columns: hash_blocked,
/// hash_blocked_legitimate (legitimate items blocked, ground truth: chance matches and
/// news reports that excerpt a removed item), hash_db_size, hash_blocked_news, and the
/// first, second and fourth since the start (_total).
class HashSharing : public Intervention {
 public:
  explicit HashSharing(const HashSharingParams& p) : p_(p) {}

  void Init(const InterventionContext& ctx) override;
  bool Shardable() const override { return true; }  // per item, replicated on every rank
  std::vector<std::string> Columns() const override {
    return {"hash_blocked",       "hash_blocked_legitimate",       "hash_db_size",           "hash_blocked_news",
            "hash_blocked_total", "hash_blocked_legitimate_total", "hash_blocked_news_total"};
  }
  std::vector<std::string> ColumnsZeroWhenAbsent() const override {
    return {"hash_blocked",       "hash_blocked_legitimate",       "hash_blocked_news",
            "hash_blocked_total", "hash_blocked_legitimate_total", "hash_blocked_news_total"};
  }
  void OnUploads(const RecContext& ctx, std::span<const int64_t> arriving, ItemActions& actions) override;
  void WriteMetrics(const RecContext& ctx, const Catalog& truth, double* row) override;
  void SaveState(StateWriter& out) const override;
  void LoadState(StateReader& in) override;

  /// The items' codes (n x kHashBytes), for tests.
  const std::vector<uint8_t>& codes() const { return codes_; }
  int64_t db_size() const { return db_ ? db_->size() : 0; }

 private:
  HashSharingParams p_;
  std::vector<uint8_t> codes_;
  std::unique_ptr<HashDatabase> db_;
  size_t log_cursor_ = 0;
  std::vector<uint8_t> query_;  ///< codes of this step's uploads
  std::vector<int64_t> query_items_, nearest_;
  std::vector<int32_t> distance_;
  int64_t blocked_ = 0, blocked_legitimate_ = 0, blocked_news_ = 0;
  std::vector<int64_t> blocked_items_;                                 ///< this step's blocks, measured at WriteMetrics
  int64_t total_blocked_ = 0, total_legitimate_ = 0, total_news_ = 0;  ///< since the start
};

}  // namespace counterpoint
