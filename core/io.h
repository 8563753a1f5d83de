// Small I/O helpers: atomic writes, a CSV reader that keeps line numbers, .npy arrays.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace counterpoint {

/// Writes `contents` to `path` via a temporary file in the same directory and a
/// rename, so an interrupted run never leaves a half-written file that looks complete.
void WriteFileAtomic(const std::string& path, const std::string& contents);
/// The same, for contents in pieces written one after the other (no copy of them joined).
void WriteFileAtomic(const std::string& path, std::initializer_list<std::string_view> pieces);

/// Several files written as one: each is written to a temporary file next to its target
/// and synced; Commit renames them into place in the order written. A failed write (a
/// full disk: "writing FILE: No space left on device") throws InputError and removes every
/// temporary file, so the targets keep what an earlier run wrote; so does destruction
/// without Commit.
class StagedFiles {
 public:
  StagedFiles() = default;
  StagedFiles(const StagedFiles&) = delete;
  StagedFiles& operator=(const StagedFiles&) = delete;
  ~StagedFiles();

  void Write(const std::string& path, const std::string& contents);
  /// The file's contents are the pieces, one after the other.
  void Write(const std::string& path, std::initializer_list<std::string_view> pieces);
  void Commit();

 private:
  void Discard();
  std::vector<std::pair<std::string, std::string>> staged_;  ///< (target, temporary file)
};

/// Why `path` cannot be read as a file: "" if it can, else e.g. "no such file",
/// "is a directory, not a file", "is not a regular file (a FIFO, socket or device)",
/// "cannot be read: Permission denied". Never opens a FIFO (which would block).
std::string UnreadableFileReason(const std::string& path);

/// Reads a whole file; throws InputError naming the path (and why) if it cannot be read.
std::string ReadFile(const std::string& path);

/// Creates directory `dir` if needed and checks that a file can be created in it
/// (writes and removes a probe file), so that a run fails before it starts rather
/// than after. Throws InputError naming `what` (e.g. "--out DIR") and the reason.
void CheckWritableDirectory(const std::string& dir, const std::string& what);

/// A parsed CSV table (RFC 4180 quoting), with the 1-based line of each row.
struct CsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> lines;

  /// Column index of `name`, or -1.
  int Column(const std::string& name) const;
  /// Column index of `name`; throws InputError naming the file and the header if absent.
  int RequireColumn(const std::string& name) const;
};

/// Reads a CSV file with a header line. Lines starting with `comment` (if non-zero)
/// are skipped. Rows with a different field count are an InputError naming the line.
CsvTable ReadCsv(const std::string& path, char comment = 0);

/// Parses numbers in CSV cells, with errors naming file:line and column. Only finite
/// numbers are accepted (nan, inf and values beyond double's range are errors).
double CsvDouble(const CsvTable& t, size_t row, int col);
/// A number for a CSV field, 9 significant digits; empty where undefined (NaN), so
/// that any reader sees a missing value.
std::string CsvNumber(double x);
int64_t CsvInt(const CsvTable& t, size_t row, int col);

/// A 2-D float32 matrix read from .npy (float32 or float64, C order).
struct NpyMatrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<float> data;
};

/// Reads a 1-D or 2-D .npy file (1-D becomes a single column). Errors name the file.
NpyMatrix ReadNpy(const std::string& path);

/// Writes a 2-D float32 .npy file (atomically).
void WriteNpy(const std::string& path, const float* data, int64_t rows, int64_t cols);

}  // namespace counterpoint
