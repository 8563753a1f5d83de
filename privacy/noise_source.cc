#include "privacy/noise_source.h"

#include <sodium.h>

#include <stdexcept>

namespace counterpoint::privacy {

void EnsureSodium() {
  static const int status = sodium_init();
  if (status < 0) throw std::runtime_error("libsodium could not be initialised (no system randomness?)");
}

uint64_t NoiseSource::Uniform(uint64_t n) {
  if (n == 0) throw std::logic_error("NoiseSource::Uniform: empty range");
  // reject the top partial block of 2^64 so every residue is equally likely
  const uint64_t limit = -n % n;  // 2^64 mod n
  for (;;) {
    const uint64_t x = Next64();
    if (x >= limit) return x % n;
  }
}

uint128 NoiseSource::Uniform128(uint128 n) {
  if (n == 0) throw std::logic_error("NoiseSource::Uniform128: empty range");
  if (n <= UINT64_MAX) return Uniform(static_cast<uint64_t>(n));
  // draw 128 bits masked to the bit length of n - 1, reject values >= n (acceptance > 1/2)
  uint128 mask = n - 1;
  for (int s = 1; s < 128; s <<= 1) mask |= mask >> s;
  for (;;) {
    const uint128 x = ((static_cast<uint128>(Next64()) << 64) | Next64()) & mask;
    if (x < n) return x;
  }
}

CsprngNoiseSource::CsprngNoiseSource() { EnsureSodium(); }

CsprngNoiseSource::~CsprngNoiseSource() { sodium_memzero(buffer_, sizeof buffer_); }

uint64_t CsprngNoiseSource::Next64() {
  if (next_ == kWords) {
    randombytes_buf(buffer_, sizeof buffer_);
    next_ = 0;
  }
  const uint64_t x = buffer_[next_];
  buffer_[next_++] = 0;  // a used word is not left behind in memory
  return x;
}

}  // namespace counterpoint::privacy
