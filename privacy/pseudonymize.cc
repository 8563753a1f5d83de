#include "privacy/pseudonymize.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "privacy/noise_source.h"

namespace counterpoint::privacy {

namespace {
void ReadExactly(int fd, unsigned char* out, size_t n, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = read(fd, out + done, n - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) throw InputError(path, "the pseudonymisation key must be exactly 32 bytes");
    done += static_cast<size_t>(r);
  }
  unsigned char extra;
  if (read(fd, &extra, 1) != 0) throw InputError(path, "the pseudonymisation key must be exactly 32 bytes");
}
}  // namespace

PseudonymKey::PseudonymKey(const std::array<unsigned char, kBytes>& bytes) : key_(bytes) { EnsureSodium(); }

PseudonymKey::~PseudonymKey() { sodium_memzero(key_.data(), key_.size()); }

PseudonymKey PseudonymKey::LoadOrCreate(const std::string& path, bool create) {
  EnsureSodium();
  std::array<unsigned char, kBytes> bytes{};
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT && create) {
    // a new key: 32 bytes from the CSPRNG, written to a file only its owner can read
    fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw InputError(path, std::string("cannot create the key file: ") + std::strerror(errno));
    randombytes_buf(bytes.data(), bytes.size());
    const bool ok = write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && fsync(fd) == 0;
    close(fd);
    if (!ok) {
      sodium_memzero(bytes.data(), bytes.size());
      unlink(path.c_str());
      throw InputError(path, "cannot write the key file");
    }
    PseudonymKey key(bytes);
    sodium_memzero(bytes.data(), bytes.size());
    return key;
  }
  if (fd < 0) throw InputError(path, std::string("cannot open the key file: ") + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    throw InputError(path, "the key file is not a regular file");
  }
  if (st.st_mode & 077) {
    close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    throw InputError(path,
                     std::string("the key file is open to other users (mode ") + mode + "); run: chmod 600 " + path);
  }
  try {
    ReadExactly(fd, bytes.data(), bytes.size(), path);
  } catch (...) {
    close(fd);
    throw;
  }
  close(fd);
  PseudonymKey key(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return key;
}

std::string PseudonymKey::Pseudonym(std::string_view id) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(id.data()), id.size(), key_.data());
  static const char* kHex = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[2 * i] = kHex[mac[i] >> 4];
    out[2 * i + 1] = kHex[mac[i] & 15];
  }
  return out;
}

}  // namespace counterpoint::privacy
