// Exact Bernoulli trials with rational parameters, in integer arithmetic only.
//
// Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential Privacy"
// (NeurIPS 2020), Section 5.1: Bernoulli(n/d) from one uniform integer, and
// Bernoulli(exp(-gamma)) for rational gamma >= 0 without evaluating exp. No floating
// point is involved, so the output distribution is exactly the stated one (the
// floating-point attacks of Mironov, CCS 2012, have nothing to exploit).
#pragma once

#include "privacy/noise_source.h"

namespace counterpoint::privacy {

/// Bernoulli(num / den), 0 <= num <= den, den >= 1: true with probability num/den.
bool BernoulliRational(NoiseSource& src, uint128 num, uint128 den);

/// Bernoulli(exp(-num / den)) for num >= 0, den >= 1 (CKS 2020, Algorithm 1).
/// den must stay below 2^96 so that den * K cannot overflow.
bool BernoulliExpMinus(NoiseSource& src, uint128 num, uint128 den);

/// Greatest common divisor (for keeping rationals small).
uint128 Gcd(uint128 a, uint128 b);

}  // namespace counterpoint::privacy
