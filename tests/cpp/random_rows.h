// Standard normal test vectors from the counter-based RNG (same numbers on every run).
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"

namespace counterpoint::testing {

/// n x d floats, row-major, each N(0, 1), keyed by `seed`.
inline std::vector<float> RandomRows(int64_t n, int64_t d, uint64_t seed) {
  std::vector<float> v(n * d);
  const CounterRng rng(seed, 0, 0, Purpose::kIndexTraining);
  for (int64_t i = 0; i < n * d; ++i) v[i] = static_cast<float>(rng.Normal(i));
  return v;
}

}  // namespace counterpoint::testing
