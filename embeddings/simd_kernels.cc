#include "embeddings/simd_kernels.h"

#include <immintrin.h>

#include <cstdlib>
#include <cstring>

namespace counterpoint {

namespace {

// row b of a contiguous block (block) and of a list of pointers (gather), for the
// kernels' Accumulate
struct Contiguous {
  const float* y;
  int64_t d;
  const float* operator()(int b) const { return y + b * d; }
};
struct Pointers {
  const float* const* rows;
  const float* operator()(int b) const { return rows[b]; }
};

// rows advance side by side, so their sums do not wait on one another
void DotsInDoubleScalar(const float* e, const float* const* rows, int n, int64_t d, double* out) {
  for (int r = 0; r < n; ++r) out[r] = 0;
  for (int64_t j = 0; j < d; ++j) {
    const double ej = e[j];
    for (int r = 0; r < n; ++r) out[r] += ej * rows[r][j];
  }
}

// ---------------------------------------------------------------------------
// scalar: four partial sums over j mod 4, summed as (s0 + s1) + (s2 + s3)
float DotScalar(const float* a, const float* b, int64_t d) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t j = 0;
  for (; j + 4 <= d; j += 4) {
    s0 += a[j] * b[j];
    s1 += a[j + 1] * b[j + 1];
    s2 += a[j + 2] * b[j + 2];
    s3 += a[j + 3] * b[j + 3];
  }
  for (; j < d; ++j) s0 += a[j] * b[j];
  return (s0 + s1) + (s2 + s3);
}

void BlockScalar(const float* x, int64_t nx, const float* y, int64_t ny, int64_t d, float* out, int64_t ld) {
  for (int64_t i = 0; i < nx; ++i)
    for (int64_t j = 0; j < ny; ++j) out[i * ld + j] = DotScalar(x + i * d, y + j * d, d);
}

void GatherScalar(const float* x, const float* const* rows, int64_t n, int64_t d, float* out) {
  for (int64_t j = 0; j < n; ++j) out[j] = DotScalar(x, rows[j], d);
}

}  // namespace

// ---------------------------------------------------------------------------
// AVX2 + FMA: 8 lanes; tiles of 2 x 4 pairs keep 8 accumulators in registers
// GCC takes the target from the pragma; clang ignores it and needs the attribute on each function
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
namespace avx2 {
namespace {

// lanes [0, rem) of p (rem < 8), zeros elsewhere; never reads past p + rem
inline __m256 LoadTail(const float* p, int64_t rem) {
  alignas(32) static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_maskload_ps(p, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - rem)));
}

// fixed tree: (lo128 + hi128), then lanes (0 + 2, 1 + 3), then 0 + 1
inline float Reduce(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// acc[a][b] = lane-wise sums of x_a * y_b over d (one FMA per 8 lanes, masked tail);
// y(b) is row b (contiguous rows for block, pointers for gather)
template <int QX, int QY, class Rows>
inline void Accumulate(const float* x, Rows y, int64_t d, __m256 (&acc)[QX][QY]) {
  for (int a = 0; a < QX; ++a)
    for (int b = 0; b < QY; ++b) acc[a][b] = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 8 <= d; j += 8) {
    __m256 xv[QX];
    for (int a = 0; a < QX; ++a) xv[a] = _mm256_loadu_ps(x + a * d + j);
    for (int b = 0; b < QY; ++b) {
      const __m256 yv = _mm256_loadu_ps(y(b) + j);
      for (int a = 0; a < QX; ++a) acc[a][b] = _mm256_fmadd_ps(xv[a], yv, acc[a][b]);
    }
  }
  if (j < d) {
    __m256 xv[QX];
    for (int a = 0; a < QX; ++a) xv[a] = LoadTail(x + a * d + j, d - j);
    for (int b = 0; b < QY; ++b) {
      const __m256 yv = LoadTail(y(b) + j, d - j);
      for (int a = 0; a < QX; ++a) acc[a][b] = _mm256_fmadd_ps(xv[a], yv, acc[a][b]);
    }
  }
}

float Dot(const float* x, const float* y, int64_t d) {
  __m256 acc[1][1];
  Accumulate(x, Contiguous{y, d}, d, acc);
  return Reduce(acc[0][0]);
}

