// A small binary format for checkpoints: a writer and a checked reader of plain
// values, length-prefixed vectors and strings, with named section tags.
//
// A sealed checkpoint is: the magic "CPSTATE\0", a format version (uint32), the body
// length (uint64), the body, and the SHA-256 of the body (64 hex digits). Reads are
// checked: a truncated, corrupt or mismatched checkpoint is an InputError naming it,
// never a crash or a silently wrong state (docs/architecture.md, "Checkpoints").
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/error.h"

namespace counterpoint {

/// Version of the checkpoint format; a reader refuses any other.
inline constexpr uint32_t kStateVersion = 2;

/// Appends values to a byte buffer (native byte order: checkpoints are for the same build and machine).
class StateWriter {
 public:
  /// A plain value (trivially copyable), as its bytes.
  template <class T>
  void Put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  /// A vector of plain values: its length (uint64), then the elements.
  template <class T>
  void PutVector(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    Put<uint64_t>(v.size());
    bytes_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  /// A string: its length (uint64), then the bytes.
  void PutString(std::string_view s) {
    Put<uint64_t>(s.size());
    bytes_.append(s.data(), s.size());
  }
  /// A section tag: the reader checks it is reading the same section.
  void Tag(std::string_view name) { PutString(name); }

  const std::string& bytes() const { return bytes_; }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

/// Reads what a StateWriter wrote; every read is bounds-checked and throws InputError
/// naming the source ("truncated or corrupt checkpoint") instead of reading past the end.
class StateReader {
 public:
  StateReader(std::string_view bytes, std::string source) : bytes_(bytes), source_(std::move(source)) {}

  template <class T>
  T Get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, Take(sizeof(T)), sizeof(T));
    return value;
  }
  /// A vector written by PutVector; its length is checked against the bytes left.
  template <class T>
  void GetVector(std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const uint64_t n = Get<uint64_t>();
    if (n > (bytes_.size() - pos_) / (sizeof(T) > 0 ? sizeof(T) : 1)) Fail("a vector is longer than the data left");
    v.resize(n);
    if (n > 0) std::memcpy(v.data(), Take(n * sizeof(T)), n * sizeof(T));
  }
  /// A vector that must have `expected` elements (e.g. one per user of this scenario).
  template <class T>
  void GetVector(std::vector<T>& v, size_t expected, std::string_view what) {
    GetVector(v);
    if (v.size() != expected)
      Fail(std::string(what) + " has " + std::to_string(v.size()) + " entries where this scenario needs " +
           std::to_string(expected) + " (a checkpoint of another scenario?)");
  }
  std::string GetString() {
    const uint64_t n = Get<uint64_t>();
    if (n > bytes_.size() - pos_) Fail("a string is longer than the data left");
    return std::string(Take(n), n);
  }
  /// Checks that the next section is `name`.
  void Tag(std::string_view name) {
    const std::string got = GetString();
    if (got != name) Fail("expected section '" + std::string(name) + "', found '" + Printable(got) + "'");
  }
  /// A bounded count (e.g. a number of records to read).
  uint64_t GetCount(uint64_t max, std::string_view what) {
    const uint64_t n = Get<uint64_t>();
    if (n > max) Fail(std::string(what) + ": " + std::to_string(n) + " exceeds " + std::to_string(max));
    return n;
  }

  bool AtEnd() const { return pos_ == bytes_.size(); }
  const std::string& source() const { return source_; }
  /// Throws the InputError this reader reports problems with.
  [[noreturn]] void Fail(const std::string& message) const {
    throw InputError(source_, "truncated or corrupt checkpoint: " + message + " (at byte " + std::to_string(pos_) +
                                  " of " + std::to_string(bytes_.size()) + ")");
  }

 private:
  const char* Take(size_t n) {
    if (n > bytes_.size() - pos_) Fail("needed " + std::to_string(n) + " more bytes");
    const char* p = bytes_.data() + pos_;
    pos_ += n;
    return p;
  }
  static std::string Printable(const std::string& s);

  std::string_view bytes_;
  size_t pos_ = 0;
  std::string source_;
};

/// Thrown by the default SaveState/LoadState of a plug-in that keeps state it cannot save.
class CheckpointUnsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Runs one plug-in's SaveState or LoadState inside section `where` (e.g. "ranker",
/// "intervention 2"); the default's CheckpointUnsupported is rethrown naming `where`.
template <class F>
void CheckpointSection(const std::string& where, F&& save_or_load) {
  try {
    save_or_load();
  } catch (const CheckpointUnsupported&) {
    throw CheckpointUnsupported(where);
  }
}

/// The sealed file contents for a body: magic, version, length, body, SHA-256 of the body.
std::string SealState(const std::string& body);

/// What seals a body: the bytes before it (magic, version, length) and after it (its SHA-256).
struct StateSeal {
  std::string header, trailer;
};
StateSeal SealOf(std::string_view body);

/// Writes SealState(body) to `path` atomically without building it (the body is not copied).
void WriteSealedStateAtomic(const std::string& path, std::string_view body, const StateSeal& seal);

/// SHA-256 of SealState(body), without building it.
std::string SealedSha256(std::string_view body, const StateSeal& seal);

/// Checks a sealed checkpoint (magic, version, length, digest) and returns its body;
/// throws InputError naming `source` on any mismatch.
std::string_view UnsealState(std::string_view sealed, const std::string& source);

}  // namespace counterpoint
