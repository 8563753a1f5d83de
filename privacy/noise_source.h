// Where the noise of the release gate comes from: the system CSPRNG (libsodium).
//
// Noise never comes from the simulation's Philox streams: those are keyed by a seed
// written in every manifest, so anyone could regenerate the noise and subtract it.
// A seeded source for reproducible statistical tests exists only in the test sources
// (tests/cpp/seeded_noise_source.h); the library itself has no way to seed its noise.
#pragma once

#include <cstdint>

namespace counterpoint::privacy {

using uint128 = unsigned __int128;

/// A source of uniformly random 64-bit words, and exact uniform integers drawn from it.
class NoiseSource {
 public:
  virtual ~NoiseSource() = default;
  /// 64 uniformly random bits.
  virtual uint64_t Next64() = 0;
  /// Uniform integer in [0, n), n >= 1, exact (rejection sampling, no modulo bias).
  uint64_t Uniform(uint64_t n);
  /// Uniform integer in [0, n), n >= 1, for 128-bit bounds (exact, by rejection).
  uint128 Uniform128(uint128 n);
  /// Bernoulli(1/2).
  bool Coin() { return Next64() >> 63; }
};

/// Random words from libsodium's randombytes_buf (a ChaCha20 stream keyed from the
/// kernel's getrandom), buffered 4 KiB at a time. Not copyable: two copies would
/// replay the same buffer.
class CsprngNoiseSource final : public NoiseSource {
 public:
  CsprngNoiseSource();
  CsprngNoiseSource(const CsprngNoiseSource&) = delete;
  CsprngNoiseSource& operator=(const CsprngNoiseSource&) = delete;
  ~CsprngNoiseSource() override;
  uint64_t Next64() override;

 private:
  static constexpr int kWords = 512;
  uint64_t buffer_[kWords];
  int next_ = kWords;
};

/// Initialises libsodium once (thread-safe); throws std::runtime_error if it cannot.
void EnsureSodium();

}  // namespace counterpoint::privacy
