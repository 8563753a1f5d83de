// Skipping the scores below a top-k threshold, 16 at a time.
#pragma once

#include <emmintrin.h>

#include <cstdint>

namespace counterpoint {

/// Calls visit(j) for every j < m whose score s[j] may enter a top-k whose entry
/// threshold is `threshold` (read again for every group of 16 scores, since visits
/// raise it): s[j] >= threshold, or s[j] > threshold when `strict`. SSE2 compares
/// (every x86-64 has them) skip a group of 16 with no candidate in one branch; the
/// caller re-checks each visited score against its current threshold, so a visit
/// made under the group's older threshold changes nothing. NaN scores are never visited.
template <bool strict, class Visit>
inline void ForEachAboveThreshold(const float* s, int64_t m, const float& threshold, Visit&& visit) {
  int64_t j = 0;
  for (; j + 16 <= m; j += 16) {
    const __m128 t = _mm_set1_ps(threshold);
    const auto cmp = [&](int o) {
      const __m128 v = _mm_loadu_ps(s + j + o);
      return _mm_movemask_ps(strict ? _mm_cmpgt_ps(v, t) : _mm_cmpge_ps(v, t));
    };
    unsigned mask = cmp(0) | cmp(4) << 4 | cmp(8) << 8 | cmp(12) << 12;
    for (; mask != 0; mask &= mask - 1) visit(j + __builtin_ctz(mask));
  }
  for (; j < m; ++j)
    if (strict ? s[j] > threshold : s[j] >= threshold) visit(j);
}

}  // namespace counterpoint
