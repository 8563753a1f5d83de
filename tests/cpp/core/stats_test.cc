// The statistics module against hand-computed intervals and published tables.
#include "core/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "core/rng.h"

namespace counterpoint {
namespace {

// t quantiles at 0.975 for df 4, 10, 30, 100: roots of the regularised incomplete beta
// 1 - I_{df/(df+t^2)}(df/2, 1/2)/2 = 0.975 at 30 digits (mpmath); rounded to 3 or 6
// decimals they are the published values (Abramowitz & Stegun table 26.10; Student 1908)
TEST(StudentTQuantileTest, MatchesPublishedTables) {
  // df 1 (Cauchy): tan(pi (p - 1/2)); df 2: (2p - 1) / sqrt(2 p (1 - p))
  EXPECT_NEAR(StudentTQuantile(0.975, 1), std::tan(M_PI * 0.475), 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.975, 1), 12.706204736174705, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.9, 1), 3.0776835371752536, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.975, 2), 0.95 / std::sqrt(2 * 0.975 * 0.025), 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.975, 2), 4.302652729749464, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.975, 3), 3.182446305283710, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.975, 4), 2.776445105197794, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.995, 4), 4.604094871349993, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.975, 10), 2.228138851986275, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.975, 30), 2.042272456301238, 1e-9);
  EXPECT_NEAR(StudentTQuantile(0.975, 100), 1.983971518523552, 1e-9);
  // symmetry, the median, and the normal limit
  EXPECT_NEAR(StudentTQuantile(0.025, 10), -StudentTQuantile(0.975, 10), 1e-12);
  EXPECT_NEAR(StudentTQuantile(0.5, 7), 0.0, 1e-12);
  EXPECT_NEAR(StudentTQuantile(0.975, 1e9), 1.959963984540054, 1e-6);
}

TEST(StudentTQuantileTest, RejectsOutsideItsDomain) {
  EXPECT_THROW(StudentTQuantile(0.975, 0), std::invalid_argument);
  EXPECT_THROW(StudentTQuantile(1.0, 5), std::invalid_argument);
  EXPECT_THROW(StudentTQuantile(0.0, 5), std::invalid_argument);
  EXPECT_THROW(StudentTQuantile(NAN, 5), std::invalid_argument);
}

TEST(NormalQuantileTest, KnownValues) {
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(NormalQuantile(0.8413447460685429), 1.0, 1e-9);  // Phi(1)
}

TEST(MeanCiTest, OneToFive) {
  // mean 3, sd sqrt(2.5), half-width t_{0.975,4} sqrt(2.5) / sqrt(5)
  const std::vector<double> v = {1, 2, 3, 4, 5};
  const Estimate e = MeanCi(v);
  const double half = 2.776445105197794 * std::sqrt(2.5) / std::sqrt(5.0);
  EXPECT_EQ(e.n, 5);
  EXPECT_DOUBLE_EQ(e.mean, 3.0);
  EXPECT_NEAR(e.std_error, std::sqrt(0.5), 1e-15);
  EXPECT_NEAR(e.ci_low, 3.0 - half, 1e-9);
  EXPECT_NEAR(e.ci_high, 3.0 + half, 1e-9);
  EXPECT_NEAR(e.ci_high, 4.963243161, 1e-9);
  // a 99% interval uses t_{0.995,4}
  const Estimate e99 = MeanCi(v, 0.99);
  EXPECT_NEAR(e99.ci_high - e99.mean, 4.604094871349993 * std::sqrt(0.5), 1e-9);
}

TEST(MeanCiTest, EmptyAndSingleValues) {
  const Estimate empty = MeanCi(std::vector<double>{});
  EXPECT_EQ(empty.n, 0);
  EXPECT_TRUE(std::isnan(empty.mean));
  EXPECT_TRUE(std::isnan(empty.ci_low));
  EXPECT_TRUE(std::isnan(empty.ci_high));
  const Estimate one = MeanCi(std::vector<double>{0.25});
  EXPECT_EQ(one.n, 1);
  EXPECT_DOUBLE_EQ(one.mean, 0.25);
  EXPECT_TRUE(std::isnan(one.ci_low));
  EXPECT_TRUE(std::isnan(one.ci_high));
  EXPECT_TRUE(std::isnan(one.std_error));
  // equal values: a zero-width interval, not NaN
  const Estimate same = MeanCi(std::vector<double>{2, 2, 2});
  EXPECT_DOUBLE_EQ(same.ci_low, 2.0);
  EXPECT_DOUBLE_EQ(same.ci_high, 2.0);
  EXPECT_THROW(MeanCi(std::vector<double>{1, 2}, 1.0), std::invalid_argument);
  EXPECT_THROW(MeanCi(std::vector<double>{1, 2}, 0.0), std::invalid_argument);
}