// The same tree as Reduce for several accumulators at once, without a horizontal
// reduction per pair: each level adds the same lanes as Reduce does (v_i + v_{i+4},
// then s_i + s_{i+2}, then s_0 + s_1), but for two or four pairs per instruction.
// Addition is commutative in IEEE arithmetic, so every pair gets Reduce's bits.
inline __m256 Halves(__m256 a, __m256 b) {  // [a.lo + a.hi, b.lo + b.hi]
  return _mm256_add_ps(_mm256_permute2f128_ps(a, b, 0x20), _mm256_permute2f128_ps(a, b, 0x31));
}
inline __m256 Pairs(__m256 x, __m256 y) {  // per 128-bit lane: [x0 + x2, x1 + x3, y0 + y2, y1 + y3]
  const __m256d xd = _mm256_castps_pd(x), yd = _mm256_castps_pd(y);
  return _mm256_add_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(xd, yd)), _mm256_castpd_ps(_mm256_unpackhi_pd(xd, yd)));
}
inline __m256 Singles(__m256 x, __m256 y) {  // per 128-bit lane: [x0 + x1, x2 + x3, y0 + y1, y2 + y3]
  return _mm256_add_ps(_mm256_shuffle_ps(x, y, _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm256_shuffle_ps(x, y, _MM_SHUFFLE(3, 1, 3, 1)));
}

// 2 x 4 pairs: lane a of the result holds row a's 4 sums
template <class Rows>
inline void Tile2x4(const float* x, Rows y, int64_t d, float* out, int64_t ld) {
  __m256 acc[2][4];
  Accumulate(x, y, d, acc);
  const __m256 h0 = Halves(acc[0][0], acc[1][0]), h1 = Halves(acc[0][1], acc[1][1]);
  const __m256 h2 = Halves(acc[0][2], acc[1][2]), h3 = Halves(acc[0][3], acc[1][3]);
  const __m256 r = Singles(Pairs(h0, h1), Pairs(h2, h3));
  _mm_storeu_ps(out, _mm256_castps256_ps128(r));
  _mm_storeu_ps(out + ld, _mm256_extractf128_ps(r, 1));
}

// 1 x 4 pairs: after Singles, lane 0 holds pairs 0 and 2, lane 1 pairs 1 and 3
template <class Rows>
inline void Tile1x4(const float* x, Rows y, int64_t d, float* out) {
  __m256 acc[1][4];
  Accumulate(x, y, d, acc);
  const __m256 c = Pairs(Halves(acc[0][0], acc[0][1]), Halves(acc[0][2], acc[0][3]));
  const __m256 r = Singles(c, c);
  _mm_storeu_ps(out, _mm256_castps256_ps128(_mm256_permutevar8x32_ps(r, _mm256_setr_epi32(0, 4, 1, 5, 0, 0, 0, 0))));
}

// items in groups of 4 (outer) so a group stays in L1 while the queries pass over it
void Block(const float* x, int64_t nx, const float* y, int64_t ny, int64_t d, float* out, int64_t ld) {
  int64_t j = 0;
  for (; j + 4 <= ny; j += 4) {
    int64_t i = 0;
    for (; i + 2 <= nx; i += 2) Tile2x4(x + i * d, Contiguous{y + j * d, d}, d, out + i * ld + j, ld);
    for (; i < nx; ++i) Tile1x4(x + i * d, Contiguous{y + j * d, d}, d, out + i * ld + j);
  }
  for (; j < ny; ++j)
    for (int64_t i = 0; i < nx; ++i) out[i * ld + j] = Dot(x + i * d, y + j * d, d);
}

void Gather(const float* x, const float* const* rows, int64_t n, int64_t d, float* out) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) Tile1x4(x, Pointers{rows + j}, d, out + j);
  for (; j < n; ++j) out[j] = Dot(x, rows[j], d);
}

}  // namespace
}  // namespace avx2
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

// ---------------------------------------------------------------------------
// AVX-512F: 16 lanes; tiles of 4 x 4 pairs keep 16 accumulators in registers
#include "embeddings/avx512_region_begin.h"
namespace avx512 {
namespace {

inline __m512 LoadTail(const float* p, int64_t rem) {
  return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << rem) - 1), p);
}

// fixed tree: (lo256 + hi256), then as in the AVX2 reduction
inline float Reduce(__m512 v) {
  // lanes 0..7 of v + (v with its 256-bit halves swapped) are lo256 + hi256
  const __m256 h = _mm512_castps512_ps256(_mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2))));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// acc[a][b] = lane-wise sums of x_a * y_b over d (one FMA per 16 lanes, masked tail);
