// Counter-based random numbers (Random123 Philox4x64-10, Salmon et al., SC 2011).
//
// Every draw is a pure function of (seed, stream, step, purpose, draw): the
// stream is a user or item id, so results do not depend on thread count, on
// scheduling, or on the order users are visited, and two arms of a scenario
// see the same numbers for the same user at the same step (common random numbers).
#pragma once

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <string_view>

namespace counterpoint {

/// Named purposes keep independent uses of randomness apart.
enum class Purpose : uint64_t {
  kCatalogLabel = 1,
  kCatalogEmbedding,
  kCatalogAttributes,
  kTopicCenters,
  kPopulationInit,
  kSession,
  kExamination,
  kChoice,
  kRankerNoise,
  kRetrieverSample,
  kIndexTraining,
  kIntervention,
  kReplicateSeed,
  kJourney,
  kPerceptualHash,
  kDismissal,
  kReactance,
};

/// Stateless Philox generator; cheap to construct per (stream, step, purpose).
class CounterRng {
 public:
  CounterRng(uint64_t seed, uint64_t stream, uint64_t step, Purpose purpose)
      : key_{{seed, stream}}, step_(step), purpose_(static_cast<uint64_t>(purpose)) {}

  /// Four 64-bit words for block `block`.
  r123::Philox4x64::ctr_type Block(uint64_t block) const {
    r123::Philox4x64 philox;
    r123::Philox4x64::ctr_type ctr = {{step_, purpose_, block, 0}};
    return philox(ctr, key_);
  }

  /// Uniform double in (0, 1) from draw index i (53 random bits, never 0 or 1).
  double Uniform(uint64_t i) const {
    const uint64_t word = Block(i >> 2)[i & 3];
    return ((word >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  }

  /// Standard normal from draw indexes 2i, 2i+1 (Box-Muller).
  double Normal(uint64_t i) const {
    const double u1 = Uniform(2 * i), u2 = Uniform(2 * i + 1);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  /// Standard Gumbel draw (-log(-log U)).
  double Gumbel(uint64_t i) const { return -std::log(-std::log(Uniform(i))); }

  /// Integer in [0, n).
  uint64_t Below(uint64_t i, uint64_t n) const {
    return static_cast<uint64_t>(Uniform(i) * static_cast<double>(n)) % n;
  }

  /// Gamma(shape, 1) by Marsaglia & Tsang (2000); uses draws from index base*64 on.
  double Gamma(uint64_t base, double shape) const;

  /// Beta(a, b) as Ga/(Ga+Gb).
  double Beta(uint64_t base, double a, double b) const {
    const double x = Gamma(2 * base, a), y = Gamma(2 * base + 1, b);
    return x / (x + y);
  }

 private:
  r123::Philox4x64::key_type key_;
  uint64_t step_;
  uint64_t purpose_;
};

/// Derives an independent 64-bit seed (e.g. for replicate r) from a base seed.
uint64_t DeriveSeed(uint64_t seed, uint64_t index);

/// FNV-1a (64 bits) of a name: a stable number for keying draws by what something is called.
inline uint64_t Fnv1a(std::string_view name) {
  uint64_t h = 14695981039346656037ull;
  for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

}  // namespace counterpoint