TEST(MeanCiTest, CoversTheTrueMeanOfNormalSamplesAtItsLevel) {
  // the t interval is exact for normal data: coverage of N(0.7, 2^2) samples of 5 is 95%;
  // 20000 intervals give a share within 4 standard errors sqrt(0.95 * 0.05 / 20000)
  const int trials = 20000, n = 5;
  int covered = 0;
  std::vector<double> v(n);
  for (int t = 0; t < trials; ++t) {
    const CounterRng rng(2024, static_cast<uint64_t>(t), 0, Purpose::kChoice);
    for (int i = 0; i < n; ++i) v[i] = 0.7 + 2.0 * rng.Normal(i);
    const Estimate e = MeanCi(v);
    covered += e.ci_low <= 0.7 && 0.7 <= e.ci_high;
  }
  EXPECT_NEAR(covered / static_cast<double>(trials), 0.95, 4 * std::sqrt(0.95 * 0.05 / trials));
}

// t_{0.975, 2} in closed form: for 2 degrees of freedom F^-1(p) = (2p - 1) / sqrt(2p(1 - p))
const double kT2 = (2 * 0.975 - 1) / std::sqrt(2 * 0.975 * 0.025);

TEST(ShareMeanCiTest, LogitIntervalByHand) {
  // {0.1, 0.2, 0.3}: m = 0.2, s = 0.1, se = 0.1/sqrt(3); logit(0.2) = ln(1/4);
  // half-width on the logit scale t * se / (0.2 * 0.8)
  const std::vector<double> v = {0.1, 0.2, 0.3};
  const Estimate e = ShareMeanCi(v);
  const double se = 0.1 / std::sqrt(3.0), half = kT2 * se / 0.16;
  auto expit = [](double x) { return 1 / (1 + std::exp(-x)); };
  EXPECT_NEAR(e.mean, 0.2, 1e-15);
  EXPECT_NEAR(e.std_error, se, 1e-15);
  EXPECT_EQ(e.n, 3);
  EXPECT_NEAR(e.ci_low, expit(std::log(0.25) - half), 1e-12);
  EXPECT_NEAR(e.ci_high, expit(std::log(0.25) + half), 1e-12);
  EXPECT_NEAR(e.ci_low, 0.0502646924, 1e-9);  // the same, evaluated by hand
  EXPECT_NEAR(e.ci_high, 0.5414773902, 1e-9);
}

TEST(ShareMeanCiTest, StaysInsideTheUnitIntervalWhereTheTIntervalDoesNot) {
  // {0, 0, 0.3}: the t interval reaches below 0 (0.1 - t * sqrt(0.03)/sqrt(3) < 0)
  const std::vector<double> v = {0, 0, 0.3};
  EXPECT_LT(MeanCi(v).ci_low, 0);
  const Estimate e = ShareMeanCi(v);
  EXPECT_GT(e.ci_low, 0);
  EXPECT_LT(e.ci_high, 1);
  EXPECT_LT(e.ci_low, e.mean);
  EXPECT_GT(e.ci_high, e.mean);
  // and for random samples of 2 to 6 shares, the interval holds the mean inside [0, 1]
  for (uint64_t t = 0; t < 2000; ++t) {
    const CounterRng rng(7, t, 0, Purpose::kChoice);
    std::vector<double> w(2 + t % 5);
    for (size_t i = 0; i < w.size(); ++i) w[i] = std::pow(rng.Uniform(i), 1 + 8.0 * rng.Uniform(99));
    const Estimate f = ShareMeanCi(w);
    ASSERT_GE(f.ci_low, 0) << t;
    ASSERT_LE(f.ci_high, 1) << t;
    ASSERT_LE(f.ci_low, f.mean) << t;
    ASSERT_GE(f.ci_high, f.mean) << t;
  }
}

TEST(ShareMeanCiTest, NearOneHalfItIsTheTIntervalToFirstOrder) {
  // at m = 1/2 the logit half-width is x = 4 h, h = t se the t interval's; expit(x) =
  // 1/2 + x/4 - x^3/48 + x^5/480 - ...: the interval is the t interval shrunk by x^3/48
  const std::vector<double> v = {0.49, 0.5, 0.51};
  const Estimate e = ShareMeanCi(v), t = MeanCi(v);
  const double h = t.ci_high - 0.5, x = 4 * h;
  EXPECT_NEAR(e.ci_high, 0.5 + h - x * x * x / 48, 1e-7);
  EXPECT_NEAR(e.ci_low, 0.5 - h + x * x * x / 48, 1e-7);
}

TEST(ShareMeanCiTest, DegenerateSamples) {
  const std::vector<double> zeros = {0, 0, 0}, ones = {1, 1}, one = {0.4}, empty = {};
  for (const auto* v : {&zeros, &ones}) {
    const Estimate e = ShareMeanCi(*v);
    EXPECT_EQ(e.ci_low, e.mean);
    EXPECT_EQ(e.ci_high, e.mean);
  }
  EXPECT_EQ(ShareMeanCi(one).mean, 0.4);
  EXPECT_TRUE(std::isnan(ShareMeanCi(one).ci_low));
  EXPECT_TRUE(std::isnan(ShareMeanCi(empty).mean));
  const std::vector<double> with_nan = {0.2, std::nan(""), 0.3};
  EXPECT_TRUE(std::isnan(ShareMeanCi(with_nan).ci_high));
  const std::vector<double> outside = {0.2, 1.5};
  EXPECT_THROW(ShareMeanCi(outside), std::invalid_argument);
}

