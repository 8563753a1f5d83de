// Top-k candidates as 64-bit keys, and appending the scores that reach a threshold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "embeddings/simd_kernels.h"

namespace counterpoint {

/// One candidate (score, id) as a 64-bit key whose ascending order is the top-k's
/// total order: score descending, then id ascending. The score's bits mapped to an
/// unsigned integer that grows with the score (-0 as +0), inverted, sit above the
/// 32-bit id (callers check that ids fit). Integer keys are half the size of
/// (score, id) pairs, compare without NaN branches, radix-sort, and decode to the
/// exact score.
inline uint64_t CandidateKey(float s, int64_t id) {
  s += 0.0f;  // -0 becomes +0, which compares equal to it
  uint32_t u;
  std::memcpy(&u, &s, sizeof u);
  const uint32_t ordered = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  return (static_cast<uint64_t>(~ordered) << 32) | static_cast<uint32_t>(id);
}

/// The score a key holds (bit for bit, -0 read as +0).
inline float CandidateScore(uint64_t key) {
  const uint32_t o = ~static_cast<uint32_t>(key >> 32);
  const uint32_t u = (o & 0x80000000u) ? (o & 0x7fffffffu) : ~o;
  float s;
  std::memcpy(&s, &u, sizeof s);
  return s;
}

/// Appends to `out` the keys of the items j < m whose score s[j] >= threshold
/// (NaN never) and, when `bitmap` is given, whose id ids[j] it holds (bit id % 8 of
/// bitmap[id / 8], with id / 8 < bitmap_bytes), in any order; returns how many.
/// `out` needs room for m + kAppendSlack keys: a vector version stores whole vectors.
using CandidateAppender = int64_t (*)(const float* s, int64_t m, float threshold, const int64_t* ids,
                                      const uint8_t* bitmap, size_t bitmap_bytes, uint64_t* out);
constexpr int64_t kAppendSlack = 8;

/// The appender of a kernel level: AVX-512 compares 16 scores and compresses the
/// keys of those that pass 8 at a time; other levels append one by one, branch-free.
/// Every level appends the same set of keys.
CandidateAppender AppenderFor(SimdLevel level);

}  // namespace counterpoint
