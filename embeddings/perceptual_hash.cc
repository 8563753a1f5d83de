#include "embeddings/perceptual_hash.h"

#include <faiss/impl/IDSelector.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>

#include "core/rng.h"

namespace counterpoint {

int HammingDistance(const uint8_t* a, const uint8_t* b) {
  int d = 0;
  for (int w = 0; w < kHashBytes / 8; ++w) {
    uint64_t x, y;
    std::memcpy(&x, a + 8 * w, 8);
    std::memcpy(&y, b + 8 * w, 8);
    d += std::popcount(x ^ y);
  }
  return d;
}

void RandomHash(uint64_t seed, int64_t item, uint8_t* code) {
  const CounterRng rng(seed, item, 0, Purpose::kPerceptualHash);
  const auto block = rng.Block(0);
  for (int w = 0; w < 4; ++w) std::memcpy(code + 8 * w, &block[w], 8);
}

void FlipBits(uint64_t seed, int64_t item, int n_flips, uint8_t* code) {
  // the first n_flips positions of a random permutation of the 256 bits
  const CounterRng rng(seed, item, 1, Purpose::kPerceptualHash);
  int pos[kHashBits];
  std::iota(pos, pos + kHashBits, 0);
  const int n = std::clamp(n_flips, 0, kHashBits);
  for (int k = 0; k < n; ++k) {
    const int j = k + static_cast<int>(rng.Below(k, kHashBits - k));
    std::swap(pos[k], pos[j]);
    code[pos[k] / 8] ^= static_cast<uint8_t>(1u << (pos[k] % 8));
  }
}

int CopyBitFlips(const Catalog& catalog, uint64_t seed, int64_t item, const HashPerturbation& p) {
  if (catalog.parent(item) < 0) return 0;
  const CounterRng rng(seed, item, 2, Purpose::kPerceptualHash);
  return rng.Uniform(0) < p.edit_share ? p.edit_bit_flips : p.reencode_bit_flips;
}

std::vector<uint8_t> CatalogHashes(const Catalog& catalog, uint64_t seed, const HashPerturbation& p) {
  const int64_t n = catalog.size();
  std::vector<uint8_t> codes(n * kHashBytes);
  // originals first, then each copy from its parent's code
  for (int64_t i = 0; i < n; ++i)
    if (catalog.parent(i) < 0) RandomHash(seed, i, codes.data() + i * kHashBytes);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t par = catalog.parent(i);
    if (par < 0) continue;
    std::memcpy(codes.data() + i * kHashBytes, codes.data() + par * kHashBytes, kHashBytes);
    FlipBits(seed, i, CopyBitFlips(catalog, seed, i, p), codes.data() + i * kHashBytes);
  }
  return codes;
}

HashDatabase::HashDatabase(int64_t capacity) : index_(kHashBits) {
  index_.xb.reserve(capacity * kHashBytes);
  items_.reserve(capacity);
}

void HashDatabase::Add(int64_t item, const uint8_t* code) {
  index_.add(1, code);
  items_.push_back(item);
}

void HashDatabase::Remove(int64_t item) {
  // IndexBinaryFlat::remove_ids compacts the codes in order; the tags follow
  std::vector<faiss::Index::idx_t> drop;
  for (size_t k = 0; k < items_.size(); ++k)
    if (items_[k] == item) drop.push_back(static_cast<faiss::Index::idx_t>(k));
  if (drop.empty()) return;
  faiss::IDSelectorBatch sel(drop.size(), drop.data());
  index_.remove_ids(sel);
  items_.erase(std::remove(items_.begin(), items_.end(), item), items_.end());
}

void HashDatabase::Nearest(const uint8_t* codes, int64_t n, int32_t* distances, int64_t* labels) const {
  if (items_.empty()) {
    std::fill_n(distances, n, kHashBits + 1);
    std::fill_n(labels, n, int64_t{-1});
    return;
  }
  // positions in the index, then the items they came from
  static_assert(sizeof(faiss::Index::idx_t) == sizeof(int64_t));
  index_.search(n, codes, 1, distances, reinterpret_cast<faiss::Index::idx_t*>(labels));
  for (int64_t q = 0; q < n; ++q) labels[q] = labels[q] >= 0 ? items_[labels[q]] : -1;
}

}  // namespace counterpoint
