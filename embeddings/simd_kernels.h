// SIMD inner-product kernels chosen at run time by CPU features (AVX-512, AVX2+FMA, scalar).
#pragma once

#include <cstdint>

namespace counterpoint {

/// Instruction set of a kernel family.
enum class SimdLevel { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

/// Name of a level ("scalar", "avx2", "avx512").
const char* SimdLevelName(SimdLevel level);

/// Best level this CPU supports (AVX2 needs FMA too; AVX-512 needs AVX512F).
SimdLevel DetectedSimdLevel();

/// One family of inner-product kernels.
///
/// Bit-exact contract: within one family, `block` writes for every (i, j) exactly
/// the bits `dot(x_i, y_j, d)` returns, whatever nx, ny and the position of the pair
/// in the block, and so does `gather` for every j. Each pair is accumulated lane-wise in a fixed order over d (one
/// fused multiply-add per chunk of 8 or 16 lanes, masked loads for the tail) and
/// reduced by a fixed tree, so a score never depends on which other queries or
/// items were computed with it. Different families round differently.
struct DotKernels {
  SimdLevel level;
  /// Inner product of two d-vectors.
  float (*dot)(const float* a, const float* b, int64_t d);
  /// out[i * ld_out + j] = dot(x + i * d, y + j * d, d) for i < nx, j < ny (rows contiguous).
  void (*block)(const float* x, int64_t nx, const float* y, int64_t ny, int64_t d, float* out, int64_t ld_out);
  /// out[j] = dot(x, rows[j], d) for j < n: one vector against rows scattered in memory
  /// (a catalog's candidates), four at a time without a horizontal reduction per pair.
  void (*gather)(const float* x, const float* const* rows, int64_t n, int64_t d, float* out);
  /// `block`'s bits from y stored in transposed panels of 16 items: panel p holds
  /// yp[(p * d + t) * 16 + l] = y_{16p + l}[t] (the last panel padded to 16 items).
  /// Each lane-wise sum becomes one vector across 16 items and the reduction tree
  /// runs element-wise, so no horizontal reduction per pair. Null where a family
  /// has none (callers use `block`).
  void (*block_transposed)(const float* x, int64_t nx, const float* yp, int64_t ny, int64_t d, float* out, int64_t ld);
  /// out[r] = <e, rows[r]> in double, summed over the coordinates in order (DotsInDouble,
  /// embeddings/catalog.h). The same bits at every level: a product of two floats is
  /// exact in double, and each sum adds it in the same order.
  void (*dots_in_double)(const float* e, const float* const* rows, int n, int64_t d, double* out);
};

/// The mask of the first min(remaining, 16) lanes of a 16-lane vector: the last,
/// partial vector of a loop over 16 elements at a time (AVX-512's __mmask16).
inline uint16_t FirstLanes16(int64_t remaining) {
  return remaining >= 16 ? uint16_t{0xffff} : static_cast<uint16_t>((1u << remaining) - 1);
}

/// Kernels of one level; a level the CPU lacks falls back to the best it has.
const DotKernels& KernelsFor(SimdLevel level);

/// The kernels every search uses, chosen once per process: the detected level,
/// lowered by the environment variable COUNTERPOINT_SIMD=scalar|avx2|avx512 if set
/// (for benchmarks and tests; never raised above what the CPU supports).
const DotKernels& ActiveKernels();

}  // namespace counterpoint
