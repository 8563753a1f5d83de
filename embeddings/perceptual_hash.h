// Perceptual-hash codes of items (PDQ-like, 256 bits) and a FAISS binary index of
// shared hashes for matching uploads within a Hamming distance (docs/interventions.md,
// "Uploads, re-uploads and hash_sharing").
#pragma once

#include <faiss/IndexBinaryFlat.h>

#include <cstdint>
#include <vector>

#include "embeddings/catalog.h"

namespace counterpoint {

inline constexpr int kHashBits = 256;
inline constexpr int kHashBytes = kHashBits / 8;

/// Hamming distance between two 256-bit codes.
int HammingDistance(const uint8_t* a, const uint8_t* b);

/// Writes item's random code: 256 Philox bits keyed by (seed, item).
void RandomHash(uint64_t seed, int64_t item, uint8_t* code);

/// Flips exactly `n_flips` distinct bits of `code`, chosen uniformly (a partial
/// Fisher-Yates shuffle keyed by (seed, item)).
void FlipBits(uint64_t seed, int64_t item, int n_flips, uint8_t* code);

/// How a near-duplicate's code differs from its parent's: a re-encode flips few
/// bits, an edit (crop, overlay, re-cut) many.
struct HashPerturbation {
  int reencode_bit_flips = 8;
  int edit_bit_flips = 64;
  double edit_share = 0.3;  ///< share of copies that are edits
};

/// Bits a copy flips relative to its parent (0 for an original): an edit with
/// probability edit_share, keyed by (seed, item).
int CopyBitFlips(const Catalog& catalog, uint64_t seed, int64_t item, const HashPerturbation& p);

/// Codes of every item, n x kHashBytes row-major: an original (parent -1) gets a
/// random code; a copy its parent's code with CopyBitFlips bits flipped. Unrelated
/// items are independent, so two of them match within d bits with probability
/// P(Binomial(256, 1/2) <= d).
std::vector<uint8_t> CatalogHashes(const Catalog& catalog, uint64_t seed, const HashPerturbation& p);

/// A database of shared hashes (FAISS IndexBinaryFlat: exact Hamming search),
/// each tagged with the item it came from.
class HashDatabase {
 public:
  /// `capacity` bounds the codes held (storage is reserved once).
  explicit HashDatabase(int64_t capacity);

  int64_t size() const { return static_cast<int64_t>(items_.size()); }
  /// The item of each code held, in index order (adding them again rebuilds the same index).
  const std::vector<int64_t>& items() const { return items_; }
  /// Adds item's code.
  void Add(int64_t item, const uint8_t* code);
  /// Drops every code added for item (e.g. after a successful appeal).
  void Remove(int64_t item);
  /// For each of n codes, the distance to the nearest code held (kHashBits + 1 when empty).
  void Nearest(const uint8_t* codes, int64_t n, int32_t* distances, int64_t* labels) const;

 private:
  faiss::IndexBinaryFlat index_;
  std::vector<int64_t> items_;  ///< item of each code, in index order
};

}  // namespace counterpoint
