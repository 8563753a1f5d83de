// SHA-256 digests (libsodium) of byte strings and of files, as lowercase hex.
//
// Used by manifests to identify a run's inputs: the resolved scenario and every
// data file a catalog reads (docs/scenarios.md, "Outputs").
#pragma once

#include <sodium.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace counterpoint {

/// Incremental SHA-256 (FIPS 180-4): feed bytes with Update, then read HexDigest once.
class Sha256 {
 public:
  Sha256();
  /// Appends bytes to the message.
  void Update(std::string_view bytes);
  /// Finishes the message; returns the digest as 64 lowercase hex digits.
  std::string HexDigest();

 private:
  crypto_hash_sha256_state state_;
  bool finished_ = false;
};

/// SHA-256 of `bytes`, as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view bytes);

/// Digest and size of a file.
struct FileDigest {
  std::string sha256;  ///< 64 lowercase hex digits
  int64_t bytes = 0;
};

/// SHA-256 of a file, read in 1 MiB chunks (memory does not grow with the file).
/// Throws InputError naming the path if it cannot be opened or read.
FileDigest Sha256File(const std::string& path);

}  // namespace counterpoint
