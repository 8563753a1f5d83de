#include "privacy/discrete_gaussian.h"

#include <cmath>
#include <stdexcept>

#include "core/error.h"
#include "privacy/exact_bernoulli.h"

namespace counterpoint::privacy {

namespace {
constexpr uint64_t kMaxA = uint64_t{1} << 40;
constexpr uint64_t kMaxB = uint64_t{1} << 10;

// floor(sqrt(a / b)) exactly: the largest r with r^2 b <= a
uint64_t FloorSqrtRatio(uint64_t a, uint64_t b) {
  uint64_t r = static_cast<uint64_t>(std::sqrt(static_cast<double>(a) / static_cast<double>(b)));
  while (static_cast<uint128>(r) * r * b > a) --r;
  while (static_cast<uint128>(r + 1) * (r + 1) * b <= a) ++r;
  return r;
}
}  // namespace

int64_t SampleDiscreteGaussian(NoiseSource& src, Rational sigma2) {
  const uint64_t a = sigma2.num, b = sigma2.den;
  if (a == 0 || b == 0 || a > kMaxA || b > kMaxB)
    throw std::logic_error("SampleDiscreteGaussian: sigma^2 out of range");
  const uint64_t t = FloorSqrtRatio(a, b) + 1;
  // gamma = (|Y| - sigma^2/t)^2 / (2 sigma^2) = (|Y| b t - a)^2 / (2 a b t^2)
  const uint128 den = static_cast<uint128>(2) * a * b * t * t;  // <= 2^(1+40+10+2*21)
  for (;;) {
    const int64_t y = SampleDiscreteLaplace(src, Rational{t, 1});
    const uint64_t abs_y = y < 0 ? -static_cast<uint64_t>(y) : static_cast<uint64_t>(y);
    // (|Y| b t - a)^2 must fit in 128 bits: |Y| b t < 2^63. Beyond, |Y| > 2^32 >= 2^12 sigma
    // (b t <= 2^31, sigma <= 2^20), gamma > 2^23 and the acceptance exp(-gamma) is nil: reject
    const uint128 ybt = static_cast<uint128>(abs_y) * b * t;
    if (ybt >= (static_cast<uint128>(1) << 63)) continue;
    const uint128 diff = ybt > a ? ybt - a : a - ybt;
    const uint128 num = diff * diff;
    if (BernoulliExpMinus(src, num, den)) return y;
  }
}

Rational GaussianSigma2For(int64_t l2_squared, double rho) {
  if (!(rho > 0) || rho > 1e3 || !std::isfinite(rho))
    throw InputError("--rho", "rho must be in (0, 1000], got " + std::to_string(rho));
  if (l2_squared < 1) throw InputError("policy", "L2 sensitivity must be at least 1");
  const double grid = std::ceil(static_cast<double>(l2_squared) / (2.0 * rho) * static_cast<double>(kMaxB));
  if (grid >= static_cast<double>(kMaxA))
    throw InputError("--rho", "rho too small for this sensitivity (sigma^2 would exceed 2^30)");
  const uint64_t num = static_cast<uint64_t>(grid) + 1;
  const uint64_t g = static_cast<uint64_t>(Gcd(num, kMaxB));
  return Rational{num / g, kMaxB / g};
}

double GaussianRho(int64_t l2_squared, Rational sigma2) {
  return static_cast<double>(l2_squared) * static_cast<double>(sigma2.den) / (2.0 * static_cast<double>(sigma2.num));
}

}  // namespace counterpoint::privacy
