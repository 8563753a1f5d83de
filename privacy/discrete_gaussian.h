// The discrete Gaussian mechanism for zero-concentrated DP.
//
// N_Z(0, sigma^2): P(Z = z) proportional to exp(-z^2 / (2 sigma^2)) on the integers.
// Adding it to an integer vector of L2 sensitivity Delta is (Delta^2 / (2 sigma^2))-zCDP
// (Canonne, Kamath & Steinke, NeurIPS 2020, Theorem 14). The sampler is their
// Algorithm 3: discrete Laplace proposals with scale t = floor(sigma) + 1, accepted with
// probability exp(-(|Y| - sigma^2/t)^2 / (2 sigma^2)), all in rational arithmetic with
// sigma^2 = a / b.
#pragma once

#include <cstdint>

#include "privacy/discrete_laplace.h"

namespace counterpoint::privacy {

/// One draw of the discrete Gaussian with variance parameter sigma^2 = a/b (Algorithm 3).
/// Requires a <= 2^40 and b <= 2^10 (so every intermediate fits in 128 bits).
int64_t SampleDiscreteGaussian(NoiseSource& src, Rational sigma2);

/// The smallest sigma^2 on a 2^-10 grid that is at least l2_squared / (2 rho), so that
/// the realised rho never exceeds the requested one. Throws InputError if rho is
/// outside (0, 1e3] or sigma^2 would exceed 2^30.
Rational GaussianSigma2For(int64_t l2_squared, double rho);

/// Realised rho of the discrete Gaussian: l2_squared / (2 sigma^2).
double GaussianRho(int64_t l2_squared, Rational sigma2);

}  // namespace counterpoint::privacy
