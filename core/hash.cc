#include "core/hash.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/error.h"

namespace counterpoint {

namespace {

// libsodium must be initialised once before use; sodium_init is thread-safe and idempotent
void EnsureSodium() {
  static const int kInit = sodium_init();
  if (kInit < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string Hex(const unsigned char* digest, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[digest[i] >> 4];
    out[2 * i + 1] = kDigits[digest[i] & 15];
  }
  return out;
}

}  // namespace

Sha256::Sha256() {
  EnsureSodium();
  crypto_hash_sha256_init(&state_);
}

void Sha256::Update(std::string_view bytes) {
  if (finished_) throw std::logic_error("Sha256::Update after HexDigest");
  crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string Sha256::HexDigest() {
  if (finished_) throw std::logic_error("Sha256::HexDigest called twice");
  finished_ = true;
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state_, digest);
  return Hex(digest, sizeof digest);
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.HexDigest();
}

FileDigest Sha256File(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw InputError(path, std::string("cannot open the file to hash it: ") + std::strerror(errno));
  // stream in chunks so memory does not grow with the file
  Sha256 h;
  FileDigest d;
  std::vector<char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    h.Update(std::string_view(buf.data(), n));
    d.bytes += static_cast<int64_t>(n);
  }
  if (std::ferror(f.get())) throw InputError(path, "read error while hashing the file");
  d.sha256 = h.HexDigest();
  return d;
}

}  // namespace counterpoint
