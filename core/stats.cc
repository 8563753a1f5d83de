#include "core/stats.h"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace counterpoint {

namespace {

void CheckLevel(double level) {
  if (!(level > 0 && level < 1))
    throw std::invalid_argument("confidence level must lie in (0, 1), got " + std::to_string(level));
}

// mean and sample standard error s/sqrt(n) (NaN below two values)
void MeanAndStdError(std::span<const double> v, Estimate& e) {
  e.n = static_cast<int64_t>(v.size());
  if (v.empty()) return;
  double sum = 0;
  for (double x : v) sum += x;
  e.mean = sum / static_cast<double>(v.size());
  if (v.size() < 2) return;
  double ss = 0;
  for (double x : v) ss += (x - e.mean) * (x - e.mean);
  e.std_error = std::sqrt(ss / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()));
}

}  // namespace

double StudentTQuantile(double p, double df) {
  if (!(p > 0 && p < 1)) throw std::invalid_argument("t quantile: probability must lie in (0, 1)");
  if (!(df > 0)) throw std::invalid_argument("t quantile: degrees of freedom must be > 0");
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), p);
}

double NormalQuantile(double p) {
  if (!(p > 0 && p < 1)) throw std::invalid_argument("normal quantile: probability must lie in (0, 1)");
  return boost::math::quantile(boost::math::normal_distribution<double>(), p);
}

Estimate MeanCi(std::span<const double> values, double level) {
  CheckLevel(level);
  Estimate e;
  MeanAndStdError(values, e);
  if (e.n < 2) return e;
  // half-width t_{(1+level)/2, n-1} * s / sqrt(n)
  const double half = StudentTQuantile(0.5 + level / 2, static_cast<double>(e.n - 1)) * e.std_error;
  e.ci_low = e.mean - half;
  e.ci_high = e.mean + half;
  return e;
}

Estimate ShareMeanCi(std::span<const double> values, double level) {
  for (double v : values)
    if (v < 0 || v > 1)  // NaN passes: it propagates to the mean and the interval
      throw std::invalid_argument("a share outside [0, 1]: " + std::to_string(v));
  Estimate e = MeanCi(values, level);
  if (e.n < 2 || !std::isfinite(e.ci_low)) return e;
  // every value 0 (or every value 1): no spread, the interval is the point
  if (e.std_error == 0 || e.mean <= 0 || e.mean >= 1) {
    e.ci_low = e.ci_high = e.mean;
    return e;
  }
  // delta method: se(logit m) = se(m) / (m (1 - m)); the interval on the logit scale, mapped back
  const double t = StudentTQuantile(0.5 + level / 2, static_cast<double>(e.n - 1));
  const double centre = std::log(e.mean / (1 - e.mean));
  const double half = t * e.std_error / (e.mean * (1 - e.mean));
  auto expit = [](double x) { return 1 / (1 + std::exp(-x)); };
  e.ci_low = expit(centre - half);
  e.ci_high = expit(centre + half);
  return e;
}

Estimate PairedDifference(std::span<const double> a, std::span<const double> b, double level) {
  if (a.size() != b.size())
    throw std::invalid_argument("paired difference of samples of different sizes (" + std::to_string(a.size()) +
                                " and " + std::to_string(b.size()) + ")");
  std::vector<double> diff(a.size());
  for (size_t i = 0; i < a.size(); ++i) diff[i] = a[i] - b[i];
  return MeanCi(diff, level);
}

double StudentTwoSidedP(const Estimate& e) {
  if (e.n < 2 || std::isnan(e.mean) || std::isnan(e.std_error)) return std::numeric_limits<double>::quiet_NaN();
  if (e.std_error == 0) return e.mean == 0 ? 1.0 : 0.0;
  const double t = std::abs(e.mean) / e.std_error;
  return 2 * boost::math::cdf(boost::math::complement(
                 boost::math::students_t_distribution<double>(static_cast<double>(e.n - 1)), t));
}

Estimate NormalMeanCi(std::span<const double> values, double level) {
  CheckLevel(level);
  Estimate e;
  MeanAndStdError(values, e);
  if (e.n < 2) return e;
  const double half = NormalQuantile(0.5 + level / 2) * e.std_error;
  e.ci_low = e.mean - half;
  e.ci_high = e.mean + half;
  return e;
}

Estimate ProportionCi(int64_t successes, int64_t trials, double level) {
  CheckLevel(level);
  if (successes < 0 || successes > trials)
    throw std::invalid_argument("proportion: successes " + std::to_string(successes) + " not in [0, trials " +
                                std::to_string(trials) + "]");
  Estimate e;
  e.n = trials;
  if (trials == 0) return e;
  const double n = static_cast<double>(trials), p = successes / n;
  e.mean = p;
  e.std_error = std::sqrt(p * (1 - p) / n);
  // Wilson's score interval: the p0 with |p - p0| <= z sqrt(p0 (1 - p0) / n)
  const double z = NormalQuantile(0.5 + level / 2), z2 = z * z;
  const double center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  e.ci_low = std::max(0.0, center - half);
  e.ci_high = std::min(1.0, center + half);
  return e;
}

nlohmann::json EstimateJson(const Estimate& e) {
  auto num = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
  return {{"mean", num(e.mean)}, {"ci95_low", num(e.ci_low)}, {"ci95_high", num(e.ci_high)}, {"n", e.n}};
}

}  // namespace counterpoint