TEST(PairedDifferenceTest, HandComputed) {
  // differences {2, 3, 2, 3}: mean 2.5, s^2 = 1/3, se = sqrt(1/12), t_{0.975,3} = 3.182446305
  const std::vector<double> a = {3, 5, 4, 6}, b = {1, 2, 2, 3};
  const Estimate d = PairedDifference(a, b);
  const double half = 3.182446305283710 * std::sqrt(1.0 / 12.0);
  EXPECT_EQ(d.n, 4);
  EXPECT_DOUBLE_EQ(d.mean, 2.5);
  EXPECT_NEAR(d.ci_low, 2.5 - half, 1e-9);
  EXPECT_NEAR(d.ci_high, 2.5 + half, 1e-9);
  // a constant shift is known exactly however noisy each arm is
  const std::vector<double> noisy = {0.1, 9.0, -4.0}, shifted = {1.1, 10.0, -3.0};
  const Estimate s = PairedDifference(shifted, noisy);
  EXPECT_NEAR(s.mean, 1.0, 1e-12);
  EXPECT_NEAR(s.ci_high - s.ci_low, 0.0, 1e-12);
}

TEST(PairedDifferenceTest, LengthsMustAgreeAndEmptyIsNaN) {
  EXPECT_THROW(PairedDifference(std::vector<double>{1, 2}, std::vector<double>{1}), std::invalid_argument);
  const Estimate e = PairedDifference(std::vector<double>{}, std::vector<double>{});
  EXPECT_EQ(e.n, 0);
  EXPECT_TRUE(std::isnan(e.mean));
}

TEST(NormalMeanCiTest, OneToFive) {
  const Estimate e = NormalMeanCi(std::vector<double>{1, 2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(e.mean, 3.0);
  EXPECT_NEAR(e.ci_high, 3.0 + 1.959963984540054 * std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(e.ci_low, 3.0 - 1.959963984540054 * std::sqrt(0.5), 1e-12);
  EXPECT_TRUE(std::isnan(NormalMeanCi(std::vector<double>{}).mean));
  EXPECT_TRUE(std::isnan(NormalMeanCi(std::vector<double>{1}).ci_low));
}

// Wilson intervals published by Newcombe, "Two-sided confidence intervals for the
// single proportion: comparison of seven methods", Statistics in Medicine 1998, table I
TEST(ProportionCiTest, WilsonIntervalsFromNewcombe1998) {
  struct Case {
    int64_t k, n;
    double low, high;
  };
  for (const Case& c : {Case{81, 263, 0.2553, 0.3662}, Case{15, 148, 0.0624, 0.1605}, Case{0, 20, 0.0, 0.1611},
                        Case{1, 29, 0.0061, 0.1718}}) {
    const Estimate e = ProportionCi(c.k, c.n);
    EXPECT_DOUBLE_EQ(e.mean, static_cast<double>(c.k) / c.n);
    EXPECT_EQ(e.n, c.n);
    EXPECT_NEAR(e.ci_low, c.low, 5e-5) << c.k << "/" << c.n;
    EXPECT_NEAR(e.ci_high, c.high, 5e-5) << c.k << "/" << c.n;
  }
  // 0 of 10: upper bound z^2 / (n + z^2); 5 of 10 symmetric about 1/2
  const double z2 = 1.959963984540054 * 1.959963984540054;
  EXPECT_NEAR(ProportionCi(0, 10).ci_high, z2 / (10 + z2), 1e-12);
  EXPECT_DOUBLE_EQ(ProportionCi(0, 10).ci_low, 0.0);
  EXPECT_NEAR(ProportionCi(10, 10).ci_low, 10 / (10 + z2), 1e-12);
  EXPECT_NEAR(ProportionCi(5, 10).ci_low + ProportionCi(5, 10).ci_high, 1.0, 1e-12);
  EXPECT_NEAR(ProportionCi(5, 10).std_error, std::sqrt(0.025), 1e-15);
}

TEST(ProportionCiTest, EmptyAndBadCounts) {
  const Estimate e = ProportionCi(0, 0);
  EXPECT_EQ(e.n, 0);
  EXPECT_TRUE(std::isnan(e.mean));
  EXPECT_TRUE(std::isnan(e.ci_low));
  EXPECT_THROW(ProportionCi(3, 2), std::invalid_argument);
  EXPECT_THROW(ProportionCi(-1, 2), std::invalid_argument);
}

TEST(EstimateJsonTest, NaNIsWrittenAsNull) {
  const nlohmann::json one = EstimateJson(MeanCi(std::vector<double>{4.0}));
  EXPECT_EQ(one["mean"], 4.0);
  EXPECT_TRUE(one["ci95_low"].is_null());
  EXPECT_TRUE(one["ci95_high"].is_null());
  EXPECT_EQ(one["n"], 1);
  const nlohmann::json none = EstimateJson(Estimate{});
  EXPECT_TRUE(none["mean"].is_null());
  EXPECT_EQ(none["n"], 0);
  EXPECT_EQ(none.dump().find("nan"), std::string::npos);
}

}  // namespace
}  // namespace counterpoint
