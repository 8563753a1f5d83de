// The discrete Laplace (two-sided geometric) mechanism for counts and bounded sums.
//
// P(Z = z) = (1 - e^{-1/b}) / (1 + e^{-1/b}) * e^{-|z| / b} on the integers, scale b.
// Adding Z to an integer-valued query of L1 sensitivity Delta is (Delta / b)-DP
// (pure; Ghosh, Roughgarden & Sundararajan, STOC 2009; Canonne, Kamath & Steinke 2020,
// Proposition/Algorithm 2). The sampler is CKS 2020 Algorithm 2, exact for a rational
// scale b = t / s: integer arithmetic only, outputs on the integer grid.
#pragma once

#include <cstdint>
#include <string>

#include "privacy/noise_source.h"

namespace counterpoint::privacy {

/// A positive rational t / s (numerator, denominator), kept reduced.
struct Rational {
  uint64_t num = 1;
  uint64_t den = 1;
  double Value() const { return static_cast<double>(num) / static_cast<double>(den); }
  std::string ToString() const { return std::to_string(num) + "/" + std::to_string(den); }
};

/// One draw of the discrete Laplace with scale t/s (CKS 2020, Algorithm 2).
int64_t SampleDiscreteLaplace(NoiseSource& src, Rational scale);

/// The smallest scale on a 2^-20 grid that is at least sensitivity / epsilon, so that
/// the realised epsilon (sensitivity / scale) never exceeds the requested one.
/// Throws InputError for epsilon outside (0, 1e3] or sensitivity < 1.
Rational LaplaceScaleFor(int64_t sensitivity, double epsilon);

/// Realised pure epsilon of the discrete Laplace with this scale: sensitivity / scale.
double LaplaceEpsilon(int64_t sensitivity, Rational scale);

}  // namespace counterpoint::privacy
