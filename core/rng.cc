#include "core/rng.h"

namespace counterpoint {

double CounterRng::Gamma(uint64_t base, double shape) const {
  // each base owns uniform indexes [128*base, 128*base + 128): offset 0 boosts
  // shape < 1, normals use offsets 2..61, acceptance uniforms offsets 64..93
  const uint64_t u0 = 128 * base;
  double scale = 1.0;
  if (shape < 1.0) {
    // shape < 1: Gamma(a) = Gamma(a+1) * U^(1/a) (Marsaglia & Tsang 2000, sec. 6)
    scale = std::pow(Uniform(u0), 1.0 / shape);
    shape += 1.0;
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  // rejection loop, bounded so no stream can hang (acceptance > 95% per try)
  for (uint64_t t = 0; t < 30; ++t) {
    const double x = Normal(u0 / 2 + 1 + t);
    const double v = (1.0 + c * x) * (1.0 + c * x) * (1.0 + c * x);
    if (v <= 0.0) continue;
    const double u = Uniform(u0 + 64 + t);
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return scale * d * v;
  }
  return scale * d;  // the mode region; reached with probability < 1e-30
}

uint64_t DeriveSeed(uint64_t seed, uint64_t index) {
  CounterRng rng(seed, index, 0, Purpose::kReplicateSeed);
  return rng.Block(0)[0];
}

}  // namespace counterpoint
