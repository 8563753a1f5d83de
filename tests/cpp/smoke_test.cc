#include <gtest/gtest.h>

#include "core/rng.h"

namespace counterpoint {
namespace {
TEST(RngTest, UniformIsInOpenUnitInterval) {
  CounterRng rng(1, 2, 3, Purpose::kChoice);
  for (uint64_t i = 0; i < 1000; ++i) {
    const double u = rng.Uniform(i);
    EXPECT_GT(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}
}  // namespace
}  // namespace counterpoint
