// Tests for core/rng: determinism of the counter-based generator and the
// moments of its distributions. Statistical tolerances are 5 standard errors
// of the estimator at the sample size used (false-failure rate < 1e-6 each),
// and every sample is a fixed function of the seed, so the tests are
// deterministic.
#include "core/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

namespace counterpoint {
namespace {

constexpr double kZ = 5.0;  // tolerance in standard errors

struct Moments {
  double mean = 0;
  double var = 0;  // unbiased sample variance
};

Moments SampleMoments(const std::vector<double>& x) {
  Moments m;
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(x.size());
  for (double v : x) m.var += (v - m.mean) * (v - m.mean);
  m.var /= static_cast<double>(x.size() - 1);
  return m;
}

std::vector<double> Draws(uint64_t seed, int n, double (*draw)(const CounterRng&, uint64_t)) {
  CounterRng rng(seed, 3, 5, Purpose::kChoice);
  std::vector<double> x(n);
  for (int i = 0; i < n; ++i) x[i] = draw(rng, static_cast<uint64_t>(i));
  return x;
}

TEST(RngDeterminismTest, SameKeyAndCounterGiveSameValues) {
  const CounterRng a(42, 7, 11, Purpose::kSession);
  const CounterRng b(42, 7, 11, Purpose::kSession);  // constructed separately
  for (uint64_t i = 0; i < 256; ++i) {
    EXPECT_EQ(a.Uniform(i), b.Uniform(i));
    EXPECT_EQ(a.Normal(i), b.Normal(i));
    EXPECT_EQ(a.Gumbel(i), b.Gumbel(i));
    EXPECT_EQ(a.Below(i, 17), b.Below(i, 17));
  }
  for (uint64_t i = 0; i < 16; ++i) EXPECT_EQ(a.Beta(i, 2.0, 3.0), b.Beta(i, 2.0, 3.0));
  // a draw does not depend on which draws came before it
  const CounterRng c(42, 7, 11, Purpose::kSession);
  EXPECT_EQ(c.Uniform(200), a.Uniform(200));
}

TEST(RngDeterminismTest, UniformIsTheDocumentedFunctionOfThePhiloxBlock) {
  const CounterRng rng(9, 8, 7, Purpose::kExamination);
  for (uint64_t i = 0; i < 64; ++i) {
    const uint64_t word = rng.Block(i / 4)[i % 4];
    const double expected = (static_cast<double>(word >> 11) + 0.5) / 9007199254740992.0;  // 2^53
    EXPECT_EQ(rng.Uniform(i), expected) << "draw " << i;
  }
}

// Each component of the key or counter changes the whole stream.
TEST(RngDeterminismTest, EachKeyAndCounterComponentChangesTheDraws) {
  auto first_draws = [](const CounterRng& r) {
    std::vector<double> v;
    for (uint64_t i = 0; i < 16; ++i) v.push_back(r.Uniform(i));
    return v;
  };
  const auto base = first_draws(CounterRng(1, 2, 3, Purpose::kChoice));
  const std::vector<std::vector<double>> variants = {
      first_draws(CounterRng(2, 2, 3, Purpose::kChoice)),       // seed
      first_draws(CounterRng(1, 3, 3, Purpose::kChoice)),       // stream
      first_draws(CounterRng(1, 2, 4, Purpose::kChoice)),       // step
      first_draws(CounterRng(1, 2, 3, Purpose::kExamination)),  // purpose
  };
  for (size_t v = 0; v < variants.size(); ++v) {
    int equal = 0;
    for (size_t i = 0; i < base.size(); ++i) equal += base[i] == variants[v][i];
    EXPECT_EQ(equal, 0) << "variant " << v;
  }
  // distinct draw indexes within one stream differ too
  std::set<double> distinct(base.begin(), base.end());
  EXPECT_EQ(distinct.size(), base.size());
}

// Swapping stream and step must not give the same numbers (they sit in the key
// and the counter respectively).
TEST(RngDeterminismTest, StreamAndStepAreNotInterchangeable) {
  const CounterRng a(5, 1, 2, Purpose::kChoice), b(5, 2, 1, Purpose::kChoice);
  EXPECT_NE(a.Uniform(0), b.Uniform(0));
  EXPECT_NE(a.Uniform(1), b.Uniform(1));
}

TEST(RngDistributionTest, UniformStaysInsideTheOpenUnitInterval) {
  const CounterRng rng(123, 0, 0, Purpose::kRankerNoise);
  for (uint64_t i = 0; i < 100000; ++i) {
    const double u = rng.Uniform(i);
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(RngDistributionTest, UniformMeanAndVariance) {
  const int n = 200000;
  const auto x = Draws(1, n, [](const CounterRng& r, uint64_t i) { return r.Uniform(i); });
  const Moments m = SampleMoments(x);
  // Var(U) = 1/12; Var((U - 1/2)^2) = 1/80 - 1/144 = 1/180
  EXPECT_NEAR(m.mean, 0.5, kZ * std::sqrt(1.0 / 12.0 / n));
  EXPECT_NEAR(m.var, 1.0 / 12.0, kZ * std::sqrt(1.0 / 180.0 / n));
}

TEST(RngDistributionTest, UniformDecilesAreEquallyFilled) {
  const int n = 100000;
  const auto x = Draws(2, n, [](const CounterRng& r, uint64_t i) { return r.Uniform(i); });
  std::vector<int> counts(10, 0);
  for (double v : x) ++counts[static_cast<int>(v * 10)];
  const double se = std::sqrt(n * 0.1 * 0.9);
  for (int b = 0; b < 10; ++b) EXPECT_NEAR(counts[b], n * 0.1, kZ * se) << "decile " << b;
}

TEST(RngDistributionTest, NormalMeanVarianceAndKurtosis) {
  const int n = 200000;
  const auto x = Draws(3, n, [](const CounterRng& r, uint64_t i) { return r.Normal(i); });
  const Moments m = SampleMoments(x);
  double m4 = 0, within_one = 0;
  for (double v : x) {
    m4 += v * v * v * v;
    within_one += std::abs(v) < 1.0;
  }
  m4 /= n;
  within_one /= n;
  // SE(mean) = 1/sqrt(n); Var(X^2) = 2; Var(X^4) = 105 - 9 = 96
  EXPECT_NEAR(m.mean, 0.0, kZ / std::sqrt(n));
  EXPECT_NEAR(m.var, 1.0, kZ * std::sqrt(2.0 / n));
  EXPECT_NEAR(m4, 3.0, kZ * std::sqrt(96.0 / n));
  const double p1 = std::erf(1.0 / std::sqrt(2.0));  // P(|X| < 1) = 0.6827
  EXPECT_NEAR(within_one, p1, kZ * std::sqrt(p1 * (1 - p1) / n));
}

TEST(RngDistributionTest, GumbelMeanAndVariance) {
  const int n = 200000;
  const auto x = Draws(4, n, [](const CounterRng& r, uint64_t i) { return r.Gumbel(i); });
  const Moments m = SampleMoments(x);
  const double pi2_6 = M_PI * M_PI / 6.0;  // Var of the standard Gumbel
  EXPECT_NEAR(m.mean, 0.5772156649015329, kZ * std::sqrt(pi2_6 / n));
  // Var(X^2)-based SE: the Gumbel's excess kurtosis is 2.4, so Var(S^2) ~ (2 + 2.4) sigma^4 / n
  EXPECT_NEAR(m.var, pi2_6, kZ * pi2_6 * std::sqrt(4.4 / n));
}

TEST(RngDistributionTest, BelowIsInRangeAndUniform) {
  const CounterRng rng(6, 1, 1, Purpose::kRetrieverSample);
  const int n = 70000, k = 7;
  std::vector<int> counts(k, 0);
  for (int i = 0; i < n; ++i) {
    const uint64_t v = rng.Below(i, k);
    ASSERT_LT(v, static_cast<uint64_t>(k));
    ++counts[v];
  }
  const double p = 1.0 / k, se = std::sqrt(n * p * (1 - p));
  for (int b = 0; b < k; ++b) EXPECT_NEAR(counts[b], n * p, kZ * se) << "value " << b;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.Below(i, 1), 0u);
}

// Gamma(shape, 1) has mean and variance equal to the shape.
TEST(RngDistributionTest, GammaMeanAndVariance) {
  const int n = 50000;
  for (double shape : {0.4, 1.0, 3.5}) {
    const CounterRng rng(7, 2, 0, Purpose::kPopulationInit);
    std::vector<double> x(n);
    for (int i = 0; i < n; ++i) {
      x[i] = rng.Gamma(i, shape);
      ASSERT_GT(x[i], 0.0);
    }
    const Moments m = SampleMoments(x);
    EXPECT_NEAR(m.mean, shape, kZ * std::sqrt(shape / n)) << "shape " << shape;
    // fourth central moment of Gamma(k): 3k^2 + 6k, so Var(S^2) ~ (3k^2 + 6k - k^2) / n
    EXPECT_NEAR(m.var, shape, kZ * std::sqrt((2 * shape * shape + 6 * shape) / n)) << "shape " << shape;
  }
}

// Beta(a, b): mean a/(a+b), variance ab/((a+b)^2 (a+b+1)). Since the values lie
// in [0, 1], (X - m)^2 <= 1 and Var((X - m)^2) <= Var(X), which bounds the
// standard error of the sample variance by sqrt(Var(X)/n).
TEST(RngDistributionTest, BetaMeanAndVariance) {
  const int n = 40000;
  const double params[][2] = {{2.0, 5.0}, {0.5, 0.5}, {0.3, 3.0}, {8.0, 2.0}};
  for (const auto& ab : params) {
    const double a = ab[0], b = ab[1];
    const CounterRng rng(8, 4, 0, Purpose::kPopulationInit);
    std::vector<double> x(n);
    for (int i = 0; i < n; ++i) {
      x[i] = rng.Beta(i, a, b);
      ASSERT_GE(x[i], 0.0);
      ASSERT_LE(x[i], 1.0);
    }
    const Moments m = SampleMoments(x);
    const double mean = a / (a + b), var = a * b / ((a + b) * (a + b) * (a + b + 1));
    const double se = std::sqrt(var / n);
    EXPECT_NEAR(m.mean, mean, kZ * se) << "Beta(" << a << ", " << b << ")";
    EXPECT_NEAR(m.var, var, kZ * se) << "Beta(" << a << ", " << b << ")";
  }
}

// Draws from different purposes of one (seed, stream, step) are uncorrelated.
TEST(RngDistributionTest, PurposesAreUncorrelated) {
  const int n = 100000;
  const CounterRng a(10, 0, 0, Purpose::kChoice), b(10, 0, 0, Purpose::kExamination);
  double sab = 0;
  for (int i = 0; i < n; ++i) sab += (a.Uniform(i) - 0.5) * (b.Uniform(i) - 0.5);
  const double corr = (sab / n) * 12.0;  // divide by Var(U) = 1/12
  EXPECT_NEAR(corr, 0.0, kZ / std::sqrt(n));
}

TEST(RngDeriveSeedTest, DistinctAcrossIndexesAndDeterministic) {
  std::set<uint64_t> seeds;
  for (uint64_t i = 0; i < 10000; ++i) {
    const uint64_t s = DeriveSeed(2024, i);
    EXPECT_EQ(s, DeriveSeed(2024, i));
    EXPECT_NE(s, 2024u);
    seeds.insert(s);
  }
  EXPECT_EQ(seeds.size(), 10000u);
  // a different base seed gives a different family
  int shared = 0;
  for (uint64_t i = 0; i < 1000; ++i) shared += seeds.count(DeriveSeed(2025, i)) > 0;
  EXPECT_EQ(shared, 0);
}

TEST(RngDeriveSeedTest, DerivedSeedsGiveIndependentStreams) {
  const int n = 50000;
  const CounterRng a(DeriveSeed(77, 0), 0, 0, Purpose::kChoice);
  const CounterRng b(DeriveSeed(77, 1), 0, 0, Purpose::kChoice);
  double sab = 0;
  int equal = 0;
  for (int i = 0; i < n; ++i) {
    sab += (a.Uniform(i) - 0.5) * (b.Uniform(i) - 0.5);
    equal += a.Uniform(i) == b.Uniform(i);
  }
  EXPECT_EQ(equal, 0);
  EXPECT_NEAR(sab / n * 12.0, 0.0, kZ / std::sqrt(n));
}

}  // namespace
}  // namespace counterpoint