// y(b) is row b (contiguous rows for block, pointers for gather)
template <int QX, int QY, class Rows>
inline void Accumulate(const float* x, Rows y, int64_t d, __m512 (&acc)[QX][QY]) {
  for (int a = 0; a < QX; ++a)
    for (int b = 0; b < QY; ++b) acc[a][b] = _mm512_setzero_ps();
  int64_t j = 0;
  for (; j + 16 <= d; j += 16) {
    __m512 xv[QX];
    for (int a = 0; a < QX; ++a) xv[a] = _mm512_loadu_ps(x + a * d + j);
    for (int b = 0; b < QY; ++b) {
      const __m512 yv = _mm512_loadu_ps(y(b) + j);
      for (int a = 0; a < QX; ++a) acc[a][b] = _mm512_fmadd_ps(xv[a], yv, acc[a][b]);
    }
  }
  if (j < d) {
    __m512 xv[QX];
    for (int a = 0; a < QX; ++a) xv[a] = LoadTail(x + a * d + j, d - j);
    for (int b = 0; b < QY; ++b) {
      const __m512 yv = LoadTail(y(b) + j, d - j);
      for (int a = 0; a < QX; ++a) acc[a][b] = _mm512_fmadd_ps(xv[a], yv, acc[a][b]);
    }
  }
}

float Dot(const float* x, const float* y, int64_t d) {
  __m512 acc[1][1];
  Accumulate(x, Contiguous{y, d}, d, acc);
  return Reduce(acc[0][0]);
}

// The same tree as Reduce for 16 (or 4) accumulators at once, without a horizontal
// reduction per pair: each level adds the lanes Reduce adds (v_i + v_{i+8}, then
// s_i + s_{i+4}, s_i + s_{i+2}, s_0 + s_1), for several pairs per instruction.
// Addition is commutative in IEEE arithmetic, so every pair gets Reduce's bits.
inline __m512 Halves(__m512 a, __m512 b) {  // 128-bit lanes [a0 + a2, a1 + a3, b0 + b2, b1 + b3]
  return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                       _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
}
inline __m512 Quarters(__m512 x, __m512 y) {  // 128-bit lanes [x0 + x1, x2 + x3, y0 + y1, y2 + y3]
  return _mm512_add_ps(_mm512_shuffle_f32x4(x, y, _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_f32x4(x, y, _MM_SHUFFLE(3, 1, 3, 1)));
}
inline __m512 Pairs(__m512 x, __m512 y) {  // per 128-bit lane: [x0 + x2, x1 + x3, y0 + y2, y1 + y3]
  const __m512d xd = _mm512_castps_pd(x), yd = _mm512_castps_pd(y);
  return _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(xd, yd)), _mm512_castpd_ps(_mm512_unpackhi_pd(xd, yd)));
}
inline __m512 Singles(__m512 x, __m512 y) {  // per 128-bit lane: [x0 + x1, x2 + x3, y0 + y1, y2 + y3]
  return _mm512_add_ps(_mm512_shuffle_ps(x, y, _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_ps(x, y, _MM_SHUFFLE(3, 1, 3, 1)));
}

// QX (4 or 1) x 4 pairs; with v[n] = pair (n % 4, n / 4) the 128-bit lane a of the
// reduced vector holds row a's 4 sums
template <int QX, class Rows>
inline void Tile4(const float* x, Rows y, int64_t d, float* out, int64_t ld) {
  __m512 acc[QX][4];
  Accumulate(x, y, d, acc);
  if constexpr (QX == 4) {
    __m512 q[4];
    for (int p = 0; p < 4; ++p)  // v[4p .. 4p + 3] = pairs (0..3, p)
      q[p] = Quarters(Halves(acc[0][p], acc[1][p]), Halves(acc[2][p], acc[3][p]));
    const __m512 r = Singles(Pairs(q[0], q[1]), Pairs(q[2], q[3]));
    _mm_storeu_ps(out, _mm512_castps512_ps128(r));
    _mm_storeu_ps(out + ld, _mm512_extractf32x4_ps(r, 1));
    _mm_storeu_ps(out + 2 * ld, _mm512_extractf32x4_ps(r, 2));
    _mm_storeu_ps(out + 3 * ld, _mm512_extractf32x4_ps(r, 3));
  } else {
    // one row: lane b of Quarters(...) holds pair b's s_i (i < 4); then s_i + s_{i+2}, s_0 + s_1
    const __m512 q = Quarters(Halves(acc[0][0], acc[0][1]), Halves(acc[0][2], acc[0][3]));
    const __m512 r = Singles(Pairs(q, q), Pairs(q, q));  // element 0 of lane b: pair b
    const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    _mm_storeu_ps(out, _mm512_castps512_ps128(_mm512_permutexvar_ps(idx, r)));
  }
}

void Block(const float* x, int64_t nx, const float* y, int64_t ny, int64_t d, float* out, int64_t ld) {
  int64_t j = 0;
  for (; j + 4 <= ny; j += 4) {
    int64_t i = 0;
    for (; i + 4 <= nx; i += 4) Tile4<4>(x + i * d, Contiguous{y + j * d, d}, d, out + i * ld + j, ld);
    for (; i < nx; ++i) Tile4<1>(x + i * d, Contiguous{y + j * d, d}, d, out + i * ld + j, ld);
  }
  for (; j < ny; ++j)
    for (int64_t i = 0; i < nx; ++i) out[i * ld + j] = Dot(x + i * d, y + j * d, d);
}

void Gather(const float* x, const float* const* rows, int64_t n, int64_t d, float* out) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) Tile4<1>(x, Pointers{rows + j}, d, out + j, 0);
  for (; j < n; ++j) out[j] = Dot(x, rows[j], d);
}

