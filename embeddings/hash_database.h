// A database of shared perceptual hashes (256-bit codes) that answers "is there a code
// within Hamming distance r of this upload?" exactly, at millions of codes: multi-index
// hashing (Norouzi, Punjani & Fleet, "Fast search in Hamming space with multi-index
// hashing", CVPR 2012). The 256 bits are cut into 16 disjoint 16-bit substrings, each
// the key of a table of 65,536 buckets; two codes within distance r agree within
// floor(r / 16) bits on at least one substring (pigeonhole), so probing each table at the
// query's key and at every key within that many bit flips finds every code within r.
// Small databases (under kIndexFrom codes) and radii above 63 (more than 3 flips per key)
// are scanned instead. Timings against the scan and FAISS's IndexBinaryMultiHash:
// bench/RESULTS.md, "Hash database".
#pragma once

#include <cstdint>
#include <vector>

#include "embeddings/perceptual_hash.h"

namespace counterpoint {

class HashDatabase {
 public:
  /// `capacity` bounds the codes held, for reserving storage once (more may be added).
  explicit HashDatabase(int64_t capacity);

  int64_t size() const { return static_cast<int64_t>(items_.size()); }
  /// The item of each code held, in the order added (adding them again rebuilds the same database).
  const std::vector<int64_t>& items() const { return items_; }
  /// Adds item's code.
  void Add(int64_t item, const uint8_t* code);
  /// Drops every code added for item (e.g. after a successful appeal). The tables are rebuilt
  /// before the next query (once, however many items were removed).
  void Remove(int64_t item);
  /// For each of n codes, the nearest code held within distance `radius` (0..256): its
  /// distance and item, or kHashBits + 1 and -1 when none lies within it. Exact; on equal
  /// distances the code added first wins. Queries run in parallel (OpenMP); the answers do
  /// not depend on the thread count.
  void Within(const uint8_t* codes, int64_t n, int radius, int32_t* distances, int64_t* labels) const;
  /// For each of n codes, the distance to the nearest code held and its item (kHashBits + 1
  /// and -1 when empty; the code added first on ties): an exhaustive scan.
  void Nearest(const uint8_t* codes, int64_t n, int32_t* distances, int64_t* labels) const;

  static constexpr int kSubstrings = 16;  ///< tables, one per 16-bit substring
  static constexpr int kSubstringBits = 16;
  static constexpr int kMaxFlips = 3;          ///< bit flips probed per key at most (radius <= 63)
  static constexpr int64_t kIndexFrom = 4096;  ///< below this many codes, Within scans

 private:
  /// The 16-bit key of substring s of a code.
  static uint32_t Key(const uint8_t* code, int s) { return code[2 * s] | (uint32_t{code[2 * s + 1]} << 8); }
  void Index(int64_t position) const;
  void BuildTables() const;
  /// the nearest code of all held to one query (the first added on ties), by a scan
  void Scan(const uint8_t* code, int32_t& distance, int64_t& position) const;
  /// the nearest code within `radius` of one query among the positions the tables give
  void Probe(const uint8_t* code, int radius, int32_t& distance, int64_t& position) const;

  std::vector<uint8_t> codes_;  ///< size() x kHashBytes, in the order added
  std::vector<int64_t> items_;  ///< item of each code
  /// A code held in a bucket, with its position: a bucket's codes lie together, so probing
  /// it costs one cache miss, not one per code (16 copies of each code: 36 bytes x 16 per code)
  struct Entry {
    uint8_t code[kHashBytes];
    int32_t position;
  };
  /// tables_[s * 65536 + key]: the codes whose substring s is `key`, by ascending position;
  /// built once the database reaches kIndexFrom codes, rebuilt lazily after a removal
  mutable std::vector<std::vector<Entry>> tables_;
  mutable bool stale_ = false;
};

}  // namespace counterpoint
