// Ground truth that reaches an intervention because people outside the ranking code carry
// it: each channel is named, and its error rates are its caller's parameters
// (docs/interventions.md, "What the platform sees"). The platform's own view is
// embeddings/platform_view.h; observers read the Catalog itself.
#pragma once

#include <cstdint>
#include <vector>

#include "embeddings/catalog.h"
#include "embeddings/perceptual_hash.h"

namespace counterpoint {

class TruthChannels {
 public:
  /// Channels onto `catalog`, which must outlive them.
  explicit TruthChannels(const Catalog& catalog);

  /// Human review: a reviewer watches the item and confirms it as harmful when the draw
  /// `u` in [0, 1) falls below 1 - false_negative for a harmful item, below
  /// false_positive for a legitimate one.
  bool ReviewConfirms(int64_t item, double u, double false_positive, double false_negative) const {
    return u < (IsHarmful(catalog_->label(item)) ? 1.0 - false_negative : false_positive);
  }
  /// Trusted flaggers: the probability that they flag the item in the step they look at
  /// it: `recall` for a harmful item, `false_flag_rate` for a legitimate one.
  double FlagProbability(int64_t item, double recall, double false_flag_rate) const {
    return IsHarmful(catalog_->label(item)) ? recall : false_flag_rate;
  }
  /// The base rate the flaggers' precision is stated against: harmful items in the catalog.
  int64_t harmful_items() const { return harmful_items_; }
  /// Creators: the creator of a removed item appeals when the item was legitimate.
  bool CreatorAppeals(int64_t item) const { return !IsHarmful(catalog_->label(item)); }
  /// The industry's shared hash database: an extremist original that other platforms'
  /// moderators removed and hashed is a candidate for the database's seed (its share is
  /// the caller's parameter).
  bool HashedElsewhere(int64_t item) const {
    return catalog_->parent(item) < 0 && catalog_->label(item) == Label::kExtremist;
  }
  /// Re-uploaders: the original an item copies, or -1; they know what they copy.
  int64_t CopyOf(int64_t item) const { return catalog_->parent(item); }
  /// The perceptual hash a platform computes from each upload's file (CatalogHashes):
  /// the file is the content, so the code depends on what the item copies or excerpts.
  std::vector<uint8_t> PerceptualHashes(uint64_t seed, const HashPerturbation& p) const {
    return CatalogHashes(*catalog_, seed, p);
  }

 private:
  const Catalog* catalog_;
  int64_t harmful_items_ = 0;
};

}  // namespace counterpoint
