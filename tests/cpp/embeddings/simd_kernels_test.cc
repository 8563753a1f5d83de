// Tests for embeddings/simd_kernels: every kernel family this CPU supports
// against a double-precision reference (Higham's summation bound), the block
// kernel bit-identical to the single dot for every pair and tile position, and
// the run-time dispatch never choosing more than the CPU has.
#include "embeddings/simd_kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/rng.h"
#include "random_rows.h"

namespace counterpoint {
namespace {

using testing::RandomRows;

// the levels this CPU runs (scalar always)
std::vector<SimdLevel> Levels() {
  std::vector<SimdLevel> out;
  for (int l = 0; l <= static_cast<int>(DetectedSimdLevel()); ++l) out.push_back(static_cast<SimdLevel>(l));
  return out;
}

TEST(SimdKernelsTest, DotWithinSummationErrorBoundOfDoubleReference) {
  // any order of d float multiply-adds (each rounded at most twice) is within
  // gamma_2d * sum |a_j b_j| of the exact sum, gamma_n = n u / (1 - n u), u = 2^-24
  // (Higham, "Accuracy and Stability of Numerical Algorithms", 2002, §3.1)
  const double u = std::ldexp(1.0, -24);
  for (SimdLevel level : Levels()) {
    const DotKernels& k = KernelsFor(level);
    ASSERT_EQ(k.level, level);
    for (int64_t d : {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 128, 257}) {
      SCOPED_TRACE(std::string(SimdLevelName(level)) + " d=" + std::to_string(d));
      const auto a = RandomRows(20, d, 1), b = RandomRows(20, d, 2);
      for (int i = 0; i < 20; ++i) {
        double exact = 0, abs_sum = 0;
        for (int64_t j = 0; j < d; ++j) {
          exact += static_cast<double>(a[i * d + j]) * b[i * d + j];
          abs_sum += std::fabs(static_cast<double>(a[i * d + j]) * b[i * d + j]);
        }
        const double gamma = 2 * d * u / (1 - 2 * d * u);
        EXPECT_LE(std::fabs(k.dot(a.data() + i * d, b.data() + i * d, d) - exact), gamma * abs_sum + 1e-30);
      }
    }
  }
}

TEST(SimdKernelsTest, DotIsExactOnSmallIntegers) {
  // products and partial sums of small integers are exact in float: every kernel must agree with the exact value
  for (SimdLevel level : Levels()) {
    const DotKernels& k = KernelsFor(level);
    for (int64_t d : {5, 16, 37, 64}) {
      std::vector<float> a(d), b(d);
      double exact = 0;
      for (int64_t j = 0; j < d; ++j) {
        a[j] = static_cast<float>(j % 7 - 3);
        b[j] = static_cast<float>(j % 5 + 1);
        exact += a[j] * b[j];
      }
      EXPECT_EQ(k.dot(a.data(), b.data(), d), static_cast<float>(exact)) << SimdLevelName(level) << " d=" << d;
    }
  }
}

TEST(SimdKernelsTest, BlockGivesEveryPairTheBitsOfTheSingleDot) {
  for (SimdLevel level : Levels()) {
    const DotKernels& k = KernelsFor(level);
    for (int64_t d : {3, 16, 24, 64, 70}) {
      const auto x = RandomRows(11, d, 3), y = RandomRows(13, d, 4);
      for (int64_t nx : {1, 2, 3, 4, 5, 11})
        for (int64_t ny : {1, 3, 4, 7, 8, 13}) {
          SCOPED_TRACE(std::string(SimdLevelName(level)) + " d=" + std::to_string(d) + " nx=" + std::to_string(nx) +
                       " ny=" + std::to_string(ny));
          const int64_t ld = ny + 2;
          std::vector<float> out(nx * ld, -7.f);
          k.block(x.data(), nx, y.data(), ny, d, out.data(), ld);
          for (int64_t i = 0; i < nx; ++i) {
            for (int64_t j = 0; j < ny; ++j) {
              const float alone = k.dot(x.data() + i * d, y.data() + j * d, d);
              EXPECT_EQ(std::memcmp(&alone, &out[i * ld + j], sizeof(float)), 0) << i << "," << j;
            }
            EXPECT_EQ(out[i * ld + ny], -7.f) << "wrote past ny";
          }
        }
    }
  }
}

// The transposed block (where a family has one) against the single dot, bit for bit:
// lengths around the 16-lane chunks, tiles of 4 and 1 queries, item counts around
// the 16-item vectors, a last panel padded with NaN that must not leak, and rows of signed
// zeros (a tail lane's +0 must match the masked FMA's).
TEST(SimdKernelsTest, BlockTransposedGivesEveryPairTheBitsOfTheSingleDot) {
  int64_t checked = 0;
  for (SimdLevel level : Levels()) {
    const DotKernels& k = KernelsFor(level);
    if (!k.block_transposed) continue;
    for (int64_t d : {1, 3, 8, 15, 16, 17, 24, 64, 70}) {
      auto x = RandomRows(9, d, 7);
      const auto y = RandomRows(40, d, 8);
      for (int64_t t = 0; t < d; ++t) x[8 * d + t] = t % 2 ? -0.0f : 0.0f;  // a row of signed zeros
      for (int64_t nx : {1, 3, 4, 5, 9})
        for (int64_t ny : {1, 15, 16, 17, 40}) {
          SCOPED_TRACE(std::string(SimdLevelName(level)) + " d=" + std::to_string(d) + " nx=" + std::to_string(nx) +
                       " ny=" + std::to_string(ny));
          // panels of 16 items; the last one's padding is NaN, which must not leak
          std::vector<float> yp((ny + 15) / 16 * 16 * d, std::numeric_limits<float>::quiet_NaN());
          for (int64_t j = 0; j < ny; ++j)
            for (int64_t t = 0; t < d; ++t) yp[((j / 16) * d + t) * 16 + j % 16] = y[j * d + t];
          const int64_t ld = ny + 3;
          std::vector<float> out(nx * ld, -7.f);
          const float* xs = x.data() + (9 - nx) * d;  // the last nx rows, so the zero row is always in
          k.block_transposed(xs, nx, yp.data(), ny, d, out.data(), ld);
          for (int64_t i = 0; i < nx; ++i) {
            for (int64_t j = 0; j < ny; ++j) {
              const float alone = k.dot(xs + i * d, y.data() + j * d, d);
              EXPECT_EQ(std::memcmp(&alone, &out[i * ld + j], sizeof(float)), 0) << i << "," << j;
              ++checked;
            }
            EXPECT_EQ(out[i * ld + ny], -7.f) << "wrote past ny";
          }
        }
    }
  }
  if (DetectedSimdLevel() == SimdLevel::kAvx512) {
    EXPECT_GT(checked, 10000);
  }
}

// DotsInDouble's kernels against a sum written here (each coordinate's product in
// double, added in order), bit for bit at every level: row counts around the 8- and
// 16-row vectors, rows scattered and repeated, lengths with and without a tail.
TEST(SimdKernelsTest, DotsInDoubleHaveTheBitsOfTheOrderedSumAtEveryLevel) {
  for (int64_t d : {1, 5, 32, 64, 70}) {
    const auto e = RandomRows(1, d, 9), pool = RandomRows(50, d, 10);
    for (int n : {0, 1, 7, 8, 9, 15, 16, 17, 33, 200}) {
      std::vector<const float*> rows;
      for (int r = 0; r < n; ++r) rows.push_back(pool.data() + ((r * 37) % 50) * d);
      std::vector<double> want(n);
      for (int r = 0; r < n; ++r) {
        double sum = 0;
        for (int64_t j = 0; j < d; ++j) sum = sum + static_cast<double>(e[j]) * static_cast<double>(rows[r][j]);
        want[r] = sum;
      }
      for (SimdLevel level : Levels()) {
        std::vector<double> got(n + 1, -7.0);
        KernelsFor(level).dots_in_double(e.data(), rows.data(), n, d, got.data());
        for (int r = 0; r < n; ++r) {
          EXPECT_EQ(std::memcmp(&got[r], &want[r], sizeof(double)), 0)
              << SimdLevelName(level) << " d=" << d << " n=" << n << " row " << r;
        }
        EXPECT_EQ(got[n], -7.0) << "wrote past n";
      }
    }
  }
}

TEST(SimdKernelsTest, GatherGivesEveryRowTheBitsOfTheSingleDot) {
  for (SimdLevel level : Levels()) {
    const DotKernels& k = KernelsFor(level);
    for (int64_t d : {3, 16, 24, 32, 70}) {
      const auto x = RandomRows(1, d, 5), y = RandomRows(17, d, 6);
      // rows out of order and repeated, as a user's candidates sit in a catalog
      std::vector<const float*> rows;
      for (int64_t j : {16, 3, 9, 0, 3, 12, 7, 1, 15, 2, 11}) rows.push_back(y.data() + j * d);
      for (int64_t n : {0, 1, 3, 4, 5, 8, 11}) {
        SCOPED_TRACE(std::string(SimdLevelName(level)) + " d=" + std::to_string(d) + " n=" + std::to_string(n));
        std::vector<float> out(n + 1, -7.f);
        k.gather(x.data(), rows.data(), n, d, out.data());
        for (int64_t j = 0; j < n; ++j) {
          const float alone = k.dot(x.data(), rows[j], d);
          EXPECT_EQ(std::memcmp(&alone, &out[j], sizeof(float)), 0) << j;
        }
        EXPECT_EQ(out[n], -7.f) << "wrote past n";
      }
    }
  }
}

TEST(SimdKernelsTest, DispatchNeverExceedsTheCpu) {
  const SimdLevel best = DetectedSimdLevel();
  EXPECT_LE(static_cast<int>(ActiveKernels().level), static_cast<int>(best));
  EXPECT_EQ(KernelsFor(SimdLevel::kAvx512).level, best);
  EXPECT_EQ(KernelsFor(SimdLevel::kScalar).level, SimdLevel::kScalar);
  EXPECT_STREQ(SimdLevelName(SimdLevel::kAvx2), "avx2");
}

}  // namespace
}  // namespace counterpoint
