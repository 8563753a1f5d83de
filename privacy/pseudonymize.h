// Pseudonyms for user ids: HMAC-SHA256 under a per-project key (libsodium).
//
// The key is 32 bytes from the system CSPRNG (randombytes_buf), kept in its own
// file with mode 0600, apart from the data, and never written into any output.
// Without the key a pseudonym cannot be linked back to an id, not even by hashing
// candidate ids (an unkeyed SHA-256 of an id would allow exactly that). The same
// key gives the same pseudonym for the same id, so histories can be joined across
// ingests of one project; a new key unlinks them.
#pragma once

#include <sodium.h>

#include <array>
#include <string>
#include <string_view>

namespace counterpoint::privacy {

/// The project's pseudonymisation key, wiped from memory on destruction.
class PseudonymKey {
 public:
  static constexpr size_t kBytes = crypto_auth_hmacsha256_KEYBYTES;  // 32

  /// Loads the key at `path`, or creates it there (mode 0600, O_EXCL) when absent and
  /// `create` is true. Refuses a key file that others can read, or of the wrong size.
  static PseudonymKey LoadOrCreate(const std::string& path, bool create);
  /// A key from given bytes (tests).
  explicit PseudonymKey(const std::array<unsigned char, kBytes>& bytes);
  ~PseudonymKey();
  PseudonymKey(const PseudonymKey&) = default;

  /// 32 lowercase hex digits: the first 128 bits of HMAC-SHA256(key, id).
  std::string Pseudonym(std::string_view id) const;

  /// The raw key (for the tests that scan outputs for it).
  const std::array<unsigned char, kBytes>& bytes() const { return key_; }

 private:
  std::array<unsigned char, kBytes> key_{};
};

}  // namespace counterpoint::privacy
