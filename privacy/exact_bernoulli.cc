#include "privacy/exact_bernoulli.h"

#include <stdexcept>

namespace counterpoint::privacy {

uint128 Gcd(uint128 a, uint128 b) {
  while (b != 0) {
    const uint128 r = a % b;
    a = b;
    b = r;
  }
  return a;
}

bool BernoulliRational(NoiseSource& src, uint128 num, uint128 den) {
  if (den == 0 || num > den) throw std::logic_error("BernoulliRational: need 0 <= num <= den, den >= 1");
  return src.Uniform128(den) < num;
}

namespace {
constexpr uint128 kMaxDen = static_cast<uint128>(1) << 96;

// gamma = num/den in [0, 1]: K counts successes of Bernoulli(gamma/K); P(K odd) = exp(-gamma)
bool BernoulliExpMinusAtMostOne(NoiseSource& src, uint128 num, uint128 den) {
  uint64_t k = 1;
  while (BernoulliRational(src, num, den * k)) ++k;
  return k % 2 == 1;
}
}  // namespace

bool BernoulliExpMinus(NoiseSource& src, uint128 num, uint128 den) {
  if (den == 0 || den >= kMaxDen) throw std::logic_error("BernoulliExpMinus: denominator out of range");
  // exp(-gamma) = exp(-1)^floor(gamma) * exp(-(gamma - floor(gamma))): one trial per factor
  while (num > den) {
    if (!BernoulliExpMinusAtMostOne(src, 1, 1)) return false;
    num -= den;
  }
  return BernoulliExpMinusAtMostOne(src, num, den);
}

}  // namespace counterpoint::privacy
