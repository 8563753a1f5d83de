#include "core/poisson.h"

#include <cmath>

namespace counterpoint {

int64_t Poisson(const CounterRng& rng, uint64_t base, double mean) {
  if (!(mean > 0)) return 0;
  if (mean < 10) {
    // inversion: the smallest k with P(X <= k) >= u
    const double u = rng.Uniform(base);
    double p = std::exp(-mean), cdf = p;
    int64_t k = 0;
    while (u > cdf && k < 1000) {
      ++k;
      p *= mean / static_cast<double>(k);
      cdf += p;
    }
    return k;
  }
  // PTRS (Hörmann 1993, table 1 constants)
  const double slam = std::sqrt(mean), loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (uint64_t attempt = 0; attempt < 1000000; ++attempt) {
    const double u = rng.Uniform(base + 2 * attempt) - 0.5, v = rng.Uniform(base + 2 * attempt + 1);
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<int64_t>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <= -mean + k * loglam - std::lgamma(k + 1))
      return static_cast<int64_t>(k);
  }
  return static_cast<int64_t>(std::llround(mean));
}

}  // namespace counterpoint
