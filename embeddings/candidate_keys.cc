#include "embeddings/candidate_keys.h"

#include <immintrin.h>

namespace counterpoint {

namespace {

// drops, in place, the keys whose id the bitmap does not hold; returns how many are left
int64_t KeepMembers(uint64_t* keys, int64_t n, const uint8_t* bitmap, size_t bitmap_bytes) {
  int64_t w = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t key = keys[i], id = key & 0xffffffffu, byte = id >> 3;
    keys[w] = key;
    w += byte < bitmap_bytes && ((bitmap[byte] >> (id & 7)) & 1) != 0;
  }
  return w;
}

int64_t AppendScalar(const float* s, int64_t m, float threshold, const int64_t* ids, const uint8_t* bitmap,
                     size_t bitmap_bytes, uint64_t* out) {
  int64_t n = 0;
  for (int64_t j = 0; j < m; ++j) {
    out[n] = CandidateKey(s[j], ids[j]);
    n += s[j] >= threshold;
  }
  return bitmap ? KeepMembers(out, n, bitmap, bitmap_bytes) : n;
}

}  // namespace

#include "embeddings/avx512_region_begin.h"
namespace {

// the lanes of `keep` whose id (lane i: ids[i]) the bitmap holds: a gather of the
// 4 bytes from each id's byte, for ids whose 4 bytes lie inside the bitmap; one by
// one for the few in its last 3 bytes
__mmask8 Members(__mmask8 keep, __m512i id, const int64_t* ids, const uint8_t* bitmap, size_t bitmap_bytes) {
  const __m512i byte = _mm512_srli_epi64(id, 3);
  const __mmask8 inside = _mm512_mask_cmplt_epu64_mask(
      keep, byte, _mm512_set1_epi64(static_cast<int64_t>(bitmap_bytes >= 3 ? bitmap_bytes - 3 : 0)));
  const __m256i word = _mm512_mask_i64gather_epi32(_mm256_setzero_si256(), inside, byte, bitmap, 1);
  const __m512i bit = _mm512_and_si512(
      _mm512_srlv_epi64(_mm512_cvtepu32_epi64(word), _mm512_and_si512(id, _mm512_set1_epi64(7))), _mm512_set1_epi64(1));
  __mmask8 member = _mm512_mask_test_epi64_mask(inside, bit, bit);
  for (unsigned rest = keep & ~inside; rest != 0; rest &= rest - 1) {
    const int lane = __builtin_ctz(rest);
    const uint64_t i = static_cast<uint64_t>(ids[lane]), b = i >> 3;
    if (b < bitmap_bytes && ((bitmap[b] >> (i & 7)) & 1) != 0) member = static_cast<__mmask8>(member | (1u << lane));
  }
  return member;
}

// 16 scores a compare; the keys of those that pass (CandidateKey's map, lane-wise)
// are compressed to the front of a vector of 8 and stored whole
int64_t AppendAvx512(const float* s, int64_t m, float threshold, const int64_t* ids, const uint8_t* bitmap,
                     size_t bitmap_bytes, uint64_t* out) {
  const __m512 t = _mm512_set1_ps(threshold);
  const __m512i sign = _mm512_set1_epi32(static_cast<int>(0x80000000u)), ones = _mm512_set1_epi32(-1);
  const __m512i low32 = _mm512_set1_epi64(0xffffffffLL);
  int64_t n = 0;
  for (int64_t j = 0; j < m; j += 16) {
    const __mmask16 valid = FirstLanes16(m - j);
    const __m512 v = _mm512_maskz_loadu_ps(valid, s + j);
    const __mmask16 pass = _mm512_mask_cmp_ps_mask(valid, v, t, _CMP_GE_OQ);
    if (pass == 0) continue;
    // CandidateKey's high half, lane-wise: -0 as +0, then ordered = u ^ (sign bit, or all
    // bits for a negative score), inverted
    const __m512i u = _mm512_castps_si512(_mm512_add_ps(v, _mm512_setzero_ps()));
    const __m512i neg = _mm512_srai_epi32(u, 31);
    const __m512i ordered = _mm512_xor_si512(u, _mm512_or_si512(neg, sign));
    const __m512i high = _mm512_xor_si512(ordered, ones);
    for (int half = 0; half < 2; ++half) {
      __mmask8 keep = static_cast<__mmask8>(pass >> (8 * half));
      if (keep == 0) continue;
      const __m256i h = half == 0 ? _mm512_castsi512_si256(high) : _mm512_extracti64x4_epi64(high, 1);
      const __m512i id = _mm512_maskz_loadu_epi64(keep, ids + j + 8 * half);
      if (bitmap) keep = Members(keep, id, ids + j + 8 * half, bitmap, bitmap_bytes);
      if (keep == 0) continue;
      const __m512i key = _mm512_or_si512(_mm512_slli_epi64(_mm512_cvtepu32_epi64(h), 32), _mm512_and_si512(id, low32));
      _mm512_storeu_si512(out + n, _mm512_maskz_compress_epi64(keep, key));
      n += __builtin_popcount(keep);
    }
  }
  return n;
}

}  // namespace
#include "embeddings/avx512_region_end.h"

CandidateAppender AppenderFor(SimdLevel level) {
  return KernelsFor(level).level == SimdLevel::kAvx512 ? AppendAvx512 : AppendScalar;
}

}  // namespace counterpoint
