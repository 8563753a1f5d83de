#include "core/poisson.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace counterpoint {
namespace {

// mean and variance of n draws against the Poisson's (both lambda), within 4 standard
// errors: se(mean) = sqrt(lambda / n), se(variance) ~ sqrt((lambda + 2 lambda^2) / n)
void CheckMoments(double lambda, int n) {
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const CounterRng rng(7, static_cast<uint64_t>(i), 3, Purpose::kIntervention);
    const double x = static_cast<double>(Poisson(rng, 0, lambda));
    ASSERT_GE(x, 0);
    sum += x, sum2 += x * x;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  EXPECT_NEAR(mean, lambda, 4 * std::sqrt(lambda / n)) << lambda;
  EXPECT_NEAR(var, lambda, 4 * std::sqrt((lambda + 2 * lambda * lambda) / n)) << lambda;
}

TEST(PoissonTest, MomentsByInversionAndByRejection) {
  CheckMoments(0.3, 200000);
  CheckMoments(3, 200000);
  CheckMoments(9.9, 100000);  // the last mean by inversion
  CheckMoments(10, 100000);   // the first by PTRS
  CheckMoments(57.5, 100000);
  CheckMoments(20000, 50000);
}

TEST(PoissonTest, ProbabilitiesOfSmallCounts) {
  // P(X = k) = e^-l l^k / k!, for l = 12 (PTRS): the frequencies within 4 standard errors
  const double l = 12;
  const int n = 200000;
  std::vector<int> count(40, 0);
  for (int i = 0; i < n; ++i) {
    const CounterRng rng(11, static_cast<uint64_t>(i), 0, Purpose::kIntervention);
    const int64_t x = Poisson(rng, 5, l);
    if (x < 40) ++count[x];
  }
  for (int k : {4, 8, 12, 16, 20}) {
    const double p = std::exp(-l + k * std::log(l) - std::lgamma(k + 1.0));
    EXPECT_NEAR(count[k] / static_cast<double>(n), p, 4 * std::sqrt(p * (1 - p) / n)) << k;
  }
}

TEST(PoissonTest, NonPositiveMeanGivesZeroAndDrawsAreKeyed) {
  const CounterRng rng(1, 2, 3, Purpose::kIntervention);
  EXPECT_EQ(Poisson(rng, 0, 0), 0);
  EXPECT_EQ(Poisson(rng, 0, -1), 0);
  EXPECT_EQ(Poisson(rng, 0, std::nan("")), 0);
  // a pure function of (rng, base, mean)
  EXPECT_EQ(Poisson(rng, 9, 40), Poisson(CounterRng(1, 2, 3, Purpose::kIntervention), 9, 40));
}

}  // namespace
}  // namespace counterpoint
