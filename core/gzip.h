// gzip (RFC 1952) for the event logs: compressing a file's contents before it is written,
// and reading a text file line by line whether it is gzip-compressed or plain.
#pragma once

#include <cstdint>
#include <string>

namespace counterpoint {

/// `data` as one gzip member (deflate at `level`, 1 fastest .. 9 smallest), readable by
/// gzip, Python's gzip module and pandas.
std::string GzipCompress(const std::string& data, int level = 6);

/// Whether `data` starts with gzip's magic bytes (1f 8b).
bool IsGzip(const std::string& data);

/// The contents of the gzip stream `data` (every member, concatenated). Throws InputError
/// naming `path` if it is corrupt or truncated. Bounded: deflate expands at most 1032:1.
std::string GzipDecompress(const std::string& data, const std::string& path);

/// Reads a text file line by line, decompressing it if it is gzip (zlib tells by its magic
/// bytes) and reading it as it is otherwise. Lines end at '\n', which is not kept.
class LineReader {
 public:
  /// Throws InputError naming `path` if it cannot be opened.
  explicit LineReader(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  /// The next line into `line`; false at the end. Throws InputError naming the path and
  /// line on a corrupt or truncated gzip stream.
  bool Next(std::string& line);

 private:
  std::string path_;
  void* file_ = nullptr;  ///< gzFile
  int64_t line_ = 0;
};

}  // namespace counterpoint
