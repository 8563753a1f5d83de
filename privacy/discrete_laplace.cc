#include "privacy/discrete_laplace.h"

#include <cmath>
#include <stdexcept>

#include "core/error.h"
#include "privacy/exact_bernoulli.h"

namespace counterpoint::privacy {

int64_t SampleDiscreteLaplace(NoiseSource& src, Rational scale) {
  const uint64_t t = scale.num, s = scale.den;
  if (t == 0 || s == 0) throw std::logic_error("SampleDiscreteLaplace: scale must be positive");
  for (;;) {
    // U uniform on {0..t-1}, kept with probability exp(-U/t)
    const uint64_t u = src.Uniform(t);
    if (!BernoulliExpMinus(src, u, t)) continue;
    // V geometric: number of successes of Bernoulli(exp(-1)) before the first failure
    uint64_t v = 0;
    while (BernoulliExpMinus(src, 1, 1)) ++v;
    // X = U + t V is geometric with parameter 1 - exp(-1/t); Y = floor(X / s) with 1 - exp(-s/t)
    const uint128 x = static_cast<uint128>(u) + static_cast<uint128>(t) * v;
    const uint128 y = x / s;
    if (y > static_cast<uint128>(INT64_MAX)) continue;  // probability below exp(-2^62 s/t)
    // a random sign, rejecting -0 so that 0 is not counted twice
    const bool negative = src.Coin();
    if (negative && y == 0) continue;
    return negative ? -static_cast<int64_t>(y) : static_cast<int64_t>(y);
  }
}

Rational LaplaceScaleFor(int64_t sensitivity, double epsilon) {
  if (!(epsilon > 0) || epsilon > 1e3 || !std::isfinite(epsilon))
    throw InputError("--epsilon", "epsilon must be in (0, 1000], got " + std::to_string(epsilon));
  if (sensitivity < 1 || sensitivity > (int64_t{1} << 30))
    throw InputError("policy", "sensitivity must be in [1, 2^30], got " + std::to_string(sensitivity));
  // round up on the grid, plus one step against floating-point error in the division
  constexpr uint64_t kDen = uint64_t{1} << 20;
  const double grid = std::ceil(static_cast<double>(sensitivity) / epsilon * static_cast<double>(kDen));
  if (grid > 1e18) throw InputError("--epsilon", "epsilon too small for this sensitivity");
  const uint64_t num = static_cast<uint64_t>(grid) + 1;
  const uint64_t g = static_cast<uint64_t>(Gcd(num, kDen));
  return Rational{num / g, kDen / g};
}

double LaplaceEpsilon(int64_t sensitivity, Rational scale) {
  return static_cast<double>(sensitivity) * static_cast<double>(scale.den) / static_cast<double>(scale.num);
}

}  // namespace counterpoint::privacy
