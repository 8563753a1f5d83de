// One statistics module: means with confidence intervals, paired differences and
// the quantiles they need (docs/metrics.md, "Statistics").
//
// Two kinds of sample reach it:
//  - few replicates of a simulation (R of 2 to 50): Student's t interval, with the
//    quantile from Boost.Math (Student, "The probable error of a mean", Biometrika 1908),
//    on the logit scale for shares so that it stays inside [0, 1];
//  - many Monte Carlo draws (walkers on the graph): the normal interval for a mean,
//    and Wilson's score interval for a share (Wilson, JASA 1927), which stays inside
//    [0, 1] and is not empty when no draw (or every draw) hit.
// An empty sample gives mean NaN and n = 0, never a silent 0; a sample too small
// for an interval (one value for Student's t) gives a NaN interval. NaN values in a
// sample propagate to the mean and the interval.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json_fwd.hpp>
#include <span>

namespace counterpoint {

/// A mean (or share) with a two-sided confidence interval.
struct Estimate {
  double mean = std::numeric_limits<double>::quiet_NaN();       ///< NaN when n = 0
  double ci_low = std::numeric_limits<double>::quiet_NaN();     ///< NaN when undefined (n = 0; n = 1 for a mean)
  double ci_high = std::numeric_limits<double>::quiet_NaN();    ///< as ci_low
  int64_t n = 0;                                                ///< sample size (draws, replicates or trials)
  double std_error = std::numeric_limits<double>::quiet_NaN();  ///< s/sqrt(n) for a mean, sqrt(p(1-p)/n) for a share
};

/// Quantile of Student's t with `df` > 0 degrees of freedom at probability p in (0, 1).
/// Throws std::invalid_argument outside that domain.
double StudentTQuantile(double p, double df);

/// Quantile of the standard normal at probability p in (0, 1).
double NormalQuantile(double p);

/// Mean and Student-t interval: mean ± t_{(1+level)/2, n-1} · s/√n, s the sample
/// standard deviation (n - 1 in the denominator). For few replicates.
Estimate MeanCi(std::span<const double> values, double level = 0.95);

/// Mean of shares (values in [0, 1]) over few replicates with an interval that stays inside
/// [0, 1]: the Student-t interval on the logit scale by the delta method, mapped back,
/// expit(logit(m) ± t_{(1+level)/2, n-1} · se / (m (1 - m))), se = s/√n (the logit interval,
/// citype(logit), that Stata's `proportion` uses by default; R survey's svyciprop(method =
/// "logit")). When every value is 0 (or
/// every value is 1) the interval is the point. The mean and std_error are MeanCi's. Throws
/// std::invalid_argument for a value outside [0, 1]; NaN propagates.
Estimate ShareMeanCi(std::span<const double> values, double level = 0.95);

/// Student-t interval (MeanCi) of the per-replicate differences a_i - b_i; throws
/// std::invalid_argument when the lengths differ.
Estimate PairedDifference(std::span<const double> a, std::span<const double> b, double level = 0.95);

/// Two-sided p-value of the one-sample t test of mean 0 for a MeanCi or PairedDifference
/// estimate: 2 (1 − F_{n−1}(|mean| / se)). With se = 0 it is 0 for a non-zero mean and 1 for
/// a zero mean; NaN below two values or for a NaN mean.
double StudentTwoSidedP(const Estimate& e);

/// Mean and normal interval mean ± z_{(1+level)/2} · s/√n, for many Monte Carlo draws.
Estimate NormalMeanCi(std::span<const double> values, double level = 0.95);

/// Share successes/trials with Wilson's score interval:
/// (p + z²/2n ± z·√(p(1-p)/n + z²/4n²)) / (1 + z²/n). Throws std::invalid_argument
/// unless 0 <= successes <= trials.
Estimate ProportionCi(int64_t successes, int64_t trials, double level = 0.95);

/// {"mean", "ci95_low", "ci95_high", "n"} of a 95% estimate, NaN written as null.
nlohmann::json EstimateJson(const Estimate& e);

}  // namespace counterpoint
