// A seeded noise source for reproducible statistical tests of the release gate.
//
// Test-only by construction: this header lives in tests/ and is compiled only into
// the test binary; the library (privacy/) has no seeded noise and always draws from
// the CSPRNG (privacy/noise_source.h).
#pragma once

#include <Random123/philox.h>

#include "privacy/noise_source.h"

namespace counterpoint::testing {

/// Philox4x64-10 in counter mode, keyed by a test seed.
class SeededNoiseSource final : public privacy::NoiseSource {
 public:
  explicit SeededNoiseSource(uint64_t seed) : key_{{seed, 0x5eed}} {}
  uint64_t Next64() override {
    if (next_ == 4) {
      r123::Philox4x64 philox;
      block_ = philox(r123::Philox4x64::ctr_type{{counter_++, 0, 0, 0}}, key_);
      next_ = 0;
    }
    return block_[next_++];
  }

 private:
  r123::Philox4x64::key_type key_;
  r123::Philox4x64::ctr_type block_{};
  uint64_t counter_ = 0;
  int next_ = 4;
};

}  // namespace counterpoint::testing