// 8 rows a vector of doubles, two vectors side by side: coordinate j of 8 rows is
// gathered through their pointers, widened, multiplied (exactly) and added, in the
// scalar loop's order; rows past the last 8 take that loop
void DotsInDouble(const float* e, const float* const* rows, int n, int64_t d, double* out) {
  const __m512i step = _mm512_set1_epi64(sizeof(float));
  int r = 0;
  for (; r + 16 <= n; r += 16) {
    __m512i p0 = _mm512_loadu_si512(rows + r), p1 = _mm512_loadu_si512(rows + r + 8);
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
    for (int64_t j = 0; j < d; ++j) {
      const __m512d ej = _mm512_set1_pd(static_cast<double>(e[j]));
      a0 = _mm512_add_pd(a0, _mm512_mul_pd(ej, _mm512_cvtps_pd(_mm512_i64gather_ps(p0, nullptr, 1))));
      a1 = _mm512_add_pd(a1, _mm512_mul_pd(ej, _mm512_cvtps_pd(_mm512_i64gather_ps(p1, nullptr, 1))));
      p0 = _mm512_add_epi64(p0, step);
      p1 = _mm512_add_epi64(p1, step);
    }
    _mm512_storeu_pd(out + r, a0);
    _mm512_storeu_pd(out + r + 8, a1);
  }
  for (; r + 8 <= n; r += 8) {
    __m512i p = _mm512_loadu_si512(rows + r);
    __m512d a = _mm512_setzero_pd();
    for (int64_t j = 0; j < d; ++j) {
      a = _mm512_add_pd(a, _mm512_mul_pd(_mm512_set1_pd(static_cast<double>(e[j])),
                                         _mm512_cvtps_pd(_mm512_i64gather_ps(p, nullptr, 1))));
      p = _mm512_add_epi64(p, step);
    }
    _mm512_storeu_pd(out + r, a);
  }
  if (r < n) DotsInDoubleScalar(e, rows + r, n - r, d, out + r);
}

