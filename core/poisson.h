// Poisson draws from the counter-based generator (core/rng.h), exact for any mean:
// inversion by sequential search below a mean of 10, else the transformed rejection with
// squeeze of Hörmann, "The transformed rejection method for generating Poisson random
// variables", Insurance: Mathematics and Economics 12 (1993), algorithm PTRS.
#pragma once

#include <cstdint>

#include "core/rng.h"

namespace counterpoint {

/// A Poisson(mean) draw using rng's draws from index `base` on (inversion: one; PTRS: two
/// per attempt, 1.1 attempts on average, at most 1,000,000 before it gives up and returns
/// the rounded mean, a case of probability below 10^-600). mean <= 0 gives 0.
int64_t Poisson(const CounterRng& rng, uint64_t base, double mean);

}  // namespace counterpoint
