#include "embeddings/simd_kernels.h"

#include <immintrin.h>

#include <cstdlib>
#include <cstring>

namespace counterpoint {

namespace {

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

template <int QX, int QY>
inline void Tile(const float* x, const float* y, int64_t d, float* out, int64_t ld) {
  __m256 acc[QX][QY];
  for (int a = 0; a < QX; ++a)
    for (int b = 0; b < QY; ++b) acc[a][b] = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 8 <= d; j += 8) {
    __m256 xv[QX];
    for (int a = 0; a < QX; ++a) xv[a] = _mm256_loadu_ps(x + a * d + j);
    for (int b = 0; b < QY; ++b) {
      const __m256 yv = _mm256_loadu_ps(y + b * d + j);
      for (int a = 0; a < QX; ++a) acc[a][b] = _mm256_fmadd_ps(xv[a], yv, acc[a][b]);
    }
  }
  if (j < d) {
    __m256 xv[QX];
    for (int a = 0; a < QX; ++a) xv[a] = LoadTail(x + a * d + j, d - j);
    for (int b = 0; b < QY; ++b) {
      const __m256 yv = LoadTail(y + b * d + j, d - j);
      for (int a = 0; a < QX; ++a) acc[a][b] = _mm256_fmadd_ps(xv[a], yv, acc[a][b]);
    }
  }
  for (int a = 0; a < QX; ++a)
    for (int b = 0; b < QY; ++b) out[a * ld + b] = Reduce(acc[a][b]);
}

float Dot(const float* a, const float* b, int64_t d) {
  float r;
  Tile<1, 1>(a, b, d, &r, 1);
  return r;
}

// items in groups of 4 (outer) so a group stays in L1 while the queries pass over it
void Block(const float* x, int64_t nx, const float* y, int64_t ny, int64_t d, float* out, int64_t ld) {
  int64_t j = 0;
  for (; j + 4 <= ny; j += 4) {
    int64_t i = 0;
    for (; i + 2 <= nx; i += 2) Tile<2, 4>(x + i * d, y + j * d, d, out + i * ld + j, ld);
    for (; i < nx; ++i) Tile<1, 4>(x + i * d, y + j * d, d, out + i * ld + j, ld);
  }
  for (; j < ny; ++j)
    for (int64_t i = 0; i < nx; ++i) Tile<1, 1>(x + i * d, y + j * d, d, out + i * ld + j, ld);
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
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#endif
// GCC 12's avx512fintrin.h trips -Wuninitialized on its own _mm512_undefined_* (GCC bug 105593)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
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

template <int QX, int QY>
inline void Tile(const float* x, const float* y, int64_t d, float* out, int64_t ld) {
  __m512 acc[QX][QY];
  for (int a = 0; a < QX; ++a)
    for (int b = 0; b < QY; ++b) acc[a][b] = _mm512_setzero_ps();
  int64_t j = 0;
  for (; j + 16 <= d; j += 16) {
    __m512 xv[QX];
    for (int a = 0; a < QX; ++a) xv[a] = _mm512_loadu_ps(x + a * d + j);
    for (int b = 0; b < QY; ++b) {
      const __m512 yv = _mm512_loadu_ps(y + b * d + j);
      for (int a = 0; a < QX; ++a) acc[a][b] = _mm512_fmadd_ps(xv[a], yv, acc[a][b]);
    }
  }
  if (j < d) {
    __m512 xv[QX];
    for (int a = 0; a < QX; ++a) xv[a] = LoadTail(x + a * d + j, d - j);
    for (int b = 0; b < QY; ++b) {
      const __m512 yv = LoadTail(y + b * d + j, d - j);
      for (int a = 0; a < QX; ++a) acc[a][b] = _mm512_fmadd_ps(xv[a], yv, acc[a][b]);
    }
  }
  for (int a = 0; a < QX; ++a)
    for (int b = 0; b < QY; ++b) out[a * ld + b] = Reduce(acc[a][b]);
}

float Dot(const float* a, const float* b, int64_t d) {
  float r;
  Tile<1, 1>(a, b, d, &r, 1);
  return r;
}

void Block(const float* x, int64_t nx, const float* y, int64_t ny, int64_t d, float* out, int64_t ld) {
  int64_t j = 0;
  for (; j + 4 <= ny; j += 4) {
    int64_t i = 0;
    for (; i + 4 <= nx; i += 4) Tile<4, 4>(x + i * d, y + j * d, d, out + i * ld + j, ld);
    for (; i < nx; ++i) Tile<1, 4>(x + i * d, y + j * d, d, out + i * ld + j, ld);
  }
  for (; j < ny; ++j)
    for (int64_t i = 0; i < nx; ++i) Tile<1, 1>(x + i * d, y + j * d, d, out + i * ld + j, ld);
}

}  // namespace
}  // namespace avx512
#pragma GCC diagnostic pop
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

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
  static const DotKernels kScalar{SimdLevel::kScalar, DotScalar, BlockScalar};
  static const DotKernels kAvx2{SimdLevel::kAvx2, avx2::Dot, avx2::Block};
  static const DotKernels kAvx512{SimdLevel::kAvx512, avx512::Dot, avx512::Block};
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