// QX queries x 16 transposed items. Accumulate's lane l of pair (a, item) is here
// element `item` of acc_l[a]: FMAs over chunks in the same order (a tail lane adds
// +0, as the masked FMA does), then Reduce's tree element-wise: h_i = acc_i + acc_{i+8},
// u_i = h_i + h_{i+4}, then (u_0 + u_2) + (u_1 + u_3).
template <int QX>
inline void TransposedTile(const float* x, int64_t d, const float* panel, __m512 (&r)[QX]) {
  const int64_t chunks = (d + 15) / 16;
  const auto lane_pair = [&](int i, __m512(&h)[QX]) {  // h[a] = acc_i + acc_{i+8}
    __m512 lo[QX], hi[QX];
    for (int a = 0; a < QX; ++a) lo[a] = hi[a] = _mm512_setzero_ps();
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t t0 = 16 * c + i, t1 = t0 + 8;
      if (t0 < d) {
        const __m512 y = _mm512_loadu_ps(panel + t0 * 16);
        for (int a = 0; a < QX; ++a) lo[a] = _mm512_fmadd_ps(_mm512_set1_ps(x[a * d + t0]), y, lo[a]);
      } else {
        for (int a = 0; a < QX; ++a) lo[a] = _mm512_add_ps(lo[a], _mm512_setzero_ps());
      }
      if (t1 < d) {
        const __m512 y = _mm512_loadu_ps(panel + t1 * 16);
        for (int a = 0; a < QX; ++a) hi[a] = _mm512_fmadd_ps(_mm512_set1_ps(x[a * d + t1]), y, hi[a]);
      } else {
        for (int a = 0; a < QX; ++a) hi[a] = _mm512_add_ps(hi[a], _mm512_setzero_ps());
      }
    }
    for (int a = 0; a < QX; ++a) h[a] = _mm512_add_ps(lo[a], hi[a]);
  };
  __m512 h0[QX], h1[QX], u0[QX], w0[QX];
  lane_pair(0, h0);
  lane_pair(4, h1);
  for (int a = 0; a < QX; ++a) u0[a] = _mm512_add_ps(h0[a], h1[a]);
  lane_pair(2, h0);
  lane_pair(6, h1);
  for (int a = 0; a < QX; ++a) w0[a] = _mm512_add_ps(u0[a], _mm512_add_ps(h0[a], h1[a]));
  lane_pair(1, h0);
  lane_pair(5, h1);
  for (int a = 0; a < QX; ++a) u0[a] = _mm512_add_ps(h0[a], h1[a]);
  lane_pair(3, h0);
  lane_pair(7, h1);
  for (int a = 0; a < QX; ++a) r[a] = _mm512_add_ps(w0[a], _mm512_add_ps(u0[a], _mm512_add_ps(h0[a], h1[a])));
}

void BlockTransposed(const float* x, int64_t nx, const float* yp, int64_t ny, int64_t d, float* out, int64_t ld) {
  for (int64_t j = 0; j < ny; j += 16) {
    const __mmask16 m = FirstLanes16(ny - j);
    int64_t i = 0;
    for (; i + 4 <= nx; i += 4) {
      __m512 r[4];
      TransposedTile<4>(x + i * d, d, yp + j * d, r);
      for (int a = 0; a < 4; ++a) _mm512_mask_storeu_ps(out + (i + a) * ld + j, m, r[a]);
    }
    for (; i < nx; ++i) {
      __m512 r[1];
      TransposedTile<1>(x + i * d, d, yp + j * d, r);
      _mm512_mask_storeu_ps(out + i * ld + j, m, r[0]);
    }
  }
}

}  // namespace
}  // namespace avx512
#include "embeddings/avx512_region_end.h"

// ---------------------------------------------------------------------------
// dispatch

const char* SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAvx512:
      return "avx512";
    case SimdLevel::kAvx2:
      return "avx2";
    default:
      return "scalar";
  }
}

SimdLevel DetectedSimdLevel() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return SimdLevel::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdLevel::kAvx2;
  return SimdLevel::kScalar;
}

const DotKernels& KernelsFor(SimdLevel level) {
  static const DotKernels kScalar{SimdLevel::kScalar, DotScalar, BlockScalar,
                                  GatherScalar,       nullptr,   DotsInDoubleScalar};
  static const DotKernels kAvx2{SimdLevel::kAvx2, avx2::Dot, avx2::Block, avx2::Gather, nullptr, DotsInDoubleScalar};
  static const DotKernels kAvx512{SimdLevel::kAvx512,      avx512::Dot,         avx512::Block, avx512::Gather,
                                  avx512::BlockTransposed, avx512::DotsInDouble};
  const SimdLevel best = DetectedSimdLevel();
  if (static_cast<int>(level) > static_cast<int>(best)) level = best;
  switch (level) {
    case SimdLevel::kAvx512:
      return kAvx512;
    case SimdLevel::kAvx2:
      return kAvx2;
    default:
      return kScalar;
  }
}

const DotKernels& ActiveKernels() {
  static const DotKernels& active = []() -> const DotKernels& {
    SimdLevel level = SimdLevel::kAvx512;
    if (const char* env = std::getenv("COUNTERPOINT_SIMD")) {
      if (std::strcmp(env, "scalar") == 0) level = SimdLevel::kScalar;
      if (std::strcmp(env, "avx2") == 0) level = SimdLevel::kAvx2;
    }
    return KernelsFor(level);
  }();
  return active;
}

}  // namespace counterpoint
