#include "embeddings/hash_database.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <stdexcept>

namespace counterpoint {

static_assert(HashDatabase::kSubstrings * HashDatabase::kSubstringBits == kHashBits);

namespace {
constexpr uint32_t kKeys = 1u << HashDatabase::kSubstringBits;

// every 16-bit mask of at most f set bits, for f = 0..kMaxFlips, fewest bits first
const std::vector<uint32_t>& FlipMasks(int f) {
  static const std::vector<std::vector<uint32_t>> masks = [] {
    std::vector<std::vector<uint32_t>> out(HashDatabase::kMaxFlips + 1);
    for (int limit = 0; limit <= HashDatabase::kMaxFlips; ++limit) {
      for (int bits = 0; bits <= limit; ++bits)
        for (uint32_t m = 0; m < kKeys; ++m)
          if (std::popcount(m) == bits) out[limit].push_back(m);
    }
    return out;
  }();
  return masks[f];
}
}  // namespace

HashDatabase::HashDatabase(int64_t capacity) {
  if (capacity > std::numeric_limits<int32_t>::max())
    throw std::invalid_argument("a hash database holds at most 2^31 - 1 codes");
  codes_.reserve(capacity * kHashBytes);
  items_.reserve(capacity);
}

void HashDatabase::Index(int64_t position) const {
  Entry e;
  std::copy_n(codes_.data() + position * kHashBytes, kHashBytes, e.code);
  e.position = static_cast<int32_t>(position);
  for (int s = 0; s < kSubstrings; ++s) tables_[s * kKeys + Key(e.code, s)].push_back(e);
}

void HashDatabase::BuildTables() const {
  // each bucket sized exactly first (no doubling slack: the tables hold 16 copies of each code)
  std::vector<uint32_t> count(static_cast<size_t>(kSubstrings) * kKeys, 0);
  for (int64_t p = 0; p < size(); ++p)
    for (int s = 0; s < kSubstrings; ++s) ++count[s * kKeys + Key(codes_.data() + p * kHashBytes, s)];
  tables_.assign(count.size(), {});
  for (size_t b = 0; b < count.size(); ++b) tables_[b].reserve(count[b]);
  for (int64_t p = 0; p < size(); ++p) Index(p);
  stale_ = false;
}

void HashDatabase::Add(int64_t item, const uint8_t* code) {
  if (size() == std::numeric_limits<int32_t>::max())
    throw std::length_error("a hash database holds at most 2^31 - 1 codes");
  codes_.insert(codes_.end(), code, code + kHashBytes);
  items_.push_back(item);
  if (!tables_.empty() && !stale_) Index(size() - 1);
}

void HashDatabase::Remove(int64_t item) {
  size_t kept = 0;
  for (size_t k = 0; k < items_.size(); ++k) {
    if (items_[k] == item) continue;
    if (kept != k) {
      items_[kept] = items_[k];
      std::copy_n(codes_.begin() + k * kHashBytes, kHashBytes, codes_.begin() + kept * kHashBytes);
    }
    ++kept;
  }
  if (kept == items_.size()) return;
  items_.resize(kept);
  codes_.resize(kept * kHashBytes);
  stale_ = true;
}

void HashDatabase::Probe(const uint8_t* code, int radius, int32_t& distance, int64_t& position) const {
  // a position found in several tables is measured again: the minimum does not change
  const std::vector<uint32_t>& masks = FlipMasks(radius / kSubstringBits);
  for (int s = 0; s < kSubstrings; ++s) {
    const uint32_t key = Key(code, s);
    for (uint32_t mask : masks)
      for (const Entry& e : tables_[s * kKeys + (key ^ mask)]) {
        const int d = HammingDistance(code, e.code);
        if (d <= radius && (d < distance || (d == distance && e.position < position)))
          distance = d, position = e.position;
      }
  }
}

void HashDatabase::Within(const uint8_t* codes, int64_t n, int radius, int32_t* distances, int64_t* labels) const {
  const bool indexed = size() >= kIndexFrom && radius / kSubstringBits <= kMaxFlips;
  if (indexed && (tables_.empty() || stale_)) BuildTables();
#pragma omp parallel for schedule(dynamic, 64) if (n > 256)
  for (int64_t q = 0; q < n; ++q) {
    const uint8_t* code = codes + q * kHashBytes;
    int32_t best = kHashBits + 1;
    int64_t pos = std::numeric_limits<int64_t>::max();
    if (indexed)
      Probe(code, radius, best, pos);
    else
      Scan(code, best, pos);
    distances[q] = best <= radius ? best : kHashBits + 1;
    labels[q] = best <= radius ? items_[pos] : -1;
  }
}

void HashDatabase::Scan(const uint8_t* code, int32_t& distance, int64_t& position) const {
  for (int64_t p = 0; p < size(); ++p) {
    const int d = HammingDistance(code, codes_.data() + p * kHashBytes);
    if (d < distance) distance = d, position = p;
  }
}

void HashDatabase::Nearest(const uint8_t* codes, int64_t n, int32_t* distances, int64_t* labels) const {
#pragma omp parallel for schedule(dynamic, 16) if (n > 16)
  for (int64_t q = 0; q < n; ++q) {
    int32_t best = kHashBits + 1;
    int64_t pos = -1;
    Scan(codes + q * kHashBytes, best, pos);
    distances[q] = best;
    labels[q] = pos >= 0 ? items_[pos] : -1;
  }
}

}  // namespace counterpoint
