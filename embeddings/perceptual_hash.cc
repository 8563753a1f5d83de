#include "embeddings/perceptual_hash.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <numeric>

#include "core/error.h"
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

const char* CopyKindName(CopyKind k) {
  switch (k) {
    case CopyKind::kOriginal:
      return "original";
    case CopyKind::kReencode:
      return "reencode";
    case CopyKind::kCrop:
      return "crop";
    case CopyKind::kOverlay:
      return "overlay";
    case CopyKind::kRecut:
      return "recut";
    case CopyKind::kNewsExcerpt:
      return "news_excerpt";
  }
  return "?";
}

double FlipRate(CopyKind kind, const HashPerturbation& p) {
  switch (kind) {
    case CopyKind::kOriginal:
      return 0;
    case CopyKind::kReencode:
      return p.reencode_flip_rate;
    case CopyKind::kCrop:
      return p.crop_flip_rate;
    case CopyKind::kOverlay:
      return p.overlay_flip_rate;
    case CopyKind::kRecut:
      return p.recut_flip_rate;
    case CopyKind::kNewsExcerpt:
      return p.news_excerpt_flip_rate;
  }
  return 0;
}

void ValidatePerturbation(const HashPerturbation& p, const std::string& where) {
  const double sum = p.reencode_share + p.crop_share + p.overlay_share;
  if (sum > 1 + 1e-12)
    throw InputError(where, "reencode_share + crop_share + overlay_share is " + std::to_string(sum) +
                                ", more than 1 (re-cuts take the rest); lower them");
}

int FlipBitsAtRate(uint64_t seed, int64_t item, double rate, uint8_t* code) {
  // one uniform per bit: each flips with probability `rate`, independently
  const CounterRng rng(seed, item, 4, Purpose::kPerceptualHash);
  int flipped = 0;
  for (int bit = 0; bit < kHashBits; ++bit)
    if (rng.Uniform(static_cast<uint64_t>(bit)) < rate) {
      code[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      ++flipped;
    }
  return flipped;
}

std::vector<HashOrigin> HashOrigins(const Catalog& catalog, uint64_t seed, const HashPerturbation& p) {
  const int64_t n = catalog.size();
  std::vector<HashOrigin> origin(n);
  // the extremist originals of each topic, and of all topics, that a news report may excerpt
  std::map<int32_t, std::vector<int64_t>> by_topic;
  std::vector<int64_t> all;
  for (int64_t i = 0; i < n; ++i)
    if (catalog.parent(i) < 0 && catalog.label(i) == Label::kExtremist)
      by_topic[catalog.topic(i)].push_back(i), all.push_back(i);
  for (int64_t i = 0; i < n; ++i) {
    const CounterRng rng(seed, i, 2, Purpose::kPerceptualHash);
    if (catalog.parent(i) >= 0) {
      const double u = rng.Uniform(0);
      const double a = p.reencode_share, b = a + p.crop_share, c = b + p.overlay_share;
      origin[i].kind = u < a   ? CopyKind::kReencode
                       : u < b ? CopyKind::kCrop
                       : u < c ? CopyKind::kOverlay
                               : CopyKind::kRecut;
      origin[i].source = catalog.parent(i);
    } else if (catalog.label(i) == Label::kNewsReporting && !all.empty() && rng.Uniform(1) < p.news_excerpt_share) {
      const auto it = by_topic.find(catalog.topic(i));
      const std::vector<int64_t>& pool = it != by_topic.end() ? it->second : all;
      origin[i].kind = CopyKind::kNewsExcerpt;
      origin[i].source = pool[rng.Below(2, pool.size())];
    }
  }
  return origin;
}

std::vector<uint8_t> CatalogHashes(const Catalog& catalog, uint64_t seed, const HashPerturbation& p) {
  const int64_t n = catalog.size();
  std::vector<uint8_t> codes(n * kHashBytes);
  const std::vector<HashOrigin> origin = HashOrigins(catalog, seed, p);
  // originals first, then news excerpts (of extremist originals), then copies (whose
  // parent, an item without a parent, may itself be a news excerpt in a file catalog)
  for (int64_t i = 0; i < n; ++i)
    if (origin[i].source < 0) RandomHash(seed, i, codes.data() + i * kHashBytes);
  for (const bool copies : {false, true})
    for (int64_t i = 0; i < n; ++i) {
      if (origin[i].source < 0 || (origin[i].kind != CopyKind::kNewsExcerpt) != copies) continue;
      std::memcpy(codes.data() + i * kHashBytes, codes.data() + origin[i].source * kHashBytes, kHashBytes);
      FlipBitsAtRate(seed, i, FlipRate(origin[i].kind, p), codes.data() + i * kHashBytes);
    }
  return codes;
}

}  // namespace counterpoint
