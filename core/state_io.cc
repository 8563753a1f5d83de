#include "core/state_io.h"

#include "core/hash.h"
#include "core/io.h"

namespace counterpoint {

namespace {
constexpr char kMagic[8] = {'C', 'P', 'S', 'T', 'A', 'T', 'E', '\0'};
constexpr size_t kDigestChars = 64;
constexpr size_t kHeader = sizeof kMagic + sizeof(uint32_t) + sizeof(uint64_t);
}  // namespace

std::string StateReader::Printable(const std::string& s) {
  // a tag read from a corrupt file may be anything: show at most 40 printable characters
  std::string out;
  for (char c : s.substr(0, 40)) out += (c >= 32 && c < 127) ? c : '?';
  return s.size() > 40 ? out + "..." : out;
}

StateSeal SealOf(std::string_view body) {
  StateWriter w;
  w.bytes().append(kMagic, sizeof kMagic);
  w.Put<uint32_t>(kStateVersion);
  w.Put<uint64_t>(body.size());
  return {std::move(w.bytes()), Sha256Hex(body)};
}

std::string SealState(const std::string& body) {
  StateSeal seal = SealOf(body);
  std::string sealed = std::move(seal.header);
  sealed.reserve(sealed.size() + body.size() + seal.trailer.size());
  return sealed.append(body).append(seal.trailer);
}

void WriteSealedStateAtomic(const std::string& path, std::string_view body, const StateSeal& seal) {
  WriteFileAtomic(path, {seal.header, body, seal.trailer});
}

std::string SealedSha256(std::string_view body, const StateSeal& seal) {
  Sha256 h;
  h.Update(seal.header), h.Update(body), h.Update(seal.trailer);
  return h.HexDigest();
}

std::string_view UnsealState(std::string_view sealed, const std::string& source) {
  if (sealed.size() < kHeader + kDigestChars || std::memcmp(sealed.data(), kMagic, sizeof kMagic) != 0)
    throw InputError(source, "not a counterpoint checkpoint (no 'CPSTATE' header, or the file is truncated)");
  StateReader header(sealed.substr(sizeof kMagic, kHeader - sizeof kMagic), source);
  const uint32_t version = header.Get<uint32_t>();
  if (version != kStateVersion)
    throw InputError(source, "checkpoint format version " + std::to_string(version) + "; this build reads version " +
                                 std::to_string(kStateVersion) + " (resume with the build that wrote it)");
  const uint64_t length = header.Get<uint64_t>();
  if (length != sealed.size() - kHeader - kDigestChars)
    throw InputError(source, "truncated or corrupt checkpoint: the header gives " + std::to_string(length) +
                                 " bytes of state, the file holds " +
                                 std::to_string(sealed.size() - kHeader - kDigestChars));
  const std::string_view body = sealed.substr(kHeader, length);
  if (Sha256Hex(body) != sealed.substr(kHeader + length))
    throw InputError(source, "corrupt checkpoint: its SHA-256 does not match its contents");
  return body;
}

}  // namespace counterpoint
